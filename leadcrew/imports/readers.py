"""Reading a spreadsheet as rows of cells, streamed: a CSV in whatever dialect and encoding a
spreadsheet program or a CRM writes it, or an Excel workbook (.xlsx, its first sheet).

Nothing here holds the whole file in memory: a CSV is decoded and split as it is read, a
workbook is read by openpyxl's streaming (read-only) reader. A file that is neither, or that
breaks off, raises `InvalidParameter("file", …)` with the row it broke at."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, BinaryIO

from leadcrew.core.errors import Code, InvalidParameter

# A value as a reader gives it: text from a CSV; text, a number, a date or a boolean from a
# workbook's typed cells; None for an empty cell.
Cell = str | int | float | Decimal | bool | datetime | date | time | None

# How much of a CSV the dialect is guessed from.
SNIFF_BYTES = 64 * 1024
CHUNK = 64 * 1024
# A spreadsheet of leads has a few dozen columns; more is not a spreadsheet of leads.
MAX_COLUMNS = 500
MAX_CELL_CHARS = 100_000
DELIMITERS = ";,\t|"
# UTF-8 first: it is what most tools write today, and a text that decodes as UTF-8 is almost
# never meant as anything else. Then what Excel on Windows writes in Western Europe and the
# Americas; Latin-1 last, which reads any byte, for the few Windows-1252 leaves undefined.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format
# Bytes that never appear in text: a file holding them is binary (an image, a PDF, …).
BINARY_BYTES = set(range(9)) | {11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26}
BINARY_BYTES |= {27, 28, 29, 30, 31}


@dataclass
class Sheet:
    """The header row's cells, then the data rows as (row number, cells). Row numbers are
    the spreadsheet's own: the header is row 1, and blank rows are counted but not given."""

    kind: str  # "csv" or "xlsx"
    headers: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    encoding: str | None = None
    delimiter: str | None = None


def open_sheet(file: BinaryIO) -> Sheet:
    """The sheet a file holds, recognised by its content (never by its name)."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        raise InvalidParameter("file", Code.IMPORT_EMPTY_FILE)
    if head.startswith(XLSX_MAGIC):
        return _xlsx_sheet(file)
    if head.startswith(OLE_MAGIC):
        raise InvalidParameter("file", Code.IMPORT_OLD_EXCEL)
    encoding = _encoding(file, head)
    if encoding is None:
        raise InvalidParameter("file", Code.IMPORT_NOT_A_SPREADSHEET)
    return _csv_sheet(file, encoding)


# --- CSV ------------------------------------------------------------------------------------


def _encoding(file: BinaryIO, head: bytes) -> str | None:
    """The file's encoding, or None if it is not text. A byte-order mark decides; otherwise
    the whole file is read once, in chunks, to see whether it is valid UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the BOM tells the byte order; Excel's "Unicode text" is this
    if any(byte in BINARY_BYTES for byte in head):
        return None
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(CHUNK):
            utf8.decode(chunk)
        utf8.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    finally:
        file.seek(0)
    for encoding in FALLBACK_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := file.read(CHUNK):
                decoder.decode(chunk)
            return encoding
        except UnicodeDecodeError:
            continue
        finally:
            file.seek(0)
    return "latin-1"  # unreachable: Latin-1 decodes every byte


