"""CSV the product writes, safe to open in a spreadsheet (OWASP "CSV injection").

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` as a formula, and some read a
leading tab or carriage return the same way: a lead titled `=HYPERLINK("http://evil", "Click")`
or `-2+3+cmd|' /C calc'!A0` would run in the reader's spreadsheet. Every CSV of leadcrew goes
through `writer`, which prefixes such a text cell with a single quote, as OWASP recommends: the
spreadsheet then shows it as text.

Only text cells are touched. Numbers written as numbers (amounts, counts) stay numbers, and so
does a text cell that is nothing but a signed number (`-12`, `+3.5`): a spreadsheet reads it as
that very number, which no formula can hide behind, so a quote would only spoil the figure.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_SIGNED_NUMBER = re.compile(r"[+-][0-9]+(?:\.[0-9]+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralize(value: object) -> object:
    """The cell as it may be written: a text that a spreadsheet would run as a formula, quoted;
    anything else as it is."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _SIGNED_NUMBER.fullmatch(value)
    ):
        return QUOTE + value
    return value


class SafeWriter:
    """`csv.writer`, with every cell through `neutralize`."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([neutralize(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: _Writable, **options: Any) -> SafeWriter:
    """The one way leadcrew writes CSV (a test refuses `csv.writer` anywhere else)."""
    return SafeWriter(stream, **options)
