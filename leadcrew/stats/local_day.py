"""The local day of an instant in a time zone, as a function SQLite can call.

SQLite knows no time zones, yet the triggers that keep the statistics figures (migration
stats 0001) must file each lead under its day in the account's zone, exactly as the statistics
read it (`stats.expressions.LocalPeriodStart`, which follows the same tz database). Every
connection Django opens to SQLite gets this function; PostgreSQL does it natively with
AT TIME ZONE.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

SQLITE_FUNCTION = "leadcrew_local_day"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(stored: str | None, zone: str | None) -> str | None:
    """'YYYY-MM-DD' of a UTC timestamp as SQLite stores it ('YYYY-MM-DD HH:MM:SS[.ffffff]'),
    read in `zone`."""
    if stored is None or zone is None:
        return None
    instant = datetime.fromisoformat(stored)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(_zone(zone)).date().isoformat()


def register_local_day(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 2, local_day, deterministic=True)
