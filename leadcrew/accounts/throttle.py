"""The login throttle: failed logins counted per e-mail and per client address, in Django's
cache, so that every worker of every server counts together (the database cache by default,
Redis with LEADCREW_CACHE_URL).

Past LEADCREW_LOGIN_FAILURES_PER_EMAIL failures for one e-mail, or
LEADCREW_LOGIN_FAILURES_PER_ADDRESS from one address, within one window of
LEADCREW_LOGIN_LOCKOUT_SECONDS, that e-mail (or address) is locked for as long again: every login
there is refused with 429 before any password is hashed, so a locked-out attacker costs a cache
read, not a PBKDF2 run. The lock then ends by itself, with its counters starting again from zero.

A successful login clears its own e-mail's count (the user got their password right) and nothing
else: the count of its address goes on, or an attacker with an account of their own could wipe
the count of their guesses by logging in between them.

Time comes from `clock`, which tests replace: the cache's own expiry only throws old keys away.
"""

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from leadcrew.core.errors import Code, RateLimited

logger = logging.getLogger("leadcrew.login")

clock: Callable[[], float] = time.time
# Keys outlive their use by this much, so that a clock a little ahead of the cache's never sees
# a lock or a count vanish early.
SLACK_SECONDS = 60
# What the logs show of the e-mail a client sent: enough to recognise it, never a flood.
LOGGED_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class _Subject:
    kind: str  # "email" or "address"
    digest: str
    limit: int

    def lock_key(self) -> str:
        return f"login:lock:{self.kind}:{self.digest}"

    def count_key(self, window: int) -> str:
        return f"login:fail:{self.kind}:{self.digest}:{window}"


def _digest(value: str) -> str:
    # Hashed: keys stay short and of safe characters whatever was typed, and the cache holds no
    # e-mail address in clear.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _address_bucket(address: str) -> str:
    """An IPv6 client gets a whole /64 to pick addresses from: the /64 is what is counted."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _subjects(email: str, address: str) -> list[_Subject]:
    subjects = []
    if settings.LEADCREW_LOGIN_FAILURES_PER_EMAIL > 0:
        normalized = email.strip().lower()
        subjects.append(
            _Subject("email", _digest(normalized), settings.LEADCREW_LOGIN_FAILURES_PER_EMAIL)
        )
    if settings.LEADCREW_LOGIN_FAILURES_PER_ADDRESS > 0:
        bucket = _address_bucket(address)
        subjects.append(
            _Subject("address", _digest(bucket), settings.LEADCREW_LOGIN_FAILURES_PER_ADDRESS)
        )
    return subjects


def _period() -> int:
    return max(int(settings.LEADCREW_LOGIN_LOCKOUT_SECONDS), 1)


def _shown(email: str) -> str:
    return repr(email[:LOGGED_EMAIL_LENGTH])  # repr: a newline typed in cannot forge a log line


def login_throttle_check(*, email: str, address: str) -> None:
    """Refuses the login (RateLimited, 429) while its e-mail or its address is locked. Reads the
    cache only: called before the password is checked, it makes a refused attempt cheap."""
    subjects = _subjects(email, address)
    if not subjects:
        return
    locks = cache.get_many([subject.lock_key() for subject in subjects])
    now = clock()
    unlock_at = max((float(value) for value in locks.values()), default=0.0)
    if unlock_at <= now:
        return
    retry_after = max(math.ceil(unlock_at - now), 1)
    logger.debug(
        "Login refused without checking the password (locked): %s from %s, for %d s more.",
        _shown(email),
        address,
        retry_after,
    )
    raise RateLimited(retry_after, math.ceil(unlock_at), code=Code.LOGIN_THROTTLED)


def login_failure_record(*, email: str, address: str) -> None:
    """Counts a failed login against its e-mail and its address; locks either one that reaches
    its limit."""
    logger.warning("Failed login for %s from %s.", _shown(email), address)
    now = clock()
    period = _period()
    window = int(now // period)
    for subject in _subjects(email, address):
        key = subject.count_key(window)
        cache.add(key, 0, timeout=period + SLACK_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=period + SLACK_SECONDS)
            count = 1
        if count < subject.limit:
            continue
        unlock_at = now + period
        cache.set(subject.lock_key(), unlock_at, timeout=period + SLACK_SECONDS)
        # The lock replaces the count: once it ends, the full allowance is back.
        cache.delete(key)
        logger.warning(
            "Logins locked for %d s after %d failures for this %s: %s from %s.",
            period,
            count,
            subject.kind,
            _shown(email),
            address,
        )


def login_success_record(*, email: str, address: str) -> None:
    """Clears the count of the e-mail that just logged in; the address's count stays."""
    window = int(clock() // _period())
    subjects = _subjects(email, address)
    cache.delete_many([each.count_key(window) for each in subjects if each.kind == "email"])


# --- Password-reset requests ---------------------------------------------------------------------
# Every request counts, whether its e-mail is a user's or not (the answer must not tell), per
# e-mail and per client address within one window of LEADCREW_LOGIN_LOCKOUT_SECONDS: past
# LEADCREW_RESET_REQUESTS_PER_EMAIL or LEADCREW_RESET_REQUESTS_PER_ADDRESS, the requests are
# refused until the window ends. Nobody's inbox can be flooded, no address can probe e-mails.


def _reset_subjects(email: str, address: str) -> list[_Subject]:
    subjects = []
    if settings.LEADCREW_RESET_REQUESTS_PER_EMAIL > 0:
        normalized = email.strip().lower()
        subjects.append(
            _Subject("email", _digest(normalized), settings.LEADCREW_RESET_REQUESTS_PER_EMAIL)
        )
    if settings.LEADCREW_RESET_REQUESTS_PER_ADDRESS > 0:
        bucket = _address_bucket(address)
        subjects.append(
            _Subject("address", _digest(bucket), settings.LEADCREW_RESET_REQUESTS_PER_ADDRESS)
        )
    return subjects


def reset_request_record(*, email: str, address: str) -> None:
    """Counts one password-reset request; refuses it (RateLimited, 429) past either limit."""
    now = clock()
    period = _period()
    window = int(now // period)
    for subject in _reset_subjects(email, address):
        key = f"reset:{subject.kind}:{subject.digest}:{window}"
        cache.add(key, 0, timeout=period + SLACK_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=period + SLACK_SECONDS)
            count = 1
        if count > subject.limit:
            reset_at = (window + 1) * period
            logger.warning(
                "Password-reset request refused (too many for this %s): %s from %s.",
                subject.kind,
                _shown(email),
                address,
            )
            raise RateLimited(max(math.ceil(reset_at - now), 1), reset_at)
