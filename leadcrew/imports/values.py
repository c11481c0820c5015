"""Values read the way people write them in a spreadsheet: amounts with any grouping and
currency sign, dates in the account's order and time zone, tags separated by commas or
semicolons, statuses in English or French. Each parser raises `InvalidParameter(field, code)`
for a value it cannot read, so that an import reports it on its row and column."""

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

from leadcrew.core.countries import zone_month_first
from leadcrew.core.errors import Code, InvalidParameter
from leadcrew.imports.readers import Cell
from leadcrew.leads.models import Status

MAX_AMOUNT = Decimal("999999999999.99")  # what the lead's amount column holds


class DateOrder(StrEnum):
    """Which comes first in a date like 01/03/2024."""

    DAY_FIRST = "day_first"  # 1 March: France, most of the world
    MONTH_FIRST = "month_first"  # January 3: the United States


def date_order_for(time_zone: str) -> DateOrder:
    """The account's usual date order: as its time zone's country writes dates (month first
    in the United States), day first for a zone of no country (UTC) as most of the world."""
    if zone_month_first(time_zone):
        return DateOrder.MONTH_FIRST
    return DateOrder.DAY_FIRST


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def text_of(cell: Cell) -> str:
    """A cell as the text it shows (a number without a trailing .0)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell).strip()


# --- Amounts --------------------------------------------------------------------------------

# Spaces people and programs group digits with: ordinary, no-break, narrow no-break, thin.
GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
CURRENCY_MARKS = re.compile(r"[€$£¥₣₤]|\b[A-Za-z]{3}\b")
DIGITS = re.compile(r"\d+")


def parse_amount(cell: Cell, field: str = "amount") -> Decimal:
    """An amount: `1234.5`, `1 234,50`, `1,234.50`, `1.234,50`, `€1234`, `1234 EUR`,
    `$1,234`. Money has two decimals at most, so a single separator followed by exactly three
    digits groups thousands (`1,234` and `1.234` are both 1234) and one followed by one or two
    digits is the decimal point."""
    if isinstance(cell, bool):
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    if isinstance(cell, int | float | Decimal):
        value = Decimal(str(cell))
    else:
        value = _amount_from_text(text_of(cell), field)
    if not value.is_finite():
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    if value < 0:
        raise InvalidParameter(field, Code.IMPORT_NEGATIVE_AMOUNT)
    if value > MAX_AMOUNT:
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    if value != value.quantize(Decimal("0.01")):
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    return value.quantize(Decimal("0.01"))


def _amount_from_text(text: str, field: str) -> Decimal:
    text = unicodedata.normalize("NFKC", text)
    text = CURRENCY_MARKS.sub("", text)
    text = GROUP_SPACES.sub("", text)
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("-+()")
    if not text or not re.fullmatch(r"[\d.,]+", text):
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas == 1 or dots == 1:
        mark = "," if commas else "."
        decimals = len(text) - text.rfind(mark) - 1
        decimal_mark = mark if decimals != 3 else ""
    else:
        decimal_mark = ""  # no separator, or the same one several times: thousands
    group_mark = {",": ".", ".": ",", "": ",."}[decimal_mark]
    whole, _, fraction = text.rpartition(decimal_mark) if decimal_mark else (text, "", "")
    if decimal_mark and not whole:
        whole = "0"
    groups = re.split(f"[{re.escape(group_mark)}]", whole)
    if len(groups) > 1 and (
        not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])
    ):
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    digits = "".join(groups)
    if not digits.isdigit() or (fraction and not fraction.isdigit()):
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT)
    try:
        value = Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:
        raise InvalidParameter(field, Code.IMPORT_INVALID_AMOUNT) from None
    return -value if negative else value


# --- Probability ----------------------------------------------------------------------------


def parse_probability(cell: Cell, field: str = "probability") -> int:
    """A percentage from 0 to 100: `40`, `40 %`, `40%`; a fraction below 1 written as a
    workbook's percentage cell (0.4) is 40."""
    if isinstance(cell, bool):
        raise InvalidParameter(field, Code.IMPORT_INVALID_PROBABILITY)
    if isinstance(cell, float | Decimal) and 0 < cell < 1:
        value = Decimal(str(cell)) * 100
    elif isinstance(cell, int | float | Decimal):
        value = Decimal(str(cell))
    else:
        text = text_of(cell).replace("%", "").replace(",", ".").strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidParameter(field, Code.IMPORT_INVALID_PROBABILITY) from None
    if not value.is_finite() or not 0 <= value <= 100 or value != value.to_integral_value():
        raise InvalidParameter(field, Code.IMPORT_INVALID_PROBABILITY)
    return int(value)


