"""At most LEADCREW_LOGIN_CONCURRENCY password checks of logins at once on this machine.

A password check is a PBKDF2 run of about half a second of one core, on purpose. Anonymous
clients trying passwords as fast as the server answers would otherwise keep every worker hashing
and every core busy: the throttle only locks an e-mail or an address after its first failures,
and an attacker with many addresses gets many first failures. With the checks bounded (by
default to half the cores), the other cores and the other workers keep answering everyone else;
a login arriving while every slot is taken is refused at once with 429 and `Retry-After: 1`,
at no cost, and is not counted as a failure.

The slots are files locked with flock(2) in LEADCREW_LOGIN_SLOTS_DIR, shared by every worker
process and thread of the machine; the kernel releases a slot when its process dies.
"""

import contextlib
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from leadcrew.core.errors import Code, RateLimited

try:
    import fcntl
except ImportError:  # not a POSIX system: no bound
    fcntl = None  # type: ignore[assignment]


def default_concurrency() -> int:
    return max((os.cpu_count() or 1) // 2, 1)


@contextlib.contextmanager
def password_check_slot() -> Iterator[None]:
    """Holds one slot while the body runs; RateLimited (login_busy) if none is free."""
    slots = settings.LEADCREW_LOGIN_CONCURRENCY
    if slots <= 0 or fcntl is None:
        yield
        return
    folder = Path(settings.LEADCREW_LOGIN_SLOTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    # Starting from a slot of this process's own spreads the processes over the files.
    first = os.getpid() % slots
    for index in [(first + step) % slots for step in range(slots)]:
        descriptor = os.open(folder / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        try:
            yield
        finally:
            os.close(descriptor)  # releases the lock
        return
    raise RateLimited(1, math.ceil(time.time()) + 1, code=Code.LOGIN_BUSY)
