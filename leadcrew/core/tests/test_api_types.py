from datetime import UTC, datetime, timedelta, timezone

from leadcrew.core.api_types import format_datetime


def test_instants_are_written_in_utc_with_milliseconds() -> None:
    paris_winter = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 27, 10, 15, 0, 123_456, tzinfo=paris_winter)
    assert format_datetime(moment) == "2026-11-27T09:15:00.123Z"
    assert format_datetime(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"
    assert format_datetime(None) is None
