"""The lead object of the reference API, written by the database.

A page of fifty leads read as rows, turned into dicts and written as JSON took longer in Python
than every query of the request together. The database writes each lead's object itself, as
JSON text in the API's form, with the row that holds it: a list joins the texts, and a lead's
detail reads its text and adds what only the detail shows (leads/schemas.py, `lead_out`).

`lead_object` is the one place the list form of a lead is written: its keys in the order the
API documents them (`LeadOut`), each with the expression of its value. It is written for the
two databases leadcrew runs on, in the forms the rest of the API writes:

- instants in UTC with milliseconds (`2026-11-27T10:15:00.000Z`), as `format_datetime`;
- dates as `2026-11-27`, a reminder's time as `09:30`;
- amounts as numbers, flags as true or false, an empty `created_from` as null;
- `html_description` as the description escaped for HTML, each line break a `<br>`;
- `fields`: every lead field of the account, in its order, "" when the lead has no value.
"""

import re
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Exists, F, Func, IntegerField, OuterRef, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import NullIf
from django.db.models.sql.compiler import SQLCompiler

from leadcrew.contacts.models import Field, LeadFieldValue, ParentType
from leadcrew.core.expressions import JsonList
from leadcrew.leads.models import LeadTag

_KEY = re.compile(r"^[a-z_]+$")


class JsonText(Func):
    """An object of `pairs` (key → expression), its keys in their order, as JSON text."""

    output_field = TextField()

    def __init__(self, pairs: dict[str, Any]) -> None:
        if not all(_KEY.match(key) for key in pairs):
            raise ValueError("keys are written into the SQL: lower-case words only")
        self.keys = list(pairs)
        super().__init__(*pairs.values())

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for key, expression in zip(self.keys, self.get_source_expressions(), strict=True):
            sql, expression_params = compiler.compile(expression)
            parts.append(f"'{key}', {sql}")
            params.extend(expression_params)
        if connection.vendor == "postgresql":
            return f"json_build_object({', '.join(parts)})::text", params
        return f"json_object({', '.join(parts)})", params


class _Vendored(Func):
    """A function of one expression whose SQL differs by database (`templates`)."""

    templates: dict[str, str] = {}
    output_field = TextField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        template = self.templates[connection.vendor]
        return super().as_sql(compiler, connection, template=template, **extra)


class Instant(_Vendored):
    """A date-time column as `2026-11-27T10:15:00.000Z` (UTC, milliseconds cut, not rounded);
    null stays null. SQLite holds them in UTC as `2026-11-27 10:15:00[.ffffff]`."""

    templates = {
        "postgresql": "to_char(%(expressions)s AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\')',
        "sqlite": "(substr(%(expressions)s, 1, 10) || 'T' || substr(%(expressions)s, 12, 8) "
        "|| '.' || substr(substr(%(expressions)s, 21) || '000', 1, 3) || 'Z')",
    }


class ClockTime(_Vendored):
    """A time column as `09:30`."""

    templates = {
        "postgresql": "to_char(%(expressions)s, 'HH24:MI')",
        "sqlite": "substr(%(expressions)s, 1, 5)",
    }


class Number(_Vendored):
    """A decimal column as a JSON number."""

    templates = {
        "postgresql": "CAST(%(expressions)s AS double precision)",
        "sqlite": "CAST(%(expressions)s AS REAL)",
    }


class Flag(_Vendored):
    """A boolean column as true or false (SQLite holds 1 or 0)."""

    templates = {
        "postgresql": "%(expressions)s",
        "sqlite": "json(CASE WHEN %(expressions)s THEN 'true' ELSE 'false' END)",
    }


class Nested(_Vendored):
    """JSON text (a subquery's array or object) as a value of the object, not as a string."""

    templates = {
        "postgresql": "CAST(%(expressions)s AS json)",
        "sqlite": "json(%(expressions)s)",
    }


# What html.escape (quotes included) replaces, in its order; line breaks become <br> after.
_HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


class HtmlText(Func):
    """A text column as the reference's `html_description` shows it (as Django's `linebreaksbr`
    filter writes it): Windows and old Mac line breaks made plain, the text escaped, each line
    break a <br>."""

    output_field = TextField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, column_params = compiler.compile(self.get_source_expressions()[0])
        params = list(column_params)
        replacements = [("\r\n", "\n"), ("\r", "\n"), *_HTML_ESCAPES, ("\n", "<br>")]
        for old, new in replacements:
            sql = f"REPLACE({sql}, %s, %s)"
            params += [old, new]
        return sql, params


