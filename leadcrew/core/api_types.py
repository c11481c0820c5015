"""Types and helpers shared by every API router: ids, safe strings, dates, paging."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from leadcrew.access.actor import Actor

MAX_ID = 2**63 - 1


class ApiRequest(HttpRequest):
    """A request the API's authentication let through: `auth` is who acts, a user or an
    account key (core/auth.py resolves it once per request)."""

    auth: Actor


EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters; say so instead of failing on write.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _sane_date(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


# The time zone of the account the request acts for, set once its credential is resolved
# (core/auth.py), so that a date-time given without a zone is read as the reference reads it:
# "2014-02-28 17:37:33" is that wall-clock time in the account's zone. Outside a request, UTC.
_account_zone: ContextVar[tzinfo | None] = ContextVar("leadcrew_account_zone", default=None)


def account_zone_set(zone: tzinfo | None) -> None:
    """The zone in which this request reads date-times without an offset (None: UTC)."""
    _account_zone.set(zone)


@contextmanager
def account_zone(zone: tzinfo | None) -> Iterator[None]:
    """Reads date-times without an offset in `zone` for the duration of the block."""
    token = _account_zone.set(zone)
    try:
        yield
    finally:
        _account_zone.reset(token)


def _sane_datetime(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_account_zone.get() or UTC)
    _sane_date(value.date())
    return value.astimezone(UTC)


def _no_bool(value: Any) -> Any:
    # JSON's `true` is no id: lax parsing would read it as 1, i.e. someone else's record.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _ascii_number(value: Any) -> Any:
    # Decimal() reads "١٢" and "１２" as 12: an amount is written in ASCII digits, as in JSON.
    if isinstance(value, str) and not value.isascii():
        raise PydanticCustomError("decimal_parsing", "Input should be a valid decimal")
    return value


def _local_time(value: time) -> time:
    # A reminder time is a wall-clock time in the account's zone, never an offset.
    if value.tzinfo is not None:
        raise ValueError("must be a time without a time zone, like 09:15")
    return value


Id = Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_no_nul)]
ShortText = Annotated[str, Field(max_length=255), AfterValidator(_no_nul)]
Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_no_nul)]
LongText = Annotated[str, Field(max_length=100_000), AfterValidator(_no_nul)]
ApiDate = Annotated[date, AfterValidator(_sane_date)]
ApiDateTime = Annotated[datetime, AfterValidator(_sane_datetime)]
LocalTime = Annotated[time, AfterValidator(_local_time)]
# A user by id or by e-mail, as everywhere in the reference API. Strict: `true` is no id (lax
# parsing would read it as user #1); a query string's digits come as text, which the lookup reads.
UserRef = Annotated[
    StrictInt | str,
    Field(union_mode="left_to_right"),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                {"type": "string", "maxLength": 254},
            ],
            "description": "A user id or e-mail",
        }
    ),
]
# A record named by id or by name (an activity type). Strict: `true` is no id.
NameRef = Annotated[
    StrictInt | str,
    Field(union_mode="left_to_right"),
    AfterValidator(lambda value: _no_nul(value) if isinstance(value, str) else value),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                {"type": "string", "maxLength": 100},
            ],
            "description": "An id or a name",
        }
    ),
]
# A user named in a URL: the id, or the e-mail address URL-encoded (`ann%40acme.test`).
UserPathRef = Annotated[
    str,
    Field(min_length=1, max_length=254),
    AfterValidator(_no_nul),
    WithJsonSchema(
        {"type": "string", "maxLength": 254, "description": "A user id or e-mail address"}
    ),
]
Money = Annotated[
    Decimal, BeforeValidator(_ascii_number), Field(ge=0, max_digits=14, decimal_places=2)
]
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
DateText = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


def format_datetime(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds: 2026-11-27T10:15:00.000Z."""
    if value is None:
        return None
    # isoformat, not strftime: twice as fast, and a page of leads formats 200 of these.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def format_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


class Out(BaseModel):
    """The base of every answer body. The API builds its answers as dicts (or reads plain
    attributes), so a plain pydantic model checks them: ninja's `Schema` would also look up
    each field through its ORM-aware getter, which answers never need and which costs more
    than the rest of serializing a page of leads."""

    model_config = ConfigDict(from_attributes=True)


class FastJSONRenderer(JSONRenderer):
    """The API's JSON, written by orjson: a page of leads took 0.75 ms to write with the
    standard library and takes a tenth of that. Whatever orjson does not write itself (dates,
    decimals, models) is written as ninja's encoder writes it, so answers keep their form; a
    text it refuses (a lone surrogate echoed in an error message) is written by the standard
    library, which escapes it."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return orjson.dumps(data, default=_ENCODER.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(request, data, response_status=response_status)


_ENCODER = NinjaJSONEncoder()
# Dates and times go through ninja's encoder (orjson's own form keeps the microseconds); keys
# that are not texts (ids) are written as texts, as the standard library does.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_JSON = FastJSONRenderer()


def built_answer(request: HttpRequest, data: Any, response: HttpResponse) -> HttpResponse:
    """An answer its schema module built as plain values in the declared model's shape, sent
    as JSON without validating it again: for the answers asked most and the largest (a lead,
    every user's rights on a lead), where validating cost as much as building.
    `response` is the operation's own, whose status and headers are kept. The declared model
    still documents the answer; tests and the API's fuzz test check answers against it."""
    response.content = _JSON.render(request, data, response_status=response.status_code)
    return response


class ErrorOut(Schema):
    error: int
    message: str
    type: str
    code: str | None = Field(None, description="Why, as a stable code (leadcrew extension)")
    field: str | None = Field(None, description="The parameter the error is about, if any")


class Paging(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


def _direction(value: Any) -> Any:
    # Any case, as the reference takes it; anything else is a malformed value (400).
    if isinstance(value, str) and value.strip().lower() in {"asc", "desc"}:
        return value.strip().lower()
    raise PydanticCustomError("direction_parsing", "Input should be 'asc' or 'desc' (any case)")


Direction = Annotated[Literal["asc", "desc"], BeforeValidator(_direction)]


def paginate(
    queryset: QuerySet[Any], paging: Paging, response: HttpResponse, total: int | None = None
) -> list[Any]:
    """One page of the query, with the total before paging in X-TOTAL-COUNT."""
    response["X-TOTAL-COUNT"] = str(queryset.count() if total is None else total)
    return list(queryset[paging.offset : paging.offset + paging.limit])