def _delimiter(sample: str) -> str:
    """The delimiter of a CSV: csv.Sniffer's guess among ; , tab and |, checked against the
    first lines (every one of them must split into the same number of columns as the
    header); else the candidate that splits the header into the most columns."""
    lines = sample.splitlines()
    if len(sample) >= SNIFF_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be cut too
    sample = "\n".join(lines[:50])
    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and _consistent(sample, sniffed):
        return sniffed
    header = lines[0] if lines else ""
    counts = {candidate: _columns(header, candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: (counts[candidate], -DELIMITERS.index(candidate)))
    return best if counts[best] > 1 else ","


def _columns(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _consistent(sample: str, delimiter: str) -> bool:
    try:
        widths = {len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row}
    except csv.Error:
        return False
    return len(widths) == 1 and widths.pop() > 1


def _csv_sheet(file: BinaryIO, encoding: str) -> Sheet:
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    sample = text.read(SNIFF_BYTES)
    text.seek(0)
    delimiter = _delimiter(sample.lstrip("\ufeff"))
    reader = csv.reader(_limited_lines(text), delimiter=delimiter)
    records = _records(reader)
    headers, header_row = _header(records)
    return Sheet(
        kind="csv",
        headers=headers,
        rows=_numbered(records, header_row),
        encoding=encoding.replace("utf-8-sig", "utf-8"),
        delimiter=delimiter,
    )


def _limited_lines(text: IO[str]) -> Iterator[str]:
    """The file's lines, refused once one is absurdly long (a binary file that happened to
    decode), so that one line never fills the memory."""
    while line := text.readline(MAX_CELL_CHARS * 4):
        if len(line) >= MAX_CELL_CHARS * 4 and not line.endswith("\n"):
            raise InvalidParameter("file", Code.IMPORT_MALFORMED_FILE, reason="a line too long")
        yield line


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[Cell]]]:
    """The reader's records, numbered from 1 (a record may span several lines inside
    quotes: it is still one row of the spreadsheet)."""
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidParameter(
                "file", Code.IMPORT_MALFORMED_FILE, reason=f"row {number + 1}: {error}"
            ) from None
        except UnicodeDecodeError:
            raise InvalidParameter(
                "file", Code.IMPORT_MALFORMED_FILE, reason=f"row {number + 1}: not text"
            ) from None
        number += 1
        if len(record) > MAX_COLUMNS:
            raise InvalidParameter("file", Code.IMPORT_TOO_MANY_COLUMNS, max=MAX_COLUMNS)
        if "\x00" in "".join(record):
            raise InvalidParameter("file", Code.IMPORT_NOT_A_SPREADSHEET)
        yield number, list(record)


csv.field_size_limit(MAX_CELL_CHARS)


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx_sheet(file: BinaryIO) -> Sheet:
    # Imported here: only workbooks need it, and it is a large module.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        worksheet = workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        records = _xlsx_records(rows)
        headers, header_row = _header(records)
    except InvalidParameter:
        raise
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, OSError) as error:
        raise InvalidParameter(
            "file", Code.IMPORT_MALFORMED_FILE, reason=f"not a readable .xlsx workbook ({error})"
        ) from None
    except Exception as error:  # openpyxl raises its own types for a broken workbook
        raise InvalidParameter(
            "file", Code.IMPORT_MALFORMED_FILE, reason=f"not a readable .xlsx workbook ({error})"
        ) from None
    return Sheet(kind="xlsx", headers=headers, rows=_numbered(records, header_row))


def _xlsx_records(rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as error:  # a workbook that breaks off halfway
            raise InvalidParameter(
                "file", Code.IMPORT_MALFORMED_FILE, reason=f"row {number + 1}: {error}"
            ) from None
        number += 1
        cells = list(values)
        while cells and cells[-1] is None:
            cells.pop()  # a workbook's used range often runs past the last filled column
        if len(cells) > MAX_COLUMNS:
            raise InvalidParameter("file", Code.IMPORT_TOO_MANY_COLUMNS, max=MAX_COLUMNS)
        yield number, [_xlsx_cell(value) for value in cells]


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | Decimal | bool | date | time):
        return value
    return str(value)  # a timedelta, an error cell: shown as the workbook shows it


# --- Both -----------------------------------------------------------------------------------


def _header(records: Iterator[tuple[int, list[Cell]]]) -> tuple[list[str], int]:
    """The first row that is not blank, as column names (trimmed text, a BOM a tool left in
    front dropped), and its row number."""
    for number, cells in records:
        names = [
            ("" if cell is None else str(cell)).replace("\ufeff", "").strip() for cell in cells
        ]
        while names and not names[-1]:
            names.pop()
        if any(names):
            return names, number
    raise InvalidParameter("file", Code.IMPORT_EMPTY_FILE)


def _numbered(
    records: Iterator[tuple[int, list[Cell]]], header_row: int
) -> Iterator[tuple[int, list[Cell]]]:
    """The data rows after the header, blank rows left out (their numbers still count)."""
    for number, cells in records:
        if number <= header_row:
            continue
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        yield number, cells