class LeadFields(Func):
    """The `fields` object of the lead of the outer row: every lead field of the account, in
    the fields' order, with the lead's value or "". Most leads hold no value: they get the
    account's object of empty values, which does not depend on the lead, so that with the
    account given as a parameter (`account`) the database writes it once per statement rather
    than once per lead."""

    output_field = TextField()

    def __init__(self, account: Any = None) -> None:
        super().__init__(F("pk"), F("account_id") if account is None else Value(account))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        (lead, lead_params), (account, account_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        fields, values = Field._meta.db_table, LeadFieldValue._meta.db_table
        where = f"f.account_id = {account} AND f.parent_type = %s"
        where_params = [*account_params, ParentType.LEAD.value]
        filled = f"{fields} f LEFT JOIN {values} v ON v.field_id = f.id AND v.lead_id = {lead}"
        has_values = f"EXISTS (SELECT 1 FROM {values} v WHERE v.lead_id = {lead})"
        write = _FIELD_OBJECTS[connection.vendor]
        sql = (
            f"CASE WHEN {has_values} "
            f"THEN {write.format(value='COALESCE(v.value, %s)', rows=filled, where=where)} "
            f"ELSE {write.format(value='%s', rows=f'{fields} f', where=where)} END"
        )
        params = [*lead_params, "", *lead_params, *where_params, "", *where_params]
        return sql, params


# The object of the fields `f` of `rows` that meet `where`, each with `value`, in their order.
_FIELD_OBJECTS = {
    "postgresql": "(SELECT COALESCE(json_object_agg(f.key, CAST({value} AS text) "
    "ORDER BY f.position, f.id), '{{}}') FROM {rows} WHERE {where})",
    "sqlite": "json((SELECT json_group_object(k, v) FROM (SELECT f.key AS k, {value} AS v "
    "FROM {rows} WHERE {where} ORDER BY f.position, f.id)))",
}


def _tags() -> Nested:
    """The lead's tag names in order; most leads have none, and a test of that is cheaper than
    an aggregate of nothing."""
    tags = LeadTag.objects.filter(lead_id=OuterRef("pk"))
    names = JsonList(tags, "name", ordered=True)
    return Nested(
        Case(When(Exists(tags), then=names), default=Value("[]"), output_field=TextField())
    )


def lead_object(account: Any = None) -> JsonText:
    """The lead's object as `LeadOut` lists its keys, for a queryset of leads; `account`: the
    account of all of them, a parameter (a marker) of a compiled statement."""
    return JsonText(
        {
            "id": F("id"),
            "title": F("title"),
            "description": F("description"),
            "html_description": HtmlText(F("description")),
            "pipeline": F("step__pipeline__name"),
            "step": F("step__name"),
            "step_id": F("step_id"),
            "status": F("status"),
            "amount": Number(F("amount")),
            "probability": F("probability"),
            "currency": F("currency"),
            "starred": Flag(F("starred")),
            "remind_date": F("remind_date"),
            "remind_time": ClockTime(F("remind_time")),
            "remind_activity_id": F("remind_activity_id"),
            "remind_note": F("remind_note"),
            "next_action_at": Instant(F("next_action_at")),
            "estimated_closing_date": F("estimated_closing_date"),
            "closed_at": Instant(F("closed_at")),
            "created_at": Instant(F("created_at")),
            "updated_at": Instant(F("updated_at")),
            "tags": _tags(),
            "created_from": NullIf(F("created_from"), Value("")),
            # Attachments are not part of leadcrew: the reference key is kept for compatibility.
            # Written into the SQL: a parameter would have no type in json_build_object.
            "attachment_count": RawSQL("0", (), output_field=IntegerField()),
            "created_by_id": F("created_by_id"),
            "user_id": F("owner_id"),
            "team_id": F("team_id"),
            "team_name": F("team__name"),
            "client_folder_id": F("client_folder_id"),
            "client_folder_name": F("client_folder__name"),
            "fields": LeadFields(account),
        }
    )
