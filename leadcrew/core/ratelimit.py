"""The API's rate limits, counted in Django's cache so that every worker of every server counts
together (the database cache by default, Redis with LEADCREW_CACHE_URL):

- per credential: a fixed one-minute window, LEADCREW_API_RATE_LIMIT requests;
- per account: a daily quota, LEADCREW_API_DAILY_LIMIT requests per UTC day, as the reference
  API counts its 2,000 requests a day per account (every key and user token of the account
  together).

Each is off while its setting is 0. Past either, the request is refused with 429 and the
headers Retry-After and API-RETRY-AFTER (seconds to wait) and API-LIMIT-RESET (Unix time of the
reset). Time comes from `clock`, which tests replace.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from leadcrew.core.errors import Code, RateLimited

WINDOW_SECONDS = 60
DAY_SECONDS = 86_400
# Keys outlive their window by this much, so that a clock a little ahead of the cache's never
# sees a count vanish early.
SLACK_SECONDS = 60

clock: Callable[[], float] = time.time


def _count(key: str, timeout: int) -> int:
    """Adds one to the counter `key` and answers its new value."""
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=timeout)
        return 1


def check_rate(credential: str) -> None:
    """Counts one request for `credential` (a hash, never the secret) and refuses it past the
    per-minute limit."""
    limit = settings.LEADCREW_API_RATE_LIMIT
    if limit <= 0:
        return
    now = int(clock())
    window_start = now - now % WINDOW_SECONDS
    count = _count(f"ratelimit:{credential}:{window_start}", WINDOW_SECONDS + SLACK_SECONDS)
    if count > limit:
        reset_at = window_start + WINDOW_SECONDS
        raise RateLimited(retry_after=max(reset_at - now, 1), reset_at=reset_at)


def check_daily_quota(account_id: int) -> None:
    """Counts one request against the account's quota of the current UTC day and refuses it
    past LEADCREW_API_DAILY_LIMIT, until midnight UTC."""
    limit = settings.LEADCREW_API_DAILY_LIMIT
    if limit <= 0:
        return
    now = int(clock())
    day_start = now - now % DAY_SECONDS
    count = _count(f"ratelimit:day:{account_id}:{day_start}", DAY_SECONDS + SLACK_SECONDS)
    if count > limit:
        reset_at = day_start + DAY_SECONDS
        raise RateLimited(
            retry_after=max(reset_at - now, 1), reset_at=reset_at, code=Code.DAILY_QUOTA
        )
