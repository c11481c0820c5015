"""Reads compiled to SQL once and run many times.

Building a queryset and compiling it costs more than running it once it is a prepared
statement: a page of lead rows took 3 ms to build and compile and 1.3 ms to run. The few reads
that every request makes are written as ordinary values() querysets, compiled once per
database and process with markers where their parameters go, and run with each request's
values in place of the markers.

    TEAMS = CompiledValues(
        lambda: Team.objects.filter(InIdList("pk", "IDS"), account_id=marker("ACCOUNT"))
        .values("id", "name")
    )
    TEAMS.rows(ACCOUNT=7, IDS=[1, 2, 3])

(Lead rows are compiled this way only behind the access policy: leads/selectors.py.)

A marker stands for an integer (`marker(name)`: a number no row holds, found again among the
compiled parameters), a text (`text_marker(name)`) or a list of ids (`InIdList(column, name)`:
one parameter whatever the list's length, a PostgreSQL array or JSON on SQLite, so that every
length runs one prepared statement).
"""

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet

# Far below any id or count: a marker's number can only come from the marker itself.
_FIRST_MARKER = -7_919_000_000_000_000_000
# A marker's value -> its name, and whether it stands for a list of ids.
_markers: dict[int | str, tuple[str, bool]] = {}
# Held while markers are made and statements compiled (once each, whichever thread comes first).
_lock = threading.RLock()


def _number(name: str, is_list: bool) -> int:
    with _lock:
        for value, known in _markers.items():
            if known == (name, is_list) and isinstance(value, int):
                return value
        number = _FIRST_MARKER - len(_markers)
        _markers[number] = (name, is_list)
        return number


def marker(name: str) -> int:
    """The number that stands for the integer parameter `name` while a query is compiled (for
    64-bit columns: ids, foreign keys)."""
    return _number(name, False)


def text_marker(name: str) -> str:
    """The text that stands for the text parameter `name` while a query is compiled."""
    value = f"\x00marker:{name}"
    with _lock:
        _markers[value] = (name, False)
    return value


# An id list's test, by database: one parameter whatever the list's length, so that every
# length runs the same prepared statement (and on PostgreSQL, an index scan on the ids).
_IN_ID_LIST = {
    "postgresql": "{column} = ANY(%s::bigint[])",
    "sqlite": "{column} IN (SELECT value FROM json_each(%s))",
}


class InIdList(Func):
    """`filter(InIdList("pk", "IDS"))`: the column is one of the ids given as IDS at each run
    (see CompiledValues)."""

    output_field = BooleanField()

    def __init__(self, column: str, name: str) -> None:
        self.number = _number(name, True)
        super().__init__(F(column))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.get_source_expressions()[0])
        return _IN_ID_LIST[connection.vendor].format(column=column), [*params, self.number]


def _id_list_value(vendor: str, ids: Iterable[int]) -> Any:
    numbers = [int(i) for i in ids]
    return json.dumps(numbers) if vendor == "sqlite" else numbers


@contextmanager
def prepared_cursor(connection: BaseDatabaseWrapper) -> Iterator[Any]:
    """A cursor whose statements are prepared: on PostgreSQL (unless LEADCREW_PREPARED_STATEMENTS
    is off, as behind PgBouncer), parameters bound by the server and each statement planned once
    per connection, its generic plan kept (the connection asks for generic plans:
    config/settings.py). Only for statements written so that one plan suits every parameter
    (equalities on ids, ids as an array, one account). Every other statement is sent with its
    values in place (Django's client-side binding) and planned for them at each run: a
    statistics query over a date range needs the plan of its range. Elsewhere, a plain cursor."""
    if connection.vendor != "postgresql" or not settings.LEADCREW_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    # Django's wrapper around a cursor binding its parameters on the server, as connection.cursor()
    # wraps the connection's own (logged in tests that capture queries, errors translated).
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 0
    try:
        with wrap(psycopg.Cursor(raw)) as cursor:  # type: ignore[arg-type]  # a driver cursor
            yield cursor
    finally:
        raw.prepare_threshold = threshold


@dataclass(frozen=True)
class _Compiled:
    statement: "Statement"
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