# --- Dates ----------------------------------------------------------------------------------

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
TIME = re.compile(
    r"(\d{1,2})[:hH](\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp]\.?[Mm]\.?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


def parse_date(cell: Cell, order: DateOrder, field: str) -> date:
    """A date: `2024-03-01`, or `01/03/2024` (also with `.` or `-`, or a two-digit year) in
    the account's order; a workbook's date cell as it is. A time after it is allowed and
    dropped."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    # The date as written: a time after it is checked, not converted to another zone.
    return parse_datetime(cell, order, ZoneInfo("UTC"), field).date()


def parse_datetime(cell: Cell, order: DateOrder, zone: ZoneInfo, field: str) -> datetime:
    """An instant: a date as `parse_date` reads it, with or without a time (`14:30`,
    `2:30 PM`, `14h30`, seconds, an offset or `Z`). Without an offset, the time is the
    account's local time; without a time, midnight there."""
    if isinstance(cell, datetime):
        return cell if cell.tzinfo else cell.replace(tzinfo=zone)
    if isinstance(cell, date):
        return datetime.combine(cell, time(0, 0), tzinfo=zone)
    day, rest = _date_part(text_of(cell), order, field)
    if not rest:
        return datetime.combine(day, time(0, 0), tzinfo=zone)
    match = TIME.fullmatch(rest)
    if match is None:
        raise InvalidParameter(field, Code.IMPORT_INVALID_DATE)
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    micro = int((match[4] or "0").ljust(6, "0"))
    meridian = (match[5] or "").replace(".", "").lower()
    if meridian:
        if not 1 <= hour <= 12:
            raise InvalidParameter(field, Code.IMPORT_INVALID_DATE)
        hour = hour % 12 + (12 if meridian == "pm" else 0)
    try:
        local = time(hour, minute, second, micro)
    except ValueError:
        raise InvalidParameter(field, Code.IMPORT_INVALID_DATE) from None
    offset = match[6]
    if offset:
        return datetime.combine(day, local, tzinfo=UTC if offset == "Z" else _offset(offset))
    return datetime.combine(day, local, tzinfo=zone)


def _offset(text: str) -> tzinfo:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _date_part(text: str, order: DateOrder, field: str) -> tuple[date, str]:
    """The date at the start of `text`, and what follows it (a time, or nothing)."""
    text = text.strip()
    if match := ISO_DATE.match(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := NUMERIC_DATE.match(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if len(match[3]) == 2:
            year += 2000
        day, month = (first, second) if order == DateOrder.DAY_FIRST else (second, first)
    else:
        raise InvalidParameter(field, Code.IMPORT_INVALID_DATE)
    try:
        value = date(year, month, day)
    except ValueError:
        raise InvalidParameter(field, Code.IMPORT_INVALID_DATE) from None
    rest = text[match.end() :].lstrip(" T,")
    return value, rest


def parse_time(cell: Cell, field: str) -> time:
    """A time of day: `09:15`, `9h15`, `9:15 AM`; a workbook's time cell as it is."""
    if isinstance(cell, datetime):
        return cell.time()
    if isinstance(cell, time):
        return cell
    match = TIME.fullmatch(text_of(cell))
    if match is None or match[6]:
        raise InvalidParameter(field, Code.IMPORT_INVALID_DATE)
    hour, minute = int(match[1]), int(match[2])
    meridian = (match[5] or "").replace(".", "").lower()
    if meridian:
        if not 1 <= hour <= 12:
            raise InvalidParameter(field, Code.IMPORT_INVALID_DATE)
        hour = hour % 12 + (12 if meridian == "pm" else 0)
    try:
        return time(hour, minute, int(match[3] or 0))
    except ValueError:
        raise InvalidParameter(field, Code.IMPORT_INVALID_DATE) from None


# --- Tags, statuses, yes/no -----------------------------------------------------------------

TAG_SEPARATORS = re.compile(r"[,;]")


def parse_tags(cell: Cell) -> list[str]:
    """Tags separated by commas or semicolons (`a, b; c`); the lead rules then drop blanks
    and repeats and check their length."""
    return [tag.strip() for tag in TAG_SEPARATORS.split(text_of(cell)) if tag.strip()]


def _plain(text: str) -> str:
    """Lower case, accents dropped, inner spaces collapsed: `  À  faire ` is `a faire`."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters).split())


STATUS_WORDS: dict[str, Status] = {
    "todo": Status.TODO,
    "to do": Status.TODO,
    "open": Status.TODO,
    "new": Status.TODO,
    "a faire": Status.TODO,
    "en cours": Status.TODO,
    "nouveau": Status.TODO,
    "ouvert": Status.TODO,
    "standby": Status.STANDBY,
    "stand by": Status.STANDBY,
    "on hold": Status.STANDBY,
    "en attente": Status.STANDBY,
    "en pause": Status.STANDBY,
    "won": Status.WON,
    "gagne": Status.WON,
    "gagnee": Status.WON,
    "lost": Status.LOST,
    "perdu": Status.LOST,
    "perdue": Status.LOST,
    "cancelled": Status.CANCELLED,
    "canceled": Status.CANCELLED,
    "annule": Status.CANCELLED,
    "annulee": Status.CANCELLED,
}


def parse_status(cell: Cell, field: str = "status") -> Status:
    """A status by its code or its English or French name (`won`, `Gagné`, `À faire`)."""
    status = STATUS_WORDS.get(_plain(text_of(cell)))
    if status is None:
        raise InvalidParameter(
            field,
            Code.UNKNOWN_STATUS,
            value=text_of(cell)[:50],
            expected=", ".join(Status.values),
        )
    return status


YES = frozenset({"1", "yes", "y", "true", "oui", "o", "vrai", "x"})
NO = frozenset({"0", "no", "n", "false", "non", "faux"})


def parse_boolean(cell: Cell, field: str) -> bool:
    if isinstance(cell, bool):
        return cell
    word = _plain(text_of(cell))
    if word in YES:
        return True
    if word in NO:
        return False
    raise InvalidParameter(field, Code.IMPORT_INVALID_BOOLEAN)
