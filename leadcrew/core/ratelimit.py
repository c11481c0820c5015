"""The per-credential API rate limit: a fixed one-minute window counted in Django's cache.

Off unless LEADCREW_API_RATE_LIMIT (requests per minute) is set. With several servers, point
Django's cache at a shared store (e.g. Redis or a database cache) so they count together.
"""

import time

from django.conf import settings
from django.core.cache import cache

from leadcrew.core.errors import RateLimited

WINDOW_SECONDS = 60


def check_rate(credential: str) -> None:
    """Counts one request for `credential` (a hash, never the secret) and refuses it past the
    limit."""
    limit = settings.LEADCREW_API_RATE_LIMIT
    if limit <= 0:
        return
    now = int(time.time())
    window_start = now - now % WINDOW_SECONDS
    key = f"ratelimit:{credential}:{window_start}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    count = cache.incr(key)
    if count > limit:
        reset_at = window_start + WINDOW_SECONDS
        raise RateLimited(retry_after=max(reset_at - now, 1), reset_at=reset_at)