class CompiledValues:
    """A values() queryset, compiled once per database alias; `rows(**values)` runs it with a
    value for each marker (by the marker's name) and answers the rows as dicts, converted as
    the queryset itself would have converted them."""

    def __init__(self, build: Callable[[], QuerySet[Any]]) -> None:
        self.build = build
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, using: str = "default", **values: Any) -> list[dict[str, Any]]:
        compiled = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        params = compiled.statement.bound(connection.vendor, values)
        with prepared_cursor(connection) as cursor:
            cursor.execute(compiled.statement.sql, params)
            found = cursor.fetchall()
        return [self._row(compiled, row, connection) for row in found]

    @staticmethod
    def _row(compiled: _Compiled, row: Any, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        if compiled.converters:
            row = list(row)
            for position, converters, expression in compiled.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return dict(zip(compiled.names, row, strict=True))

    def _compile(self, using: str) -> _Compiled:
        with _lock:
            if using in self._compiled:
                return self._compiled[using]
            queryset = self.build()
            query = queryset.query
            compiler = query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            expressions = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(expressions)
            # As QuerySet.values() names a row's columns.
            names = query.selected or (
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            )
            compiled = _Compiled(
                statement=Statement.of(sql, params),
                names=tuple(names),
                converters=tuple(
                    (position, tuple(functions), expression)
                    for position, (functions, expression) in converters.items()
                ),
            )
            self._compiled[using] = compiled
            return compiled


# --- Conditions by shape -------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Conditions (Q objects) with their integer values taken out. `key` is equal for two lists
    of conditions that differ only in those values (ids: users, teams); `templates` are the
    conditions with a marker `V<n>` where each value was, `values` the values by marker name.
    A statement compiled from the templates serves every list of conditions of the same key,
    run with its own values."""

    key: tuple[Any, ...]
    templates: tuple[Q, ...]
    values: dict[str, int]


def shape_of(conditions: Iterable[Q]) -> Shape | None:
    """The conditions' shape, or None when a value is neither an integer, a list of integers,
    a text, a boolean nor None (a subquery, an expression): those are compiled as they are."""
    values: dict[str, int] = {}
    keys: list[Any] = []
    templates: list[Q] = []
    for condition in conditions:
        shaped = _shaped(condition, values)
        if shaped is None:
            return None
        keys.append(shaped[0])
        templates.append(shaped[1])
    return Shape(tuple(keys), tuple(templates), values)


def _shaped(condition: Q, values: dict[str, int]) -> tuple[Any, Q] | None:
    keys: list[Any] = []
    children: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            shaped = _shaped(child, values)
            if shaped is None:
                return None
            keys.append(shaped[0])
            children.append(shaped[1])
        elif isinstance(child, tuple) and len(child) == 2:
            lookup, value = child
            placed = _placed(value, values)
            if placed is None:
                return None
            keys.append((lookup, placed[0]))
            children.append((lookup, placed[1]))
        else:
            return None
    template = Q(*children, _connector=condition.connector, _negated=condition.negated)
    return (condition.connector, condition.negated, tuple(keys)), template


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _placed(value: Any, values: dict[str, int]) -> tuple[Any, Any] | None:
    """(the value's part of the key, what the template holds in its place)."""
    if value is None or isinstance(value, bool | str):
        return ("literal", value), value
    if _is_integer(value):
        return "integer", _integer_marker(value, values)
    if isinstance(value, list | tuple) and all(_is_integer(item) for item in value):
        return ("integers", len(value)), [_integer_marker(item, values) for item in value]
    return None


def _integer_marker(value: int, values: dict[str, int]) -> int:
    name = f"V{len(values)}"
    values[name] = value
    return marker(name)


@dataclass(frozen=True)
class Statement:
    """SQL compiled with markers among its parameters (`CompiledValues` keeps one per database;
    `shape_of`'s templates make others); `bound(vendor, values)` gives the parameters of one
    run, a value for each marker by its name."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, bool], ...]  # (position, marker name, is an id list)

    @classmethod
    def of(cls, sql: str, params: Iterable[Any]) -> "Statement":
        params = tuple(params)
        slots = tuple(
            (position, *_markers[value])
            for position, value in enumerate(params)
            if isinstance(value, int | str) and value in _markers
        )
        return cls(sql, params, slots)

    def names(self) -> set[str]:
        return {name for _, name, _ in self.slots}

    def bound(self, vendor: str, values: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for position, name, is_list in self.slots:
            value = values[name]
            params[position] = _id_list_value(vendor, value) if is_list else value
        return params
