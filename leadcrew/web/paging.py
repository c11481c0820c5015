"""Paging lists that stay fast on a million leads.

Keyset paging, not OFFSET: a page is "the next 50 rows after this lead in the chosen order",
a range condition on the ordering columns that the database answers from an index as deep as
the reader goes, where OFFSET 10,000 reads and throws away 10,000 rows first (docs/architecture.md:
0.4 ms against 12–46 ms). The cursor is the id of the first or last lead shown; its ordering
values are read again from the database, so a URL carries nothing a reader could forge into
a wider query. The price is "next / previous" instead of "page 7 of 40", which nobody needs
over thousands of leads: filters are the way to narrow them.

Counts stop at COUNT_CAP ("10,000+"): an exact count of a million visible rows costs more than
the page itself, and tells a salesperson nothing more.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import F, OrderBy, Q, QuerySet

from leadcrew.access.actor import Actor
from leadcrew.leads.models import Lead
from leadcrew.leads.selectors import (
    NULLABLE_ORDER_COLUMNS,
    ORDERINGS,
    LeadFilter,
    filtered_leads,
    find_page,
    list_leads_by_id,
    ordered,
    placed_total,
    with_relations,
)

PAGE_SIZE = 50
COUNT_CAP = 10_000
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Page:
    leads: list[Lead]
    next_cursor: int | None  # show "Next" with ?after=<id>
    previous_cursor: int | None  # show "Previous" with ?before=<id>


def capped_count(leads: QuerySet[Lead], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, whether it reached the cap): one COUNT over a LIMIT cap + 1 subquery."""
    found = leads.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


def _beyond(columns: tuple[str, ...], values: tuple[Any, ...], direction: str, forward: bool) -> Q:
    """Rows strictly after (forward) or before the row with `values`, in the order `ordered`
    gives: each column ascending or descending, nulls last in both directions."""
    column, value = columns[0], values[0]
    larger = (direction == "asc") == forward
    nullable = column in NULLABLE_ORDER_COLUMNS
    if value is None:
        # Nulls come last: nothing non-null is after a null; everything non-null is before.
        strict = NOTHING if forward else Q(**{f"{column}__isnull": False})
        equal = Q(**{f"{column}__isnull": True})
    else:
        strict = Q(**{f"{column}__{'gt' if larger else 'lt'}": value})
        if forward and nullable:
            strict |= Q(**{f"{column}__isnull": True})
        equal = Q(**{column: value})
    if len(columns) == 1:
        return strict
    beyond = strict | (equal & _beyond(columns[1:], values[1:], direction, forward))
    if value is None or nullable:
        return beyond
    # The same rows, with a range on the first column that its index reads from the boundary
    # on: the OR alone had PostgreSQL walk the list from its start (50 ms at a million leads).
    return Q(**{f"{column}__{'gte' if larger else 'lte'}": value}) & beyond


def _reversed(column: str, direction: str) -> OrderBy:
    """The column's term in the reverse of `ordered`'s order. Nulls, last going forward, come
    first going back; only a nullable column says so, since on a NOT NULL column the clause
    changes nothing but keeps the database from reading its index backwards."""
    nulls_first = True if column in NULLABLE_ORDER_COLUMNS else None
    if direction == "asc":
        return F(column).desc(nulls_first=nulls_first)
    return F(column).asc(nulls_first=nulls_first)


