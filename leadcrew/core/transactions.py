"""Writes that PostgreSQL may refuse to serialize are run again, not answered with an error.

Every write over several leads locks them in id order, so two of them never deadlock; but a
deadlock with a statement that locks in another order (a migration, a manual query) or a
serialization failure can still happen. Such an error rolls the whole transaction back, so the
write can simply run again from the start: nothing of the first try was kept.
"""

import functools
import random
import time
from collections.abc import Callable

from django.db import DatabaseError, transaction

# SQLSTATE codes of a transaction the database rolled back to let another one through.
CONFLICTS = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
ATTEMPTS = 4


def is_conflict(error: DatabaseError) -> bool:
    """Whether the database refused the transaction because of another one (worth a retry)."""
    return getattr(error.__cause__, "sqlstate", None) in CONFLICTS


def retried_on_conflict[**P, R](write: Callable[P, R]) -> Callable[P, R]:
    """Runs `write` again, a few times, when the database rolls it back for a conflict with a
    concurrent transaction. Only the outermost transaction can be retried: inside another one,
    the error goes up to whoever opened it."""

    @functools.wraps(write)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS):
            try:
                return write(*args, **kwargs)
            except DatabaseError as error:
                if transaction.get_connection().in_atomic_block or not is_conflict(error):
                    raise
                # A short random pause, growing with each try, so that the two transactions
                # that collided do not collide again.
                time.sleep(random.uniform(0.005, 0.02) * attempt)
        return write(*args, **kwargs)

    return run
