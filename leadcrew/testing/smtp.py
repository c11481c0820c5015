"""A real SMTP server for tests (aiosmtpd) that keeps what it receives, and Django's mailer
pointed at it."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def text(self, index: int) -> str:
        """The plain-text body of the `index`th e-mail received."""
        message = self.messages[index][1]
        return str(message.get_body(preferencelist=("plain",)).get_content())

    def only(self) -> tuple[list[str], str, str]:
        """The one e-mail received: recipients, subject and plain-text body."""
        assert len(self.messages) == 1, [m["Subject"] for _, m in self.messages]
        recipients, message = self.messages[0]
        return recipients, str(message["Subject"]), self.text(0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smtp_mailer(port: int) -> dict[str, Any]:
    """Django's MAILERS setting for an SMTP server on this machine's `port`."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@contextmanager
def smtp_inbox(settings: Any) -> Iterator[Inbox]:
    """A running server, and the mailer of `settings` (pytest-django's fixture) sending to it."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = smtp_mailer(port)
    try:
        yield handler
    finally:
        controller.stop()
