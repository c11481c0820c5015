"""The one CSV writer (leadcrew/core/csv_safety.py): a text cell a spreadsheet would run as a
formula is quoted; numbers, and text that is only a signed number, are left as they are."""

import csv
import re
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest

from leadcrew.core import csv_safety
from leadcrew.core.csv_safety import neutralize

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://evil.test","Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "-",
        "+33 6 12 34 56 78",  # a phone number is text, not a number: quoted
        "-1e5",
        "-12,5",
        "=",
    ],
)
def test_a_text_that_starts_a_formula_is_quoted(cell: str) -> None:
    assert neutralize(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-12", "+3.5", "-0", "-1234.50"])
def test_a_text_that_is_only_a_signed_number_is_left_alone(cell: str) -> None:
    # A spreadsheet reads it as that very number: nothing can hide in it.
    assert neutralize(cell) == cell


@pytest.mark.parametrize(
    "cell",
    [
        "Deal",
        "a=b",
        " =1+1",  # not a formula: it starts with a space
        "",
        "'=already quoted",
        "１２",
        None,
        -5,
        Decimal("-1234.50"),
        -0.5,
        date(2026, 1, 1),
        True,
    ],
)
def test_anything_else_is_left_as_it_is(cell: object) -> None:
    assert neutralize(cell) == cell


def test_negative_amounts_stay_numbers_in_the_file() -> None:
    buffer = StringIO()
    writer = csv_safety.writer(buffer)
    writer.writerow(["id", "title", "amount"])
    writer.writerows([[1, "=cmd", Decimal("-12.50")], [2, "-7", -3]])
    rows = list(csv.reader(StringIO(buffer.getvalue())))
    assert rows == [["id", "title", "amount"], ["1", "'=cmd", "-12.50"], ["2", "-7", "-3"]]


def test_every_csv_is_written_through_the_safe_writer() -> None:
    """csv.writer or csv.DictWriter anywhere but csv_safety.py would write cells unchecked."""
    raw = re.compile(r"\bcsv\.(writer|DictWriter)\(|from csv import .*\b(writer|DictWriter)\b")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("leadcrew", "config")
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.parts
        and path.name != "csv_safety.py"
        and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
