"""Reads that tolerate lag, served by PostgreSQL streaming replicas (LEADCREW_REPLICA_URLS).

Nothing goes to a replica unless a function asks for it: the selectors of lead lists,
statistics and exports are decorated with `reads_from_replica`, and only while one of them runs
does the router (ReplicaRouter) send the ORM's reads to the replica it chose. Everything else,
every write and every read a write service makes to validate what it writes, stays on the
primary; so does a decorated selector called inside a transaction.

Read-your-writes: after a request that may have written (a POST, PUT, PATCH or DELETE answered
below 400) by a caller (an API key, a user token, a logged-in web user), the primary's WAL
position is kept in Django's cache for LEADCREW_READ_YOUR_WRITES_SECONDS, under that caller.
Until then, the caller's replica reads go to a replica only once it has replayed that position,
to the primary before. Other callers read the replica as it is.

A replica is checked before each use (one `SELECT pg_last_wal_replay_lsn()`, which also gives
its position). One that does not answer is left out for LEADCREW_REPLICA_RETRY_SECONDS, marked
in the cache for every process, and the reads go to another replica or to the primary; a read
that fails on a replica midway is run again on the primary.
"""

import contextlib
import functools
import hashlib
import inspect
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, Error, InterfaceError, OperationalError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from leadcrew.accounts.models import hash_secret

logger = logging.getLogger("leadcrew.replicas")

# Methods after which the caller may have written: their next reads must see it.
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Read on the primary even inside a replica read: the shared counters and the web sessions
# change on every request and are read back at once.
PRIMARY_ONLY_LABELS = frozenset({"accounts.WebSession"})
PRIMARY_ONLY_APPS = frozenset({"django_cache"})

_reading_from: ContextVar[str | None] = ContextVar("leadcrew_reading_from", default=None)
_current_request: ContextVar[HttpRequest | None] = ContextVar(
    "leadcrew_replica_request", default=None
)
# Replicas this process found down, and until when (the cache tells the other processes).
_down_until: dict[str, float] = {}

clock: Callable[[], float] = time.monotonic


def replica_aliases() -> list[str]:
    return list(getattr(settings, "LEADCREW_REPLICA_ALIASES", ()))


# --- The router ------------------------------------------------------------------------------


class ReplicaRouter:
    """Installed when replicas are configured. Every read goes to the primary except those made
    while a `reads_from_replica` function runs; every write and migration goes to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        alias = _reading_from.get()
        if alias is None:
            return DEFAULT_DB_ALIAS
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label in PRIMARY_ONLY_LABELS:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


# --- Choosing where a read goes --------------------------------------------------------------


def lsn_value(lsn: str) -> int:
    """A pg_lsn ('16/B374D848') as a number that orders like it."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _caller(request: HttpRequest) -> str | None:
    """Who sent the request, as the API authenticates it (a user token first, then an account
    key, in the header or the query string), or the web's logged-in user."""
    token = request.headers.get("X-User-Token")
    if token:
        return f"token:{hash_secret(token)}"
    key = request.headers.get("X-Api-Key") or request.GET.get("api_key")
    if key:
        return f"key:{hash_secret(key)}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _written_key(caller: str) -> str:
    return f"replica:written:{hashlib.sha256(caller.encode()).hexdigest()[:32]}"


def _down_key(alias: str) -> str:
    return f"replica:down:{alias}"


def _preference(aliases: list[str]) -> list[str]:
    """Each process starts with its own replica, so that K replicas share the processes (and
    each process keeps one replica connection); the others are the fallbacks."""
    start = os.getpid() % len(aliases)
    return aliases[start:] + aliases[:start]


def _mark_down(alias: str, error: BaseException) -> None:
    seconds = settings.LEADCREW_REPLICA_RETRY_SECONDS
    _down_until[alias] = clock() + seconds
    with contextlib.suppress(Error):
        connections[alias].close()
    logger.warning(
        "Replica %s does not answer (%s): its reads go elsewhere for %d s.",
        alias,
        str(error).strip() or type(error).__name__,
        seconds,
    )
    cache.set(_down_key(alias), True, timeout=seconds)


