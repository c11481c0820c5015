"""The country of a time zone, and how that country writes dates: the one rule for the date
order of the pages and of imported spreadsheets. An account has a time zone, not a country: its
zone's country stands for it (Europe/Paris: France; America/New_York: the United States)."""

import zoneinfo
from functools import cache
from pathlib import Path

# Countries that write the month first (12/31/2026) and tell the time in 12 hours: the United
# States and its territories, the Philippines, Micronesia and the Marshall Islands.
MONTH_FIRST_COUNTRIES = frozenset({"US", "AS", "GU", "MP", "PR", "UM", "VI", "PH", "FM", "MH"})


@cache
def _zone_countries() -> dict[str, str]:
    """Each time zone's country, from the zone.tab of the system's time-zone database."""
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            rows = (line.split("\t") for line in table.read_text().splitlines())
            return {row[2]: row[0] for row in rows if len(row) >= 3 and not row[0].startswith("#")}
    return {}


def zone_country(zone_name: str) -> str:
    """ "FR" for Europe/Paris, "US" for America/New_York; "" for UTC and other zones of no
    country."""
    return _zone_countries().get(zone_name, "")


def zone_month_first(zone_name: str) -> bool | None:
    """Whether the zone's country writes the month first; None for a zone of no country."""
    country = zone_country(zone_name)
    if not country:
        return None
    return country in MONTH_FIRST_COUNTRIES
