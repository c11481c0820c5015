from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from leadcrew.core.errors import Code, InvalidParameter
from leadcrew.imports.values import (
    DateOrder,
    date_order_for,
    parse_amount,
    parse_boolean,
    parse_date,
    parse_datetime,
    parse_probability,
    parse_status,
    parse_tags,
    parse_time,
)
from leadcrew.leads.models import Status

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1234", "1234.00"),
        ("1234.5", "1234.50"),
        ("1234,5", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1\u202f234,50 €", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234", "1234.00"),
        ("1.234", "1234.00"),
        ("1,234,567", "1234567.00"),
        ("1.234.567,89", "1234567.89"),
        ("€1234", "1234.00"),
        ("€ 1 234", "1234.00"),
        ("$1,234.50", "1234.50"),
        ("1234 EUR", "1234.00"),
        ("USD 99.99", "99.99"),
        ("1'234.50", "1234.50"),
        (",5", "0.50"),
        ("0", "0.00"),
        (1234, "1234.00"),
        (1234.5, "1234.50"),
        (Decimal("12.30"), "12.30"),
    ],
)
def test_amounts_are_read_as_people_write_them(cell: object, expected: str) -> None:
    assert parse_amount(cell) == Decimal(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("abc", Code.IMPORT_INVALID_AMOUNT),
        ("12.345.6", Code.IMPORT_INVALID_AMOUNT),
        ("1,23,4", Code.IMPORT_INVALID_AMOUNT),
        ("1.2345", Code.IMPORT_INVALID_AMOUNT),
        ("12,34,56.7", Code.IMPORT_INVALID_AMOUNT),
        ("1e5", Code.IMPORT_INVALID_AMOUNT),
        ("NaN", Code.IMPORT_INVALID_AMOUNT),
        ("-5", Code.IMPORT_NEGATIVE_AMOUNT),
        ("(5)", Code.IMPORT_NEGATIVE_AMOUNT),
        (-1.5, Code.IMPORT_NEGATIVE_AMOUNT),
        (1.005, Code.IMPORT_INVALID_AMOUNT),
        ("1" * 20, Code.IMPORT_INVALID_AMOUNT),
        (True, Code.IMPORT_INVALID_AMOUNT),
    ],
)
def test_what_is_not_an_amount(cell: object, code: Code) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_amount(cell)  # type: ignore[arg-type]
    assert raised.value.code == code
    assert raised.value.field == "amount"


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        ("2024-03-01", DateOrder.DAY_FIRST, date(2024, 3, 1)),
        ("2024-03-01", DateOrder.MONTH_FIRST, date(2024, 3, 1)),
        ("01/03/2024", DateOrder.DAY_FIRST, date(2024, 3, 1)),
        ("01/03/2024", DateOrder.MONTH_FIRST, date(2024, 1, 3)),
        ("1.3.2024", DateOrder.DAY_FIRST, date(2024, 3, 1)),
        ("01-03-24", DateOrder.DAY_FIRST, date(2024, 3, 1)),
        ("3/1/2024", DateOrder.MONTH_FIRST, date(2024, 3, 1)),
        ("01/03/2024 14:30", DateOrder.DAY_FIRST, date(2024, 3, 1)),
        (
            datetime(2024, 3, 1, 9),  # noqa: DTZ001 (a workbook's cell)
            DateOrder.DAY_FIRST,
            date(2024, 3, 1),
        ),
        (date(2024, 3, 1), DateOrder.MONTH_FIRST, date(2024, 3, 1)),
    ],
)
def test_dates_in_the_account_order(cell: object, order: DateOrder, expected: date) -> None:
    assert parse_date(cell, order, "estimated_closing_date") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cell", ["13/13/2024", "31/02/2024", "2024-13-01", "tomorrow", "01/03", "01/03/2024 25:00"]
)
def test_what_is_not_a_date(cell: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_date(cell, DateOrder.DAY_FIRST, "estimated_closing_date")
    assert raised.value.code == Code.IMPORT_INVALID_DATE
    assert raised.value.field == "estimated_closing_date"


def test_a_day_over_twelve_first_is_no_month_for_an_american_account() -> None:
    with pytest.raises(InvalidParameter):
        parse_date("25/12/2024", DateOrder.MONTH_FIRST, "created_at")
    assert parse_date("12/25/2024", DateOrder.MONTH_FIRST, "created_at") == date(2024, 12, 25)


@pytest.mark.parametrize(
    ("cell", "zone", "expected"),
    [
        ("01/03/2024", PARIS, datetime(2024, 3, 1, tzinfo=PARIS)),
        ("01/03/2024 14:30", PARIS, datetime(2024, 3, 1, 14, 30, tzinfo=PARIS)),
        ("01/03/2024 14h30", PARIS, datetime(2024, 3, 1, 14, 30, tzinfo=PARIS)),
        ("2024-03-01T14:30:15", PARIS, datetime(2024, 3, 1, 14, 30, 15, tzinfo=PARIS)),
        ("2024-03-01 14:30:15.25", PARIS, datetime(2024, 3, 1, 14, 30, 15, 250000, tzinfo=PARIS)),
        ("2024-03-01T14:30Z", PARIS, datetime(2024, 3, 1, 14, 30, tzinfo=UTC)),
        (
            "2024-03-01 14:30+05:30",
            PARIS,
            datetime(2024, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("03/01/2024 2:30 PM", NEW_YORK, datetime(2024, 3, 1, 14, 30, tzinfo=NEW_YORK)),
        ("03/01/2024 12:05 am", NEW_YORK, datetime(2024, 3, 1, 0, 5, tzinfo=NEW_YORK)),
        (
            datetime(2024, 3, 1, 9),  # noqa: DTZ001 (a workbook's cell)
            PARIS,
            datetime(2024, 3, 1, 9, tzinfo=PARIS),
        ),
        (date(2024, 3, 1), PARIS, datetime(2024, 3, 1, tzinfo=PARIS)),
    ],
)
def test_instants_are_in_the_account_time_zone(
    cell: object, zone: ZoneInfo, expected: datetime
) -> None:
    order = DateOrder.MONTH_FIRST if zone is NEW_YORK else DateOrder.DAY_FIRST
    value = parse_datetime(cell, order, zone, "created_at")  # type: ignore[arg-type]
    assert value == expected
    assert value.utcoffset() == expected.utcoffset()


def test_a_paris_midnight_is_the_evening_before_in_utc() -> None:
    value = parse_datetime("2024-03-01", DateOrder.DAY_FIRST, PARIS, "created_at")
    assert value.astimezone(UTC) == datetime(2024, 2, 29, 23, tzinfo=UTC)


@pytest.mark.parametrize("cell", ["01/03/2024 13:00 PM", "01/03/2024 9:61", "01/03/2024 soon"])
def test_what_is_not_an_instant(cell: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_datetime(cell, DateOrder.DAY_FIRST, PARIS, "created_at")
    assert raised.value.code == Code.IMPORT_INVALID_DATE


def test_times() -> None:
    assert parse_time("09:15", "remind_time") == time(9, 15)
    assert parse_time("9h15", "remind_time") == time(9, 15)
    assert parse_time("9:15 PM", "remind_time") == time(21, 15)
    assert parse_time(time(8, 0), "remind_time") == time(8, 0)
    with pytest.raises(InvalidParameter):
        parse_time("noon", "remind_time")


def test_the_date_order_follows_the_account() -> None:
    assert date_order_for("Europe/Paris") == DateOrder.DAY_FIRST
    assert date_order_for("America/New_York") == DateOrder.MONTH_FIRST
    assert date_order_for("America/Toronto") == DateOrder.DAY_FIRST
    assert date_order_for("America/Mexico_City") == DateOrder.DAY_FIRST
    assert date_order_for("UTC") == DateOrder.DAY_FIRST


def test_tags_are_split_on_commas_and_semicolons() -> None:
    assert parse_tags("a, b; c") == ["a", "b", "c"]
    assert parse_tags(" ;a;;b , ") == ["a", "b"]
    assert parse_tags(None) == []


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("won", Status.WON),
        ("Gagné", Status.WON),
        ("À faire", Status.TODO),
        ("  TO DO ", Status.TODO),
        ("En attente", Status.STANDBY),
        ("Perdu", Status.LOST),
        ("Annulé", Status.CANCELLED),
        ("canceled", Status.CANCELLED),
    ],
)
def test_statuses_in_english_and_french(cell: str, expected: Status) -> None:
    assert parse_status(cell) == expected


def test_an_unknown_status_names_itself() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_status("maybe")
    assert raised.value.code == Code.UNKNOWN_STATUS
    assert "maybe" in raised.value.message


@pytest.mark.parametrize(
    ("cell", "expected"), [("40", 40), ("40 %", 40), ("40%", 40), (40, 40), (0.4, 40), ("100", 100)]
)
def test_probabilities(cell: object, expected: int) -> None:
    assert parse_probability(cell) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["101", "-1", "12.5", "high", True])
def test_what_is_not_a_probability(cell: object) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_probability(cell)  # type: ignore[arg-type]
    assert raised.value.code == Code.IMPORT_INVALID_PROBABILITY


def test_booleans_in_both_languages() -> None:
    assert parse_boolean("Oui", "starred") is True
    assert parse_boolean("yes", "starred") is True
    assert parse_boolean("non", "starred") is False
    assert parse_boolean(False, "starred") is False
    with pytest.raises(InvalidParameter) as raised:
        parse_boolean("peut-être", "starred")
    assert raised.value.code == Code.IMPORT_INVALID_BOOLEAN
