"""SQL expressions the statistics aggregate with, written for the two databases leadcrew runs on
(PostgreSQL, and SQLite by default) so that the work stays inside the database.

Money and durations are turned into integers (cents, milliseconds) before they are summed: SQLite
keeps decimals as floating point, and integer sums are exact on both databases.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, DateField, F, Func
from django.db.models.sql.compiler import SQLCompiler

from leadcrew.stats.periods import Grouping, offset_changes

SqlParams = tuple[str, tuple[Any, ...]]

# SQLite date() modifiers taking a local date to the first day of its period.
SQLITE_PERIOD_MODIFIERS = {
    Grouping.DAY: "",
    Grouping.WEEK: ", 'weekday 0', '-6 days'",  # on to Sunday, back to that week's Monday
    Grouping.MONTH: ", 'start of month'",
}


class LocalPeriodStart(Func):
    """The first day (a date) of the day, ISO week or month holding a timestamp column, in the
    account's time zone.

    PostgreSQL truncates in the zone natively. SQLite knows no time zones, and Django's own
    truncation there calls a Python function for every row; instead the zone's offsets over
    the queried range (a handful of daylight-saving changes) become one CASE, and SQLite's
    date functions do the rest. `start` and `end` must bound the rows the query reads.
    """

    output_field = DateField()

    def __init__(
        self, column: str, grouping: Grouping, zone: ZoneInfo, start: datetime, end: datetime
    ) -> None:
        super().__init__(F(column))
        self.grouping, self.zone, self.start, self.end = grouping, zone, start, end

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SqlParams:
        # PostgreSQL: its week is the ISO week, starting on Monday.
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"(DATE_TRUNC(%s, {column} AT TIME ZONE %s))::date"
        return sql, (self.grouping.value, *params, self.zone.key)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SqlParams:
        column, column_params = compiler.compile(self.source_expressions[0])
        shift, shift_params = self._sqlite_shift(column, list(column_params), connection)
        modifiers = SQLITE_PERIOD_MODIFIERS[self.grouping]
        return f"date({column}, {shift}{modifiers})", (*column_params, *shift_params)

    def _sqlite_shift(
        self, column: str, column_params: list[Any], connection: BaseDatabaseWrapper
    ) -> SqlParams:
        """A date() modifier moving a UTC timestamp to the zone's wall clock."""
        initial, changes = offset_changes(self.zone, self.start, self.end)
        if not changes:
            return "%s", (f"{initial:+d} seconds",)
        branches, params = [], []
        offset = initial
        for instant, new_offset in changes:
            branches.append(f"WHEN {column} < %s THEN %s")
            params += [*column_params, connection.ops.adapt_datetimefield_value(instant)]
            params.append(f"{offset:+d} seconds")
            offset = new_offset
        params.append(f"{offset:+d} seconds")
        return f"CASE {' '.join(branches)} ELSE %s END", tuple(params)


class Cents(Func):
    """A decimal money column as integer cents."""

    output_field = BigIntegerField()

    def __init__(self, column: str) -> None:
        super().__init__(F(column))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SqlParams:
        column, params = compiler.compile(self.source_expressions[0])
        return f"CAST({column} * 100 AS BIGINT)", tuple(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SqlParams:
        # The value is a float there (12.3 may read 12.2999…): round before casting.
        column, params = compiler.compile(self.source_expressions[0])
        return f"CAST(ROUND({column} * 100) AS INTEGER)", tuple(params)


class MillisecondsBetween(Func):
    """Milliseconds from one timestamp column to another, as an integer."""

    output_field = BigIntegerField()

    def __init__(self, start_column: str, end_column: str) -> None:
        super().__init__(F(start_column), F(end_column))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SqlParams:
        (start, start_params), (end, end_params) = self._columns(compiler)
        sql = f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) * 1000) AS BIGINT)"
        return sql, (*end_params, *start_params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SqlParams:
        # julianday() is SQLite's own C function (Django's duration arithmetic would call
        # Python for every row); rounding to the millisecond absorbs its floating-point error.
        (start, start_params), (end, end_params) = self._columns(compiler)
        sql = f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400000) AS INTEGER)"
        return sql, (*end_params, *start_params)

    def _columns(self, compiler: SQLCompiler) -> list[tuple[str, list[Any]]]:
        compiled = [compiler.compile(expression) for expression in self.source_expressions]
        return [(sql, list(params)) for sql, params in compiled]
