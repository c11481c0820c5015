"""The calendar of statistics: the requested days, and the days, ISO weeks and months they
cover, all in the account's time zone (docs/access-rules.md: the account's zone sets the day, week
and month boundaries of statistics)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from leadcrew.core.errors import Code, InvalidParameter


class Grouping(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    MEMBER = "member"
    TEAM = "team"


TIME_GROUPINGS = (Grouping.DAY, Grouping.WEEK, Grouping.MONTH)
# Every period of the range is listed, empty or not: this caps the answer's size (ten years of
# days, seventy of weeks, three centuries of months).
MAX_PERIODS = 3660
DEFAULT_MONTHS = 12
# How far apart the zone's offset is sampled when looking for its changes (see `offset_changes`).
OFFSET_SAMPLING = timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """Days `first` to `last`, both included, in `zone`."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return local_midnight(self.last + timedelta(days=1), self.zone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # Where midnight does not exist (a zone moving its clocks at 00:00), fold=0 reads it with
    # the offset in force before the change, which is the day's first instant.
    return datetime.combine(day, time.min, tzinfo=zone)


def requested_period(first: date | None, last: date | None, zone: ZoneInfo) -> Period:
    """The days asked for; by default the last twelve months, the current one included, up to
    today (both ends in the account's zone)."""
    to_defaulted = last is None
    if last is None:
        last = datetime.now(UTC).astimezone(zone).date()
    if first is None:
        first = add_months(last.replace(day=1), 1 - DEFAULT_MONTHS)
    if last < first:
        if to_defaulted:  # a start after today, not an end before it
            raise InvalidParameter("from", Code.START_AFTER_TODAY)
        raise InvalidParameter("to", Code.END_BEFORE_START)
    return Period(first, last, zone)


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, grouping: Grouping) -> date:
    """The first day of the day, ISO week (Monday) or month holding `day`."""
    if grouping == Grouping.WEEK:
        return day - timedelta(days=day.weekday())
    if grouping == Grouping.MONTH:
        return day.replace(day=1)
    return day


def next_period_start(start: date, grouping: Grouping) -> date:
    if grouping == Grouping.WEEK:
        return start + timedelta(days=7)
    if grouping == Grouping.MONTH:
        return add_months(start, 1)
    return start + timedelta(days=1)


def period_count(period: Period, grouping: Grouping) -> int:
    first, last = period_start(period.first, grouping), period_start(period.last, grouping)
    if grouping == Grouping.MONTH:
        return (last.year - first.year) * 12 + last.month - first.month + 1
    days = 7 if grouping == Grouping.WEEK else 1
    return (last - first).days // days + 1


def period_starts(period: Period, grouping: Grouping) -> list[date]:
    """The first day of every period the range touches, in order."""
    count = period_count(period, grouping)
    if count > MAX_PERIODS:
        raise InvalidParameter("to", Code.TOO_MANY_PERIODS, count=count, max=MAX_PERIODS)
    starts = [period_start(period.first, grouping)]
    while len(starts) < count:
        starts.append(next_period_start(starts[-1], grouping))
    return starts


def period_label(start: date, grouping: Grouping) -> str:
    if grouping == Grouping.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grouping == Grouping.MONTH:
        return start.strftime("%Y-%m")
    return start.isoformat()


def _offset(zone: ZoneInfo, timestamp: int) -> int:
    offset = datetime.fromtimestamp(timestamp, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_changes(
    zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[int, list[tuple[datetime, int]]]:
    """The zone's UTC offset (seconds) at `start`, then each change before `end` as (instant
    from which it applies, new offset): what a database without time zones needs to read
    local dates.

    The offset is sampled every week and each change found is narrowed down to the second:
    tzdata has no zone that changes and changes back within a week."""
    first, last = int(start.timestamp()), int(end.timestamp())
    step = int(OFFSET_SAMPLING.total_seconds())
    changes: list[tuple[int, int]] = []
    initial = _offset(zone, first)
    low, low_offset = first, initial
    while low < last:
        high = min(low + step, last)
        high_offset = _offset(zone, high)
        if high_offset != low_offset:
            changes.extend(_changes_between(zone, (low, low_offset), (high, high_offset)))
        low, low_offset = high, high_offset
    return initial, [(datetime.fromtimestamp(at, UTC), offset) for at, offset in changes]


def _changes_between(
    zone: ZoneInfo, low: tuple[int, int], high: tuple[int, int]
) -> list[tuple[int, int]]:
    """Changes in (low, high], given as (timestamp, offset) whose offsets differ: split until
    each change is pinned to one second (offsets change on whole seconds)."""
    if high[0] - low[0] <= 1:
        return [high]
    middle_at = (low[0] + high[0]) // 2
    middle = (middle_at, _offset(zone, middle_at))
    found = []
    if middle[1] != low[1]:
        found += _changes_between(zone, low, middle)
    if middle[1] != high[1]:
        found += _changes_between(zone, middle, high)
    return found
