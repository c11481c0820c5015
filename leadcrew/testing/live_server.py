"""The test live server, one request at a time when its threads share a connection.

On SQLite the tests' database lives in memory, and Django hands the live server's request
threads the test's own connection (a second connection would see another, empty database).
Two requests at once on that one connection can deadlock: a thread inside SQLite calls one of
leadcrew's SQL functions written in Python (`leadcrew_fold`…) and waits for the interpreter
lock, which the other thread holds while it waits for the connection's lock. A page firing
requests as one types (the duplicate warning) did exactly that. Served one at a time, the
requests cannot meet; PostgreSQL, where each thread has its own connection, is left as it is.
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.test.testcases import LiveServerThread

WsgiApp = Callable[..., Iterable[bytes]]


class _ReleasedOnClose:
    """The answer's body; the lock is released once the server has sent it (or given up)."""

    def __init__(self, body: Iterable[bytes], lock: threading.Lock) -> None:
        self.body, self.lock = body, lock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.lock.release()


def one_at_a_time(app: WsgiApp) -> WsgiApp:
    lock = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        lock.acquire()
        try:
            body = app(environ, start_response)
        except BaseException:
            lock.release()
            raise
        return _ReleasedOnClose(body, lock)

    return serve


def serialize_shared_connection_servers() -> Callable[[], None]:
    """Makes every live server started from now on whose threads share a connection serve one
    request at a time; answers the function that undoes it."""
    create = getattr(LiveServerThread, "_create_server")  # noqa: B009 (not in the type stubs)

    def create_server(self: LiveServerThread, connections_override: Any = None) -> Any:
        server = create(self, connections_override=connections_override)
        if connections_override:
            set_app = server.set_app
            server.set_app = lambda app: set_app(one_at_a_time(app))
        return server

    setattr(LiveServerThread, "_create_server", create_server)  # noqa: B010

    def undo() -> None:
        setattr(LiveServerThread, "_create_server", create)  # noqa: B010

    return undo