def keyset_page(
    leads: QuerySet[Lead],
    order: str,
    direction: str,
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of `leads` in the chosen order (ORDERINGS of the lead selectors, id last)."""
    columns = ORDERINGS[order]
    in_order = ordered(leads, order, direction)
    cursor = after if after is not None else before
    boundary = None
    if cursor is not None:
        boundary = in_order.filter(pk=cursor).values_list(*columns).first()
    if boundary is None:  # first page, or the cursor's lead left the list
        rows = list(in_order[: size + 1])
        return Page(rows[:size], rows[size - 1].pk if len(rows) > size else None, None)
    if after is not None:
        rows = list(in_order.filter(_beyond(columns, boundary, direction, True))[: size + 1])
        return Page(
            rows[:size],
            rows[size - 1].pk if len(rows) > size else None,
            rows[0].pk if rows else None,
        )
    backwards = [_reversed(column, direction) for column in columns]
    rows = list(
        in_order.filter(_beyond(columns, boundary, direction, False)).order_by(*backwards)[
            : size + 1
        ]
    )
    has_previous = len(rows) > size
    rows = rows[:size][::-1]
    return Page(rows, rows[-1].pk if rows else None, rows[0].pk if has_previous else None)


@dataclass(frozen=True)
class CountedPage:
    page: Page
    count: int  # at most COUNT_CAP
    capped: bool  # whether there are more than COUNT_CAP


def first_page(actor: Actor, lead_filter: LeadFilter, order: str, direction: str) -> CountedPage:
    """The first page of the leads the actor sees that match the filters, in one of the
    MERGEABLE_ORDERS, and how many there are, found as the API finds a page: each branch of the
    visibility rule paged and counted on its own, or counted from the tallies. A manager's list
    at a million leads took 20 ms to count in one query what this counts in a few."""
    found = find_page(
        actor,
        lead_filter,
        order=order,
        direction=direction,
        offset=0,
        limit=PAGE_SIZE + 1,
        count_cap=COUNT_CAP,
    )
    ids, total = found.ids, found.total
    leads = list_leads_by_id(actor, ids[:PAGE_SIZE])
    next_cursor = leads[-1].pk if len(ids) > PAGE_SIZE and leads else None
    return CountedPage(Page(leads, next_cursor, None), min(total, COUNT_CAP), total > COUNT_CAP)


def cursor_page(
    actor: Actor,
    lead_filter: LeadFilter,
    order: str,
    direction: str,
    *,
    after: int | None = None,
    before: int | None = None,
) -> CountedPage:
    """The page of the leads the actor sees that match the filters after or before a cursor
    (the first without one), and how many there are: from the tallies when the filters allow
    (`placed_total`), else counted up to COUNT_CAP."""
    leads = filtered_leads(actor, lead_filter)
    page = keyset_page(with_relations(leads), order, direction, after=after, before=before)
    total = placed_total(actor, lead_filter)
    if total is None:
        return CountedPage(page, *capped_count(leads))
    return CountedPage(page, min(total, COUNT_CAP), total > COUNT_CAP)


@dataclass(frozen=True)
class Neighbours:
    previous: int | None
    next: int | None


def neighbours(leads: QuerySet[Lead], lead_id: int, order: str, direction: str) -> Neighbours:
    """The leads just before and after `lead_id` in the list `leads` in the chosen order (the
    lead page's previous and next); none when the lead is not in that list."""
    columns = ORDERINGS[order]
    in_order = ordered(leads, order, direction)
    boundary = in_order.filter(pk=lead_id).values_list(*columns).first()
    if boundary is None:
        return Neighbours(None, None)
    after = in_order.filter(_beyond(columns, boundary, direction, True)).values_list(
        "pk", flat=True
    )
    backwards = [_reversed(column, direction) for column in columns]
    before = (
        in_order.filter(_beyond(columns, boundary, direction, False))
        .order_by(*backwards)
        .values_list("pk", flat=True)
    )
    return Neighbours(before.first(), after.first())


@dataclass(frozen=True)
class NamedPage[T]:
    """A page of rows listed by name (client folders): the same cursors as a page of leads."""

    rows: list[T]
    next_cursor: int | None
    previous_cursor: int | None


NAME_ORDER = ("name", "id")


def name_page(
    rows: QuerySet[Any],
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> NamedPage[Any]:
    """One page of `rows` (a model with a `name`) in name order, id breaking ties, keyset-paged
    as `keyset_page` pages leads."""
    in_order = rows.order_by(*NAME_ORDER)
    cursor = after if after is not None else before
    boundary = None
    if cursor is not None:
        boundary = in_order.filter(pk=cursor).values_list(*NAME_ORDER).first()
    if boundary is None:
        found = list(in_order[: size + 1])
        return NamedPage(found[:size], found[size - 1].pk if len(found) > size else None, None)
    if after is not None:
        found = list(in_order.filter(_beyond(NAME_ORDER, boundary, "asc", True))[: size + 1])
        return NamedPage(
            found[:size],
            found[size - 1].pk if len(found) > size else None,
            found[0].pk if found else None,
        )
    backwards = in_order.filter(_beyond(NAME_ORDER, boundary, "asc", False)).order_by(
        "-name", "-id"
    )
    found = list(backwards[: size + 1])
    has_previous = len(found) > size
    found = found[:size][::-1]
    return NamedPage(found, found[-1].pk if found else None, found[0].pk if has_previous else None)
