from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from leadcrew.core.api_types import Money, format_datetime


def test_instants_are_written_in_utc_with_milliseconds() -> None:
    paris_winter = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 27, 10, 15, 0, 123_456, tzinfo=paris_winter)
    assert format_datetime(moment) == "2026-11-27T09:15:00.123Z"
    assert format_datetime(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"
    assert format_datetime(None) is None


@pytest.mark.parametrize("digits", ["١٢", "１２", "१२"])
def test_an_amount_is_written_in_ascii_digits(digits: str) -> None:
    # Decimal() reads any script's digits: "١٢" would be stored as 12.
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(Money).validate_python(digits)
    assert refused.value.errors()[0]["type"] == "decimal_parsing"  # a 400, as any bad format
    assert TypeAdapter(Money).validate_python("12.50") == Decimal("12.50")
