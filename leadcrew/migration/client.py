"""Reading an account through the noCRM.io v2 API (or any server speaking it, leadcrew too).

What the reference says about reading (shared/spec/nocrm-v2-reference.md §1.4, §1.5): lists are
bare JSON arrays with `X-TOTAL-COUNT`, paged by `limit` and `offset`; a client stops on a short
page, once `offset` reaches the total, or when a page starts with the id the previous one
started with (a server that ignores `offset`). Past the quota every request answers 429 with
`API-RETRY-AFTER` (seconds): the client waits that long and asks again, as the vendor asks.

urllib3 rather than the standard library's urllib: it keeps one connection open to the source
for the thousands of requests of a migration, retries what failed before reaching the server,
and is already installed with leadcrew's dependencies.
"""

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3

PAGE_SIZE = 100
# Seconds waited on a 429 that does not say how long.
DEFAULT_RETRY_AFTER = 60
# A network failure or a 5xx is asked again this many times, waiting a little longer each time.
TRANSIENT_ATTEMPTS = 4
TIMEOUT_SECONDS = 60.0
API_PATH = "/api/v2"

Record = dict[str, Any]


class SourceError(Exception):
    """The source could not be read: unreachable, a refused credential, an unexpected answer."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any
    total: int | None  # X-TOTAL-COUNT, when the source sent it


def api_base(url: str) -> str:
    """The API's base, whether given as the account's address or with `/api/v2` already."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise SourceError(f"{url!r} is not an http(s) address")
    return base if base.endswith(API_PATH) else base + API_PATH


class SourceApi:
    """A client of one source account, authenticated by its API key."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        sleep: Callable[[float], None] | None = None,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self.base = api_base(url)
        self.headers = {"X-API-KEY": api_key, "Accept": "application/json"}
        self.sleep = sleep or _sleep
        self.on_wait = on_wait
        self.requests = 0
        self.http = urllib3.PoolManager(
            timeout=urllib3.Timeout(total=TIMEOUT_SECONDS),
            # Connection failures before anything was sent are safe to retry at once.
            retries=urllib3.Retry(total=2, read=0, status=0, redirect=3),
        )

    def get(self, path: str, params: Mapping[str, object] | None = None) -> Answer:
        """One GET, waiting as long as a 429 asks, and asking again after a transient failure."""
        url = self.base + path + (f"?{urlencode(params)}" if params else "")
        failures = 0
        while True:
            self.requests += 1
            try:
                response = self.http.request("GET", url, headers=self.headers)
            except urllib3.exceptions.HTTPError as error:
                failures += 1
                if failures >= TRANSIENT_ATTEMPTS:
                    raise SourceError(f"GET {path}: {error}") from error
                self._wait(2.0**failures, f"GET {path} failed ({error})")
                continue
            if response.status == 429:
                self._wait(_retry_after(response.headers), "the source's rate limit was reached")
                continue
            if response.status >= 500:
                failures += 1
                if failures >= TRANSIENT_ATTEMPTS:
                    raise SourceError(f"GET {path}: HTTP {response.status}", status=response.status)
                self._wait(2.0**failures, f"GET {path} answered {response.status}")
                continue
            return _answer(path, response)

    def _wait(self, seconds: float, why: str) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, why)
        self.sleep(seconds)

    def get_ok(self, path: str, params: Mapping[str, object] | None = None) -> Answer:
        answer = self.get(path, params)
        if answer.status != 200:
            raise SourceError(_refusal(path, answer), status=answer.status)
        return answer

    def pages(
        self, path: str, params: Mapping[str, object] | None = None, *, limit: int = PAGE_SIZE
    ) -> Iterator[list[Record]]:
        """Every page of a list, in the source's order."""
        offset = 0
        first_ids: set[object] = set()
        while True:
            answer = self.get_ok(path, {**(params or {}), "limit": limit, "offset": offset})
            page = answer.data
            if not isinstance(page, list):
                raise SourceError(f"GET {path}: expected a JSON array")
            records = [record for record in page if isinstance(record, dict)]
            if records:
                first = records[0].get("id")
                if first in first_ids:
                    return  # the server ignores offset: this page was read already
                first_ids.add(first)
                yield records
            offset += limit
            if len(page) < limit or (answer.total is not None and offset >= answer.total):
                return

    def close(self) -> None:
        self.http.clear()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _retry_after(headers: Mapping[str, str]) -> float:
    for name in ("API-RETRY-AFTER", "Retry-After"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(float(value), 0.0)
            except ValueError:
                continue
    return DEFAULT_RETRY_AFTER


def _answer(path: str, response: urllib3.BaseHTTPResponse) -> Answer:
    try:
        data = json.loads(response.data) if response.data else None
    except ValueError as error:
        raise SourceError(
            f"GET {path}: the answer (HTTP {response.status}) is not JSON", status=response.status
        ) from error
    total_header = response.headers.get("X-TOTAL-COUNT")
    total = int(total_header) if total_header and total_header.isdigit() else None
    return Answer(status=response.status, data=data, total=total)


def _refusal(path: str, answer: Answer) -> str:
    detail = ""
    if isinstance(answer.data, dict):
        detail = str(answer.data.get("message") or answer.data.get("type") or "")
    return f"GET {path}: HTTP {answer.status}" + (f" ({detail})" if detail else "")
