"""Secrets kept out of the logs: an account key sent in a query string (`?api_key=…`, which the
API accepts as the reference API does) would otherwise be written in clear by every access log
line and every message that quotes the URL."""

import logging
import re

REDACTED = "[redacted]"
# The parameter's name as it starts a query or follows a separator, percent-encoded or not; its
# value runs to the next separator, fragment, space or quote (the end of the URL in a log line).
QUERY_SECRET = re.compile(r"(?i)((?:^|[?&;])api(?:_|%5f)key=)[^&;#\s\"']*")


def redact_query_secrets(text: str) -> str:
    """`text` (a URL, a query string, a log line) with the value of every `api_key` parameter
    replaced by REDACTED."""
    if "key" not in text.lower():
        return text
    return QUERY_SECRET.sub(rf"\1{REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """A logging filter that rewrites a record's message without the secrets it quotes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging itself reports it when formatting
            return True
        redacted = redact_query_secrets(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