class _Unreachable(Exception):
    pass


def _replayed(alias: str) -> str | None:
    """The replica's replay position (None if it is no standby), or _Unreachable."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
            row = cursor.fetchone()
    except Error as error:
        raise _Unreachable(alias) from error
    return row[0] if row else None


def replica_for_read() -> str | None:
    """The replica a read that tolerates lag should use now, or None for the primary."""
    aliases = replica_aliases()
    if not aliases or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    request = _current_request.get()
    caller = _caller(request) if request is not None else None
    now = clock()
    candidates = [alias for alias in _preference(aliases) if _down_until.get(alias, 0.0) <= now]
    if not candidates:
        return None
    keys = [_down_key(alias) for alias in candidates]
    if caller is not None:
        keys.append(_written_key(caller))
    found = cache.get_many(keys)
    written = found.get(_written_key(caller)) if caller is not None else None
    for alias in candidates:
        if found.get(_down_key(alias)):
            continue
        try:
            replayed = _replayed(alias)
        except _Unreachable as unreachable:
            _mark_down(alias, unreachable.__cause__ or unreachable)
            continue
        known = written is not None and replayed is not None
        if known and lsn_value(str(replayed)) < lsn_value(str(written)):
            continue  # not yet at the caller's own write
        return alias
    return None


def _failed_on_replica(alias: str, error: Error) -> bool:
    """Whether a read that raised `error` on replica `alias` may be run again on the primary:
    the replica went away, or cancelled the query to go on replaying (a recovery conflict)."""
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    connection = connections[alias]
    if connection.connection is None or not connection.is_usable():
        _mark_down(alias, error)
    return True


def reads_from_replica[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Runs `function` (a read that tolerates lag: a list, statistics, an export) on a replica
    when one is configured, up to date enough for the caller and answering; on the primary
    otherwise. A generator function streams from the replica chosen when it is called."""
    if inspect.isgeneratorfunction(function):
        return cast(Callable[P, R], _streaming(function))

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _reading_from.get() is not None:
            return function(*args, **kwargs)
        alias = replica_for_read()
        if alias is None:
            return function(*args, **kwargs)
        token = _reading_from.set(alias)
        try:
            return function(*args, **kwargs)
        except Error as error:
            if not _failed_on_replica(alias, error):
                raise
            logger.warning("A read failed on replica %s; running it on the primary.", alias)
        finally:
            _reading_from.reset(token)
        return function(*args, **kwargs)

    return wrapper


def _streaming(function: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        alias = _reading_from.get() or replica_for_read()
        items = function(*args, **kwargs)
        return items if alias is None else _iterated_on(alias, items)

    return wrapper


def _iterated_on(alias: str, items: Iterator[Any]) -> Iterator[Any]:
    """The items, each produced with the reads going to `alias` (and only then: between two
    items the reads of whoever consumes them are theirs)."""
    while True:
        token = _reading_from.set(alias)
        try:
            item = next(items)
        except StopIteration:
            return
        finally:
            _reading_from.reset(token)
        yield item


# --- Remembering a caller's writes -----------------------------------------------------------


class ReadYourWritesMiddleware:
    """Makes the request known to `replica_for_read` (whose reads must see whose writes), and
    after a request that may have written, keeps the primary's WAL position under its caller."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        # A refused request wrote nothing (leadcrew never changes part of what it refuses); not
        # remembering it also keeps requests with made-up credentials from filling the cache.
        if request.method in WRITING_METHODS and response.status_code < 400:
            caller = _caller(request)
            if caller is not None:
                _remember_write(caller)
        return response


def _remember_write(caller: str) -> None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (lsn,) = cursor.fetchone()
        cache.set(_written_key(caller), lsn, timeout=settings.LEADCREW_READ_YOUR_WRITES_SECONDS)
    except Error:
        # The write itself is done and answered: a primary that stops answering now fails the
        # caller's next request anyway.
        logger.exception("Could not remember the position of a write for read-your-writes.")
