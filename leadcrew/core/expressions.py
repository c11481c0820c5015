"""Lists read in the query of the rows they belong to, as JSON arrays, rather than by a query of
their own: a lead's tags with the lead, a user's teams with their credential. On a short
request the second round trip and its query building cost more than the list itself.

Written for the two databases leadcrew runs on. Read the value with `json.loads`.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, QuerySet, Subquery, TextField
from django.db.models.sql.compiler import SQLCompiler

# Aggregates of the column `item` of the subquery `items` into a JSON array: '[]' when empty.
JSON_ARRAYS = {
    "postgresql": "COALESCE(json_agg(items.item{order})::text, '[]')",
    "sqlite": "json_group_array(items.item)",  # in the order its subquery gives the rows
}


class JsonList(Subquery):
    """One column of a correlated subquery (`queryset`, which refers to the outer row with
    OuterRef) as a JSON array; `ordered`: sorted by the column's values."""

    output_field = TextField()

    def __init__(self, queryset: QuerySet[Any], column: str, *, ordered: bool = False) -> None:
        self.ordered = ordered
        if ordered:
            queryset = queryset.order_by(column)
        super().__init__(queryset.values(item=F(column)))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        # PostgreSQL promises no order in which rows reach an aggregate: it is asked for.
        order = " ORDER BY items.item" if self.ordered else ""
        aggregate = JSON_ARRAYS[connection.vendor].format(order=order)
        template = f"(SELECT {aggregate} FROM (%(subquery)s) AS items)"
        return super().as_sql(compiler, connection, template=template, **extra)
