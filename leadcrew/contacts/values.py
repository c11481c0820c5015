"""Field values by type: what each type accepts, its canonical text, and the folded form that
filters and duplicate detection compare. Pure functions: no database."""

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from leadcrew.contacts.models import FieldType
from leadcrew.core.errors import Code, InvalidParameter

MAX_VALUE_LENGTH = 1000
MATCH_LENGTH = 255
PHONE = re.compile(r"\+?[0-9 ().\-/]{3,40}")
URL_CHECK = URLValidator(schemes=["http", "https"])

# What a client may send as a field's value: text, a number, or a list (multiple choice).
FieldInput = str | int | float | Decimal | list[str] | None


def fold(text: str) -> str:
    """Lower case without accents: "Élodie" and "elodie" fold to the same text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def match_key(value: str) -> str:
    return fold(value.strip())[:MATCH_LENGTH]


def _text(value: FieldInput, field: str) -> str:
    if isinstance(value, list):
        raise InvalidParameter(field, Code.FIELD_NOT_TEXT)
    text = str(value).strip()
    if "\n" in text or "\r" in text:
        # A value is one line of the description's header (`Label: value`).
        raise InvalidParameter(field, Code.FIELD_ONE_LINE)
    if "\x00" in text:
        raise InvalidParameter(field, Code.NOT_UNICODE)
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidParameter(field, Code.TOO_LONG, max=MAX_VALUE_LENGTH)
    return text


def clean_value(field_type: str, choices: Sequence[str], value: FieldInput, *, field: str) -> str:
    """The canonical text of a value for a field of this type, or an InvalidParameter naming
    `field`; "" means no value (the field is cleared)."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise InvalidParameter(field, Code.FIELD_NOT_TEXT)
        return ""
    if field_type == FieldType.MULTIPLE_CHOICE:
        items = value if isinstance(value, list) else str(value).split(",")
        picked = [
            _choice(choices, _text(item, field), field) for item in items if str(item).strip()
        ]
        return ", ".join(dict.fromkeys(picked))
    text = _text(value, field)
    if not text:
        return ""
    if field_type == FieldType.EMAIL:
        try:
            validate_email(text)
        except ValidationError:
            raise InvalidParameter(field, Code.INVALID_EMAIL) from None
        return text
    if field_type == FieldType.PHONE:
        if not PHONE.fullmatch(text) or sum(char.isdigit() for char in text) < 3:
            raise InvalidParameter(field, Code.INVALID_PHONE)
        return text
    if field_type == FieldType.URL:
        url = text if "://" in text else f"https://{text}"
        try:
            URL_CHECK(url)
        except ValidationError:
            raise InvalidParameter(field, Code.INVALID_URL) from None
        return text
    if field_type == FieldType.NUMBER:
        if not text.isascii():
            raise InvalidParameter(field, Code.INVALID_NUMBER)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidParameter(field, Code.INVALID_NUMBER) from None
        if not number.is_finite() or abs(number.adjusted()) > 30:
            raise InvalidParameter(field, Code.INVALID_NUMBER)
        return format(number.normalize(), "f") if number != 0 else "0"
    if field_type == FieldType.DATE:
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            raise InvalidParameter(field, Code.INVALID_FIELD_DATE) from None
        if not date(1900, 1, 1) <= parsed <= date(2999, 12, 31) or len(text) != 10:
            raise InvalidParameter(field, Code.INVALID_FIELD_DATE)
        return parsed.isoformat()
    if field_type == FieldType.CHOICE:
        return _choice(choices, text, field)
    return text


def _choice(choices: Sequence[str], text: str, field: str) -> str:
    """The choice as the field spells it, whatever the case typed."""
    for choice in choices:
        if fold(choice) == fold(text):
            return choice
    raise InvalidParameter(field, Code.NOT_ONE_OF, choices=", ".join(choices))
