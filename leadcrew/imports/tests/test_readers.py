import io
from datetime import datetime

import pytest

from leadcrew.core.errors import Code, InvalidParameter
from leadcrew.imports.readers import Cell, Sheet, open_sheet
from leadcrew.imports.tests.files import csv_bytes, xlsx_bytes

ROWS = [
    ["Titre", "Montant", "Propriétaire"],
    ["Société Générale", "1 234,50", "zoé@example.com"],
    ["Café; «crème»", "€1234", ""],
]


def read(data: bytes) -> tuple[list[str], list[tuple[int, list[Cell]]], Sheet]:
    sheet = open_sheet(io.BytesIO(data))
    return sheet.headers, list(sheet.rows), sheet


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_every_dialect_and_encoding_reads_the_same(delimiter: str, encoding: str) -> None:
    headers, rows, sheet = read(csv_bytes(ROWS, delimiter=delimiter, encoding=encoding))
    assert headers == ROWS[0]
    assert rows == [(2, ROWS[1]), (3, ROWS[2])]
    assert sheet.delimiter == delimiter


def test_the_encoding_is_told_by_the_content() -> None:
    assert read(csv_bytes(ROWS, encoding="utf-8-sig"))[2].encoding == "utf-8"
    assert read(csv_bytes(ROWS, encoding="cp1252"))[2].encoding == "cp1252"
    # Bytes Windows-1252 leaves undefined still read, as Latin-1.
    data = "Title\nA\x81b\n".encode("latin-1")
    assert read(data)[1] == [(2, ["A\x81b"])]


def test_a_utf8_file_with_an_accent_only_far_down_is_still_utf8() -> None:
    rows = [["Title"]] + [[f"lead {n}"] for n in range(20_000)] + [["Zoé"]]
    _headers, read_rows, sheet = read(csv_bytes(rows))
    assert sheet.encoding == "utf-8"
    assert read_rows[-1][1] == ["Zoé"]


def test_quoted_cells_keep_their_delimiters_and_line_breaks_and_count_as_one_row() -> None:
    data = b'Title;Description\n"A; b";"line 1\nline 2"\nC;d\n'
    assert read(data)[1] == [(2, ["A; b", "line 1\nline 2"]), (3, ["C", "d"])]


def test_blank_rows_are_skipped_but_counted() -> None:
    data = b"\n\nTitle,Amount\nA,1\n,\n\nB,2\n"
    headers, rows, _ = read(data)
    assert headers == ["Title", "Amount"]
    assert rows == [(4, ["A", "1"]), (7, ["B", "2"])]


def test_a_single_column_file() -> None:
    assert read(b"Title\nA\nB\n")[1] == [(2, ["A"]), (3, ["B"])]


def test_commas_inside_a_semicolon_file_do_not_fool_the_sniffer() -> None:
    data = b"Titre;Montant;Tags\nA;1,5;x, y\nB;2,5;z\n"
    _headers, rows, sheet = read(data)
    assert sheet.delimiter == ";"
    assert rows[0] == (2, ["A", "1,5", "x, y"])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", Code.IMPORT_EMPTY_FILE),
        (b"\xef\xbb\xbf\r\n\r\n", Code.IMPORT_EMPTY_FILE),
        (b",,,\n,,\n", Code.IMPORT_EMPTY_FILE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Code.IMPORT_NOT_A_SPREADSHEET),
        (b"%PDF-1.7\n\x00\x01\x02binary", Code.IMPORT_NOT_A_SPREADSHEET),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, Code.IMPORT_OLD_EXCEL),
        (b"PK\x03\x04 not really a zip", Code.IMPORT_MALFORMED_FILE),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_with_a_code(data: bytes, code: Code) -> None:
    with pytest.raises(InvalidParameter) as raised:
        read(data)
    assert raised.value.code == code
    assert raised.value.field == "file"


def test_an_unclosed_quote_at_the_end_reads_to_the_end() -> None:
    # The csv module ends an open quote at the end of the file: the row is read as written.
    assert read(b'Title\n"A\n')[1] == [(2, ["A\n"])]


def test_a_cell_too_large_is_a_malformed_file() -> None:
    data = b'Title\n"' + b"a" * 200_000 + b'"\n'
    with pytest.raises(InvalidParameter) as raised:
        read(data)
    assert raised.value.code == Code.IMPORT_MALFORMED_FILE


def test_too_many_columns() -> None:
    data = (",".join(f"c{n}" for n in range(600)) + "\n").encode()
    with pytest.raises(InvalidParameter) as raised:
        read(data)
    assert raised.value.code == Code.IMPORT_TOO_MANY_COLUMNS


def test_a_workbook_gives_typed_cells() -> None:
    when = datetime(2024, 3, 1, 14, 30)  # noqa: DTZ001 (a workbook's cells have no zone)
    data = xlsx_bytes([["Title", "Amount", "Created at", None], ["A", 1234.5, when], [], ["B"]])
    headers, rows, sheet = read(data)
    assert sheet.kind == "xlsx"
    assert headers == ["Title", "Amount", "Created at"]
    assert rows == [(2, ["A", 1234.5, when]), (4, ["B"])]


def test_a_zip_that_is_no_workbook_is_malformed() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InvalidParameter) as raised:
        read(out.getvalue())
    assert raised.value.code == Code.IMPORT_MALFORMED_FILE


def test_an_empty_workbook_is_empty() -> None:
    with pytest.raises(InvalidParameter) as raised:
        read(xlsx_bytes([]))
    assert raised.value.code == Code.IMPORT_EMPTY_FILE
