"""Reads of leads: every one starts from the access policy's queryset."""

import threading
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from leadcrew.access.actor import Actor
from leadcrew.access.branches import see_branches
from leadcrew.access.policy import (
    Action,
    LeadIds,
    account_leads,
    binned_leads_for,
    can,
    leads_for,
    live_leads_of,
    places_of,
    see_filter,
    sees_every_lead,
    visible_places,
)
from leadcrew.contacts.search import ranked, search_filter, search_words
from leadcrew.contacts.selectors import leads_with_email, leads_with_field_value
from leadcrew.core.compiled import (
    CompiledValues,
    InIdList,
    Shape,
    Statement,
    marker,
    prepared_cursor,
    shape_of,
)
from leadcrew.core.errors import BadParameterFormat, Code, MissingParameter, NotFound
from leadcrew.core.lookups import Ref, step_lookup, team_lookup, user_lookup
from leadcrew.core.replicas import reads_from_replica
from leadcrew.leads.lead_json import lead_object
from leadcrew.leads.models import (
    OPEN_STATUSES,
    WEIGHTED_AMOUNT,
    Comment,
    Lead,
    LeadHistory,
    LeadTag,
    LeadTally,
    Pipeline,
    PlaceTally,
    Status,
    Step,
)
from leadcrew.stats.figures import Level, live_leads_per_step, open_sums, open_sums_where

# The reference API's `order` values and the columns they sort on (id breaks ties).
ORDERINGS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "creation_date": ("created_at", "id"),
    "last_update": ("updated_at", "id"),
    "next_action": ("next_action_at", "id"),
    "sale_step": ("step__pipeline__position", "step__position", "id"),
    "amount": ("amount", "id"),
    "probability": ("probability", "id"),
    "probalized_amount": ("probalized_amount", "id"),
    "alphabetically": ("title", "id"),
    # leadcrew's: with `q`, the leads whose title holds more of its words first.
    "relevance": ("search_rank", "id"),
}


@dataclass
class LeadFilter:
    """The filters of GET /leads, already parsed (ids and names still to be resolved)."""

    status: list[str] = field(default_factory=list)
    step: list[str] = field(default_factory=list)
    starred: bool | None = None
    user: Ref | None = None
    team_id: Ref | None = None
    tags: list[str] = field(default_factory=list)
    email: str | None = None
    updated_after: datetime | None = None
    q: str | None = None
    field_key: str | None = None
    field_value: str | None = None
    include_unassigned: bool = False
    unassigned_only: bool = False

    @property
    def narrows(self) -> bool:
        """Whether a filter other than the choice of assigned or unassigned leads is set."""
        return replace(self, include_unassigned=False, unassigned_only=False) != LeadFilter()

    @property
    def on_places_only(self) -> bool:
        """Whether every filter set is on where leads are (team, owner, assigned or not) and
        their status: the list's total is then a sum of the place tally's rows."""
        return (
            replace(
                self,
                status=[],
                user=None,
                team_id=None,
                include_unassigned=False,
                unassigned_only=False,
            )
            == LeadFilter()
        )

    @property
    def assigned_only(self) -> bool:
        """Whether only assigned leads match (the default list, or one owner's leads)."""
        return not self.unassigned_only and (not self.include_unassigned or self.user is not None)


def split_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def parse_statuses(raw: str | None) -> list[str]:
    statuses = split_list(raw)
    unknown = [status for status in statuses if status not in Status.values]
    if unknown:
        raise BadParameterFormat(
            Code.UNKNOWN_STATUS,
            field="status",
            value=unknown[0],
            expected=", ".join(Status.values),
        )
    return statuses


def _owned_as_asked(filters: LeadFilter) -> Q:
    """Leads with an owner, without, or both, as the filters ask."""
    if filters.unassigned_only:
        return Q(owner__isnull=True)
    if not filters.include_unassigned and filters.user is None:
        return Q(owner__isnull=False)
    return Q()


def _placed_as_asked(actor: Actor, filters: LeadFilter) -> Q:
    """The owners, teams and statuses the filters ask for, as a condition on a lead's columns,
    which the place tally's rows share (the owner and team looked up once)."""
    condition = _owned_as_asked(filters)
    if filters.status:
        condition &= Q(status__in=filters.status)
    if filters.user is not None:
        condition &= Q(owner_id=user_lookup(actor, filters.user).pk)
    if filters.team_id is not None:
        condition &= Q(team_id=team_lookup(actor, filters.team_id).pk)
    return condition


def filtered_leads(
    actor: Actor,
    filters: LeadFilter,
    base: QuerySet[Lead] | None = None,
    *,
    placed: Q | None = None,
) -> QuerySet[Lead]:
    """The leads of `base` (by default, those the actor may see) that match the filters;
    `placed`: `_placed_as_asked` of the filters, when the caller has it already."""
    leads = leads_for(actor, Action.SEE) if base is None else base
    leads = leads.filter(_placed_as_asked(actor, filters) if placed is None else placed)
    if filters.step:
        step_ids = [step_lookup(actor, ref).pk for ref in filters.step]
        leads = leads.filter(step_id__in=step_ids)
    if filters.starred is not None:
        leads = leads.filter(starred=filters.starred)
    for tag in filters.tags:
        tagged = LeadTag.objects.filter(account_id=actor.account_id, name=tag)
        leads = leads.filter(pk__in=tagged.values("lead_id"))
    if filters.field_key is not None or filters.field_value is not None:
        if not filters.field_key:
            raise MissingParameter("field_key")
        if filters.field_value is None:
            raise MissingParameter("field_value")
        matching = leads_with_field_value(actor, filters.field_key, filters.field_value)
        leads = leads.filter(pk__in=matching)
    if filters.email:
        in_fields = leads_with_email(actor, filters.email)
        leads = leads.filter(Q(description__icontains=filters.email) | Q(pk__in=in_fields))
    if filters.updated_after is not None:
        leads = leads.filter(updated_at__gt=filters.updated_after)
    if filters.q:
        found = search_filter(account_leads(actor), actor.account_id, filters.q)
        if found is not None:
            leads = leads.filter(found)
    return leads


# Ordering columns that may hold NULL. Only these say where NULLs go: on a NOT NULL column,
# NULLS LAST changes no result but keeps PostgreSQL from walking a plain (DESC) index in order,
# and a page of a million leads becomes a full sort.
NULLABLE_ORDER_COLUMNS = frozenset({"next_action_at"})


def ordered(
    leads: QuerySet[Lead], order: str, direction: str, q: str | None = None
) -> QuerySet[Lead]:
    columns = ORDERINGS[order]
    if order == "relevance":
        if search_words(q):
            leads = ranked(leads, q)
        else:  # nothing to rank by
            columns = ORDERINGS["id"]
    leads = with_order_keys(leads, columns)
    terms = []
    for column in columns:
        nulls_last = True if column in NULLABLE_ORDER_COLUMNS else None
        if direction == "desc":
            terms.append(F(column).desc(nulls_last=nulls_last))
        else:
            terms.append(F(column).asc(nulls_last=nulls_last))
    return leads.order_by(*terms)


# Ordering keys that are expressions of a lead's columns, by the name they are sorted under.
ORDER_EXPRESSIONS = {"probalized_amount": WEIGHTED_AMOUNT}


def with_order_keys(leads: QuerySet[Lead], columns: tuple[str, ...]) -> QuerySet[Lead]:
    """The leads with the ordering keys among `columns` that are expressions annotated."""
    keys = {name: ORDER_EXPRESSIONS[name] for name in columns if name in ORDER_EXPRESSIONS}
    return leads.annotate(**keys) if keys else leads


# Orderings on a lead's own columns (or an expression of them): a page merged from several
# branches is ordered by them in the database's UNION (`_merged_statement`). A nullable first
# column is merged as two parts per branch, the leads that have a value and those that do not.
MERGEABLE_ORDERS = frozenset(
    {
        "id",
        "creation_date",
        "last_update",
        "amount",
        "probability",
        "alphabetically",
        "next_action",
        "probalized_amount",
    }
)
# Past this depth every branch returns the whole prefix of its leads: one query is no worse.
MAX_MERGED_WINDOW = 20_000


# A lead as the API shows it: its columns, its step's, pipeline's and team's names (and with
# `with_owner`, its owner's), and its tag names in order. Read as plain rows: building model
# instances for them cost more than the queries.
LeadRow = dict[str, Any]
ROW_COLUMNS = (
    "id",
    "title",
    "description",
    "step_id",
    "status",
    "amount",
    "probability",
    "currency",
    "starred",
    "remind_date",
    "remind_time",
    "remind_activity_id",
    "remind_note",
    "next_action_at",
    "estimated_closing_date",
    "closed_at",
    "created_at",
    "updated_at",
    "deleted_at",
    "created_from",
    "created_by_id",
    "owner_id",
    "team_id",
    "client_folder_id",
)
RELATED_NAMES = {
    "step_name": F("step__name"),
    "pipeline_name": F("step__pipeline__name"),
    "team_name": F("team__name"),
    "client_folder_name": F("client_folder__name"),
}
# The show form's: its owner's and creator's names, and how many comments it has.
OWNER_COLUMNS = {
    "owner_first_name": F("owner__first_name"),
    "owner_last_name": F("owner__last_name"),
    "owner_email": F("owner__email"),
    "owner_phone": F("owner__phone"),
    "owner_mobile_phone": F("owner__mobile_phone"),
    "remind_activity_name": F("remind_activity__name"),
    "creator_first_name": F("created_by__first_name"),
    "creator_last_name": F("created_by__last_name"),
    "creator_email": F("created_by__email"),
    "client_folder_description": F("client_folder__description"),
    "client_folder_is_active": F("client_folder__is_active"),
    "comment_count": Coalesce(
        Subquery(
            Comment.objects.filter(lead_id=OuterRef("pk"))
            .order_by()
            .values("lead_id")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    ),
}


def lead_rows(leads: QuerySet[Lead], *, with_owner: bool = False) -> list[LeadRow]:
    """The leads of the query, in its order, as rows, in one query (`with_owner`: in the show
    form, with what the detail adds)."""
    return list(_row_values(leads, with_owner=with_owner))


def _row_values(
    leads: QuerySet[Lead], *, with_owner: bool, account: Any = None
) -> QuerySet[Lead, dict[str, Any]]:
    """`account`: the account of all the leads, a marker of a compiled statement."""
    names = {**RELATED_NAMES, **(OWNER_COLUMNS if with_owner else {})}
    rows: QuerySet[Lead, dict[str, Any]] = leads.values(
        *ROW_COLUMNS, **names, lead_json=lead_object(account)
    )
    return rows


@cache
def _rows_by_id(with_owner: bool) -> CompiledValues:
    """The statement that reads rows of live leads of an account (ACCOUNT) by their ids (IDS),
    whoever asks, compiled once: only for leads the access rules chose already."""
    account = marker("ACCOUNT")
    return CompiledValues(
        lambda: _row_values(
            live_leads_of(account).filter(InIdList("pk", "IDS")),
            with_owner=with_owner,
            account=account,
        )
    )


def lead_rows_by_id(actor: Actor, ids: list[int], *, with_owner: bool = False) -> list[LeadRow]:
    """The live leads of the actor's account among `ids`, as rows in the order of `ids`: the
    rows of leads the access rules chose already (`with_owner`: in the show form)."""
    if not ids:
        return []
    found = _rows_by_id(with_owner).rows(
        router.db_for_read(Lead), ACCOUNT=actor.account_id, IDS=ids
    )
    return _in_order(found, ids)


def _in_order(rows: list[LeadRow], ids: list[int]) -> list[LeadRow]:
    by_id = {row["id"]: row for row in rows}
    return [by_id[lead_id] for lead_id in ids if lead_id in by_id]


@cache
def _objects_by_id() -> CompiledValues:
    """The statement that reads the objects of live leads of an account (ACCOUNT) by their ids
    (IDS), whoever asks, compiled once: only for leads the access rules chose already."""
    account = marker("ACCOUNT")
    return CompiledValues(
        lambda: (
            live_leads_of(account)
            .filter(InIdList("pk", "IDS"))
            .values("id", lead_json=lead_object(account))
        )
    )


def lead_objects_by_id(actor: Actor, ids: list[int]) -> list[LeadRow]:
    """The live leads of the actor's account among `ids`, in the order of `ids`, each as its
    `id` and its object as JSON text (`lead_json`): the leads the access rules chose already."""
    if not ids:
        return []
    found = _objects_by_id().rows(router.db_for_read(Lead), ACCOUNT=actor.account_id, IDS=ids)
    return _in_order(found, ids)


@dataclass
class LeadPage:
    leads: list[LeadRow]  # each its id and its object (`lead_objects_by_id`)
    total: int  # before paging


@reads_from_replica
def lead_page(
    actor: Actor, filters: LeadFilter, *, order: str, direction: str, offset: int, limit: int
) -> LeadPage:
    """One page of the leads the actor may see that match the filters, and their total."""
    found = find_page(
        actor, filters, order=order, direction=direction, offset=offset, limit=limit, objects=True
    )
    if found.objects is not None:
        return LeadPage(found.objects, found.total)
    return LeadPage(lead_objects_by_id(actor, found.ids), found.total)


@dataclass
class FoundPage:
    """The ids of a page of leads in order and their total; `objects`: the page's leads as
    `lead_objects_by_id` reads them, when the page's own statement read them (None if not)."""

    ids: list[int]
    total: int
    objects: list[LeadRow] | None = None


@dataclass(frozen=True)
class PageWindow:
    """Which rows of a merged list a page is: rows offset to offset + limit in the order of
    `columns` (NOT NULL columns of the lead, the last one its id), and a total counted up to
    `count_cap` (None: exactly; else the parts' rows counted together, up to cap + 1)."""

    columns: tuple[str, ...]
    direction: str
    offset: int
    limit: int
    count_cap: int | None = None


# A window of no rows: the merged page's total alone (exact).
TOTAL_ONLY = PageWindow(("id",), "desc", 0, 0)


def find_page(
    actor: Actor,
    filters: LeadFilter,
    *,
    order: str,
    direction: str,
    offset: int,
    limit: int,
    count_cap: int | None = None,
    objects: bool = False,
) -> FoundPage:
    """The ids of one page of the leads the actor may see that match the filters, in order,
    and their total; past `count_cap`, a total above the cap rather than the exact one
    (counting stops there). With `objects`, the page's lead objects too where the statement
    that finds the page can read them at no cost to its plan (`_objects_fold`).

    For a user who sees part of the account, each branch of the visibility rule (their leads,
    each visible team's) is paged and counted on its own and the results merged: one ordered
    scan of at most `offset + limit` rows per branch instead of a walk through the account, and
    a sum of per-branch counts (docs/architecture.md). The answer is the plain query's, which
    unusual orderings and very deep pages still run. When the list is every lead of the
    account, its total is the account's lead tally; in the orders the branches cannot be
    merged in, the page is the plain query's and the total still the per-branch counts."""
    if _lists_whole_account(actor, filters) and order in MERGEABLE_ORDERS:
        using = router.db_for_read(Lead)
        with_objects = objects and _objects_fold(using, prepared=True)
        page = _whole_account_page(using, filters, order, direction, offset, limit, with_objects)
        params = page.bound(connections[using].vendor, {"ACCOUNT": actor.account_id})
        return _run_merged(using, page.sql, params, prepared=True, objects=with_objects)
    tallied = tallied_total(actor, filters)
    if tallied is not None or order not in MERGEABLE_ORDERS or offset + limit > MAX_MERGED_WINDOW:
        leads = filtered_leads(actor, filters)
        if tallied is not None:
            total = tallied
        else:
            total = _page_by_branches(actor, filters, TOTAL_ONLY).total
        # The page's ids first, then their rows: in an order no index serves, the database
        # sorts bare leads rather than leads joined to their step, team and owner.
        keys = ordered(leads, order, direction, filters.q).values_list("pk", flat=True)
        return FoundPage(list(keys[offset : offset + limit]) if total > offset else [], total)
    window = PageWindow(ORDERINGS[order], direction, offset, limit, count_cap)
    return _page_by_branches(actor, filters, window, objects)


def _page_by_branches(
    actor: Actor, filters: LeadFilter, window: PageWindow, objects: bool = False
) -> FoundPage:
    """The window's ids of the leads the actor may see that match the filters, and their total,
    each branch of the visibility rule paged and counted on its own."""
    branches = see_branches(actor, assigned_only=filters.assigned_only)
    if branches is not None and not branches:  # the actor sees no lead of the kind asked for
        return FoundPage([], 0)
    if branches is not None:
        page = _page_by_shape(actor, filters, branches, window, objects)
        if page is not None:
            return page
    placed = _placed_as_asked(actor, filters)
    places = visible_places(actor).filter(placed) if filters.on_places_only else None
    if branches is None:  # one query is the better plan
        return _merged_page([filtered_leads(actor, filters, placed=placed)], window, places)
    matching = filtered_leads(actor, filters, base=account_leads(actor), placed=placed)
    return _merged_page([matching.filter(branch) for branch in branches], window, places)


# The pages of unfiltered lists of every lead of an account (`_whole_account_page`), compiled
# once each: by database, which leads, order, direction, offset and limit. Emptied when full.
_whole_account_pages: dict[tuple[Any, ...], Statement] = {}
_whole_account_pages_lock = threading.Lock()


def _whole_account_page(
    using: str,
    filters: LeadFilter,
    order: str,
    direction: str,
    offset: int,
    limit: int,
    objects: bool,
) -> Statement:
    """The statement of one page of an unfiltered list of the leads of an account (ACCOUNT),
    for a user who sees all of them, in a mergeable order: the ordered scan of one index (two
    for a nullable column), whose building took longer than its run; its total is the
    account's lead tally's, and with `objects` the page's leads' objects are read with it."""
    asked = (filters.include_unassigned, filters.unassigned_only)
    key = (using, *asked, order, direction, offset, limit, objects)
    page = _whole_account_pages.get(key)
    if page is None:
        # Only which leads (assigned, unassigned or all) is read of the filters: no actor.
        unfiltered = LeadFilter(
            include_unassigned=filters.include_unassigned, unassigned_only=filters.unassigned_only
        )
        leads = live_leads_of(marker("ACCOUNT")).filter(_owned_as_asked(unfiltered)).using(using)
        window = PageWindow(ORDERINGS[order], direction, offset, limit)
        total = _tallied_sql(using, unfiltered)
        merged = _merged_statement([leads], window, total=total, objects=objects)
        assert merged is not None  # the account's leads hold no condition that is never met
        page = Statement.of(*merged)
        with _whole_account_pages_lock:
            if len(_whole_account_pages) >= MAX_PAGE_SHAPES:
                _whole_account_pages.clear()
            _whole_account_pages[key] = page
    return page


def _lists_whole_account(actor: Actor, filters: LeadFilter) -> bool:
    """Whether the list is every live lead of the account (or every assigned one, or the whole
    unassigned pool) for a user who sees all of them: its total is the account's tally's."""
    return not filters.narrows and sees_every_lead(actor, assigned_only=filters.assigned_only)


def _tallied_leads(filters: LeadFilter) -> QuerySet[LeadTally, Any]:
    """The account's (ACCOUNT) tally of the leads the filters choose, as a row of `n`."""
    if filters.unassigned_only:
        counted: Any = F("live") - F("assigned")
    else:
        counted = F("assigned") if filters.assigned_only else F("live")
    return LeadTally.objects.filter(account_id=marker("ACCOUNT")).values(n=counted)


def _compiled_tally(include_unassigned: bool, unassigned_only: bool) -> CompiledValues:
    filters = LeadFilter(include_unassigned=include_unassigned, unassigned_only=unassigned_only)
    return CompiledValues(lambda: _tallied_leads(filters))


# The account's tally of each kind of list of its leads (all, assigned, unassigned), by
# (include_unassigned, unassigned_only).
_TALLIES = {
    (wide, pool): _compiled_tally(wide, pool) for wide in (False, True) for pool in (False, True)
}


def tallied_total(actor: Actor, filters: LeadFilter) -> int | None:
    """How many leads the list has, read from the account's tally when the list is every live
    lead of the account for a user who sees all of them (`_lists_whole_account`); None
    otherwise."""
    if not _lists_whole_account(actor, filters):
        return None
    tally = _TALLIES[filters.include_unassigned, filters.unassigned_only]
    found = tally.rows(router.db_for_read(LeadTally), ACCOUNT=actor.account_id)
    return int(found[0]["n"]) if found else 0


def _tallied_sql(using: str, filters: LeadFilter) -> tuple[str, list[Any]]:
    """The SQL of `tallied_total` (0 for an account that has no tally yet) and its
    parameters, for a statement that reads the total with its page."""
    tally = _tallied_leads(filters).using(using)
    sql, params = tally.query.get_compiler(using=using).as_sql()
    return f"COALESCE(({sql}), 0)", list(params)


def placed_total(actor: Actor, filters: LeadFilter) -> int | None:
    """How many leads the actor sees that match the filters, read from the tallies when every
    filter set is on places and statuses (`on_places_only`); None otherwise."""
    if not filters.on_places_only:
        return None
    tallied = tallied_total(actor, filters)
    if tallied is not None:
        return tallied
    return _live_in(visible_places(actor).filter(_placed_as_asked(actor, filters)))


def _live_in(places: QuerySet[PlaceTally]) -> int:
    """How many live leads the place tally's rows count."""
    return int(places.aggregate(n=Coalesce(Sum("live"), 0))["n"])


def _merged_page(
    parts: list[QuerySet[Lead]],
    window: PageWindow,
    places: QuerySet[PlaceTally] | None = None,
) -> FoundPage:
    """The ids of the window's rows of the disjoint parts taken together, in order, and the
    parts' total, in one statement (`_merged_statement`)."""
    merged = _merged_statement(parts, window, places)
    if merged is None:
        return FoundPage([], 0)
    return _run_merged(parts[0].db, *merged)


def _run_merged(
    using: str, sql: str, params: list[Any], *, prepared: bool = False, objects: bool = False
) -> FoundPage:
    """`prepared`: a shape's statement that one plan suits (BRANCH_INDEXED_COLUMNS), run
    prepared: planning it took as long as running it. `objects`: a statement that reads the
    page's leads' objects too."""
    connection = connections[using]
    with prepared_cursor(connection) if prepared else connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = FoundPage([row[1] for row in rows if row[1] is not None], rows[0][0])
    if objects:
        found.objects = [{"id": row[1], "lead_json": row[2]} for row in rows if row[2] is not None]
    return found


def _objects_fold(using: str, *, prepared: bool) -> bool:
    """Whether a page's statement reads its leads' objects (`_merged_statement`): on
    PostgreSQL, for a statement run prepared. One statement instead of two saves a round trip
    and its Python; a statement planned at each run would plan the objects' part each time,
    which costs more than that (they are read by their own prepared statement then)."""
    return prepared and connections[using].vendor == "postgresql"


# The page's row of the merged statement, that the objects' part reads a lead of.
_PAGE_ID = RawSQL("page.id", (), output_field=BigIntegerField())


@cache
def _page_objects(using: str) -> tuple[str, list[Any]]:
    """The SQL of the object of the live lead of an account (ACCOUNT) that is the page's row
    of a merged statement, as `lead_objects_by_id` reads it, and its parameters."""
    account = marker("ACCOUNT")
    leads = live_leads_of(account).filter(pk=_PAGE_ID).using(using)
    objects = leads.values(lead_json=lead_object(account))
    sql, params = objects.query.get_compiler(using=using).as_sql()
    return sql, list(params)


def _merged_statement(
    parts: list[QuerySet[Lead]],
    window: PageWindow,
    places: QuerySet[PlaceTally] | None = None,
    *,
    total: tuple[str, list[Any]] | None = None,
    objects: bool = False,
) -> tuple[str, list[Any]] | None:
    """The statement of `_merged_page`, None when no part can hold a lead.

    Each part is compiled once by the ORM and used twice: counted (from its index), and
    ordered and cut to its first offset + limit rows; the cut parts are merged by a UNION ALL.
    Composing the statement from the compiled parts costs a fraction of building the same
    subqueries and union as ORM expressions, which on a short page took longer than running
    them. With `places` (the place tally's rows of the same leads), the total is their sum
    instead, exact whatever the cap: a few rows read instead of every lead counted. With `total`
    (its SQL and parameters), the total is that. With `objects` (PostgreSQL), each row holds its
    lead's object too (`_page_objects`), in a third column."""
    connection = connections[parts[0].db]
    sort = "DESC" if window.direction == "desc" else "ASC"
    quoted = [connection.ops.quote_name(column) for column in window.columns]
    # Nulls last both ways, as `ordered` sorts them (the members of a nullable order hold only
    # nulls or only values, each ordered plainly: `_ordered_pieces`).
    nulls = " NULLS LAST" if window.columns[0] in NULLABLE_ORDER_COLUMNS else ""
    terms = [f"{quoted[0]} {sort}{nulls}", *(f"{column} {sort}" for column in quoted[1:])]
    depth = window.offset + window.limit
    counts: list[str] = []
    count_params: list[Any] = []
    members: list[str] = []
    member_params: list[Any] = []
    for part in parts:
        keys = _compiled_keys(part, window.columns)
        if keys is None:  # a condition no lead can meet (an empty list of ids)
            continue
        counts.append(keys[0])
        count_params.extend(keys[1])
        for piece, piece_order in _ordered_pieces(part, window.columns, quoted, sort):
            piece_keys = _compiled_keys(piece, window.columns)
            if piece_keys is None:
                continue
            cut = f"{piece_keys[0]} ORDER BY {piece_order} LIMIT {depth}"
            members.append(f"SELECT * FROM ({cut}) AS part_{len(members)}")
            member_params.extend(piece_keys[1])
    if not members:
        return None
    if total is not None:
        counted, count_params = total
    elif places is not None:
        counted, count_params = _sum_of_places(places)
    elif window.count_cap is None:  # each part counted from its index, the counts added
        counted = " + ".join(
            f"(SELECT COUNT(*) FROM ({sql}) AS counted_{index})" for index, sql in enumerate(counts)
        )
    else:  # the parts' rows counted together up to the cap: it reads cap + 1 rows in all
        together = " UNION ALL ".join(f"SELECT 1 AS one FROM ({sql}) AS part" for sql in counts)
        counted = f"(SELECT COUNT(*) FROM ({together} LIMIT {window.count_cap + 1}) AS counted)"
    columns, joined, object_params = "total_row.n, page.id", "", list[Any]()
    if objects:
        object_sql, object_params = _page_objects(parts[0].db)
        columns += ", objects.lead_json"
        joined = f" LEFT JOIN LATERAL ({object_sql}) AS objects ON TRUE"
    statement = (
        f"SELECT {columns} FROM (SELECT {counted} AS n) AS total_row "
        f"LEFT JOIN (SELECT * FROM ({' UNION ALL '.join(members)}) AS merged "
        f"ORDER BY {', '.join(terms)} LIMIT {window.limit} OFFSET {window.offset}) AS page "
        f"ON 1 = 1{joined} ORDER BY {', '.join(f'page.{term}' for term in terms)}"
    )
    return statement, [*count_params, *member_params, *object_params]


def _compiled_keys(leads: QuerySet[Lead], columns: tuple[str, ...]) -> tuple[str, list[Any]] | None:
    """The SQL of the leads' ordering keys (`columns`) and its parameters; None when no lead
    can meet its conditions."""
    keys = with_order_keys(leads.order_by(), columns).values_list(*columns)
    try:
        sql, params = keys.query.get_compiler(using=keys.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _ordered_pieces(
    part: QuerySet[Lead], columns: tuple[str, ...], quoted: list[str], sort: str
) -> list[tuple[QuerySet[Lead], str]]:
    """The part as what is ordered and cut in the union, each with its ORDER BY: the part
    itself; or, on a nullable first column, its leads that have a value, in plain terms that
    one index reads both ways, and those that do not, by id: they come after the others in
    both directions."""
    plainly = ", ".join(f"{column} {sort}" for column in quoted)
    if columns[0] not in NULLABLE_ORDER_COLUMNS:
        return [(part, plainly)]
    with_value = part.filter(**{f"{columns[0]}__isnull": False})
    without = part.filter(**{f"{columns[0]}__isnull": True})
    return [(with_value, plainly), (without, f"{quoted[-1]} {sort}")]


# The orders in which every branch of the visibility rule is an index-only ordered range of an
# index of its own (their owner's, their team's, the pool's: Lead.Meta.indexes), whatever their
# size: one plan suits every list, so their shaped pages are prepared and keep their generic
# plan. In the other orders, walking an index of the order suits a large branch and sorting the
# branch's leads a small one: those pages are planned for their values at each run. A generic
# plan is made for an account of average size: beside 5,000 small accounts, it sorted the
# largest account's 500,000 unassigned leads by amount (0.6 s instead of 40 ms), and a large
# team's 100,000 leads by id (the team's index by id does not hold the owner the branch tests).
BRANCH_INDEXED_COLUMNS = frozenset({ORDERINGS["last_update"]})


def _sum_of_places(places: QuerySet[PlaceTally]) -> tuple[str, list[Any]]:
    """The SQL of how many leads the place tally's rows count, and its parameters."""
    counts = places.order_by().values_list("live")
    try:
        sql, params = counts.query.get_compiler(using=counts.db).as_sql()
    except EmptyResultSet:  # a condition no row can meet
        return "0", []
    return f"(SELECT CAST(COALESCE(SUM(live), 0) AS BIGINT) FROM ({sql}) AS placed)", list(params)


# The per-branch page statements compiled so far, by shape (`_page_by_shape`); NO_LEADS: a
# shape whose branches can hold no lead. Emptied when full: a shape is a kind of user (their number
# of teams, what the settings open to them), so a process meets a few dozen.
_page_statements: dict[tuple[Any, ...], Statement] = {}
NO_LEADS = Statement("", (), ())
MAX_PAGE_SHAPES = 1_000
_page_statements_lock = threading.Lock()


def _page_by_shape(
    actor: Actor, filters: LeadFilter, branches: list[Q], window: PageWindow, objects: bool
) -> FoundPage | None:
    """`_merged_page` of the branches of an unfiltered list, from a statement compiled once for
    every list of the same shape (the same branches but for their ids: `shape_of`) and run with
    this one's ids: building and compiling the branches' queries was half the Python of a list
    request. None when the list is filtered or a branch is not a plain condition on ids; the
    caller then builds the page's queries as usual."""
    if filters.narrows:
        return None
    shape = shape_of(branches)
    if shape is None:
        return None
    using = router.db_for_read(Lead)
    prepared = window.columns in BRANCH_INDEXED_COLUMNS
    with_objects = objects and _objects_fold(using, prepared=prepared)
    asked = (filters.include_unassigned, filters.unassigned_only)
    key = (using, *asked, shape.key, window, with_objects)
    statement = _page_statements.get(key)
    if statement is None:
        statement = _compiled_page(actor, filters, shape, window, with_objects)
        if statement is not NO_LEADS and statement.names() != {*shape.values, "ACCOUNT"}:
            return None  # the ORM wrote a value into the SQL: this shape is built each time
        with _page_statements_lock:
            if len(_page_statements) >= MAX_PAGE_SHAPES:
                _page_statements.clear()
            _page_statements[key] = statement
    if statement is NO_LEADS:
        return FoundPage([], 0)
    values = {**shape.values, "ACCOUNT": actor.account_id}
    params = statement.bound(connections[using].vendor, values)
    return _run_merged(using, statement.sql, params, prepared=prepared, objects=with_objects)


def _compiled_page(
    actor: Actor, filters: LeadFilter, shape: Shape, window: PageWindow, objects: bool
) -> Statement:
    """The merged page's statement of the shape's templates, with markers for the account and
    the branches' ids; NO_LEADS when no lead can match."""
    placed = _placed_as_asked(actor, filters)
    matching = filtered_leads(actor, filters, base=live_leads_of(marker("ACCOUNT")), placed=placed)
    parts = [matching.filter(template) for template in shape.templates]
    seen = Q(*shape.templates, _connector=Q.OR)
    places = places_of(marker("ACCOUNT")).filter(placed, seen)
    merged = _merged_statement(parts, window, places, objects=objects)
    return NO_LEADS if merged is None else Statement.of(*merged)


# What a list of leads shows of each: the lead's own columns, its step's, owner's and team's
# names. Reading only these makes a page's fifty leads (and their relations) a third cheaper
# to build than whole rows.
LIST_COLUMNS = (
    "title",
    "status",
    "starred",
    "amount",
    "currency",
    "next_action_at",
    "updated_at",
    "step_id",
    "owner_id",
    "team_id",
    "step__name",
    "step__pipeline_id",
    "step__pipeline__name",
    "owner__first_name",
    "owner__last_name",
    "owner__email",
    "team__name",
)


def list_leads_by_id(actor: Actor, ids: list[int]) -> list[Lead]:
    """The leads of these ids, which the access rules chose already (the ids of a page that
    `find_page` found), in the ids' order, with what a list shows of them (LIST_COLUMNS,
    `with_relations`): the actor's account only, whoever asks."""
    found = with_relations(account_leads(actor)).only(*LIST_COLUMNS).in_bulk(ids)
    return [found[lead_id] for lead_id in ids if lead_id in found]


def with_relations(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """What serializing a page of leads reads, fetched in a fixed number of queries."""
    return leads.select_related("step__pipeline", "owner", "team").prefetch_related(
        Prefetch("tag_rows", queryset=LeadTag.objects.order_by("name"))
    )


def lead_history(lead: Lead, *, newest_first: bool = True) -> QuerySet[LeadHistory]:
    """A lead's history with who did each change."""
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    return LeadHistory.objects.filter(lead=lead).select_related("actor").order_by(*order)


def lead_comments(lead: Lead, *, newest_first: bool = True) -> QuerySet[Comment]:
    """A lead's comments and activities, with their authors and activity types."""
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    return (
        Comment.objects.filter(account_id=lead.account_id, lead=lead)
        .select_related("author", "lead", "activity")
        .order_by(*order)
    )


def bin_leads(actor: Actor) -> QuerySet[Lead]:
    """The bin as the actor sees it (only what they may restore), most recently deleted first."""
    return binned_leads_for(actor).order_by("-deleted_at", "-id")


def bin_page(actor: Actor, *, offset: int, limit: int) -> tuple[list[LeadRow], int]:
    """One page of the bin as rows, and the bin's size."""
    leads = bin_leads(actor)
    total = leads.count()
    ids = list(leads.values_list("pk", flat=True)[offset : offset + limit])
    by_id = {row["id"]: row for row in lead_rows(leads.filter(pk__in=ids))}
    return [by_id[lead_id] for lead_id in ids], total


def lead_detail_row(actor: Actor, lead_id: int) -> LeadRow:
    """One lead the actor may see, as a row with its owner; 404 as if it did not exist. The row
    is read by its id (a statement compiled once) and the rules asked of its owner and team in
    Python: building the visibility query for one lead cost more than running it."""
    rows = lead_rows_by_id(actor, [lead_id], with_owner=True)
    if not rows or not can(actor, Action.SEE, LeadIds(rows[0]["owner_id"], rows[0]["team_id"])):
        raise NotFound("Lead")
    return rows[0]


def lead_row_after_write(actor: Actor, lead_id: int) -> LeadRow:
    """The lead the actor has just written, as a row with its owner, even when the write took it
    out of their sight: the answer to the write itself."""
    (row,) = lead_rows_by_id(actor, [lead_id], with_owner=True)
    return row


def lead_page_lead(actor: Actor, lead_id: int) -> Lead | None:
    """A lead the actor may see, with what its page shows; None when it is not visible."""
    return with_relations(leads_for(actor)).filter(pk=lead_id).first()


# --- A lead's timeline: its activities, comments and changes, newest first ------------------


class TimelineShown(StrEnum):
    """Which entries a lead's timeline shows."""

    ALL = "all"
    ACTIVITIES = "activities"  # comments with an activity type
    COMMENTS = "comments"  # comments without one
    CHANGES = "changes"  # history entries


# At the same instant a comment comes before a change (it is usually what explains it).
_CHANGE_RANK, _COMMENT_RANK = 0, 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TimelineCursor:
    """Where a timeline page starts: the entries strictly older than this one, in the
    timeline's order (instant, then comments before changes, then id, all descending)."""

    micros: int  # the entry's instant, in microseconds since 1970 (UTC)
    rank: int
    id: int

    def __str__(self) -> str:
        return f"{self.micros}-{self.rank}-{self.id}"

    @classmethod
    def parse(cls, text: str) -> "TimelineCursor | None":
        """The cursor a "show more" link carries; None for anything else."""
        parts = text.split("-")
        if len(parts) != 3 or not all(part.isdigit() for part in parts):
            return None
        micros, rank, row_id = (int(part) for part in parts)
        if rank not in (_CHANGE_RANK, _COMMENT_RANK) or micros > _MAX_MICROS:
            return None
        return cls(micros, rank, row_id)

    @property
    def instant(self) -> datetime:
        return _EPOCH + timedelta(microseconds=self.micros)

    def older(self, rank: int) -> Q:
        """The rows of the given rank that come after this cursor (are older)."""
        instant = self.instant
        earlier = Q(created_at__lt=instant)
        if rank < self.rank:
            return earlier | Q(created_at=instant)
        if rank == self.rank:
            return earlier | Q(created_at=instant, id__lt=self.id)
        return earlier


_MAX_MICROS = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class TimelineEntry:
    """One entry: an activity or a comment (`comment`), or a change (`change`)."""

    comment: Comment | None = None
    change: LeadHistory | None = None

    @property
    def row(self) -> Comment | LeadHistory:
        row = self.comment or self.change
        assert row is not None
        return row

    @property
    def kind(self) -> str:
        """activity, comment or change"""
        if self.comment is None:
            return "change"
        return "activity" if self.comment.activity_id is not None else "comment"

    @property
    def cursor(self) -> TimelineCursor:
        row = self.row
        rank = _CHANGE_RANK if self.comment is None else _COMMENT_RANK
        return TimelineCursor((row.created_at - _EPOCH) // timedelta(microseconds=1), rank, row.pk)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    more: TimelineCursor | None  # where the next page starts; None: nothing older


def lead_timeline(
    lead: Lead, *, shown: TimelineShown, before: TimelineCursor | None, limit: int
) -> TimelinePage:
    """Up to `limit` entries of a lead's timeline (of a lead the reader sees), newest first,
    older than `before` if given: at most two queries, whatever the length of the history,
    each an ordered range scan of the lead's comments or history index."""
    fetched: list[TimelineEntry] = []
    if shown != TimelineShown.CHANGES:
        comments = lead_comments(lead)
        if shown == TimelineShown.ACTIVITIES:
            comments = comments.filter(activity__isnull=False)
        elif shown == TimelineShown.COMMENTS:
            comments = comments.filter(activity__isnull=True)
        if before is not None:
            comments = comments.filter(before.older(_COMMENT_RANK))
        fetched += [TimelineEntry(comment=row) for row in comments[: limit + 1]]
    if shown in (TimelineShown.ALL, TimelineShown.CHANGES):
        changes = lead_history(lead)
        if before is not None:
            changes = changes.filter(before.older(_CHANGE_RANK))
        fetched += [TimelineEntry(change=row) for row in changes[: limit + 1]]
    fetched.sort(key=lambda entry: astuple(entry.cursor), reverse=True)
    entries = fetched[:limit]
    more = entries[-1].cursor if len(fetched) > limit else None
    return TimelinePage(entries, more)


# --- The pipeline board and the to-do list --------------------------------------------------


@dataclass
class BoardColumn:
    """A step of the pipeline board: how many open leads and how much, and its first cards."""

    step: Step
    count: int
    amount: Decimal
    cards: list[Lead]


def pipeline_board(
    actor: Actor, pipeline: Pipeline, steps: list[Step], *, mine: bool, cards_per_step: int
) -> list[BoardColumn]:
    """The open leads the actor may see in each of the pipeline's `steps` (with `mine`, only
    theirs), counted and summed per step, and the most recently updated of them."""
    leads = leads_for(actor).filter(step__pipeline=pipeline, status__in=OPEN_STATUSES)
    if mine:
        leads = leads.filter(owner_id=actor.user_id)
    totals = _open_totals_per_step(actor, leads, [step.pk for step in steps], mine=mine)
    # One short query per step rather than one window over every open lead: each stops after a
    # few rows of an ordered scan, however many leads the pipeline holds.
    cards = with_relations(leads).order_by("-updated_at", "-id")
    columns = []
    for step in steps:
        total = totals.get(step.pk, {})
        columns.append(
            BoardColumn(
                step=step,
                count=total.get("count", 0),
                amount=total.get("amount") or Decimal(0),
                cards=list(cards.filter(step=step)[:cards_per_step]),
            )
        )
    return columns


def _open_totals_per_step(
    actor: Actor, open_leads: QuerySet[Lead], step_ids: list[int], *, mine: bool
) -> dict[int, dict[str, Any]]:
    """Per step: how many of `open_leads` (the open leads the actor sees in those steps, or
    their own) and their amount. From the open pipeline's figures (a few rows, where counting
    took seconds at ten million leads): of the account, or of its teams and owners that the
    visibility rule names. Counted when the rule names anything else."""
    sums: dict[int, dict[str, int]] | None
    # One always sees one's own leads: `mine` is the figures of one owner, whoever asks.
    if sees_every_lead(actor, assigned_only=False) or (mine and actor.user_id is not None):
        level = Level(actor.account_id, None, actor.user_id if mine else None, step_ids)
        sums = open_sums(level)
    else:
        sums = open_sums_where(actor.account_id, see_filter(actor), step_ids)
    if sums is not None:
        return {
            step_id: {"count": row["count"], "amount": Decimal(row["cents"]).scaleb(-2)}
            for step_id, row in sums.items()
        }
    per_step = open_leads.order_by().values("step_id")
    counted = per_step.annotate(count=Count("pk"), amount=Sum("amount"))
    return {row["step_id"]: dict(row) for row in counted}


def todo_leads(actor: Actor) -> QuerySet[Lead]:
    """The actor's open leads that have a reminder (the to-do list), with what a row shows."""
    leads = filtered_leads(
        actor, LeadFilter(user=actor.user_id, status=[Status.TODO, Status.STANDBY])
    )
    # With what is planned: the activity type of each reminder, in the same query.
    return with_relations(leads.filter(next_action_at__isnull=False)).select_related(
        "remind_activity"
    )


def unassigned_pool_filter(filters: LeadFilter) -> LeadFilter:
    """The filters of the unassigned pool: the unassigned leads the reader may dispatch (those
    they see) that match `filters` (a team, a step, tags, words), whoever else is asked for."""
    return replace(filters, unassigned_only=True, user=None)


def lead_counts_per_team(actor: Actor) -> dict[int, int]:
    """How many leads the actor sees in each team (teams without any are left out), from the
    place tally."""
    per_team = visible_places(actor).filter(team__isnull=False).order_by().values_list("team_id")
    return {team: n for team, n in per_team.annotate(n=Sum("live")) if n}


def lead_count_in_team(actor: Actor, team_id: int) -> int:
    """How many leads of the team the actor sees, from the place tally."""
    return _live_in(visible_places(actor).filter(team_id=team_id))


def lead_counts_per_step(actor: Actor) -> dict[int, int]:
    """How many leads the actor sees in each step (steps without any are left out): from the
    statistics figures when they see every lead of the account (a few thousand rows, where
    counting ten million leads took over a second)."""
    if sees_every_lead(actor, assigned_only=False):
        return live_leads_per_step(actor.account_id)
    return dict(leads_for(actor).order_by().values_list("step_id").annotate(n=Count("pk")))


def bin_lead_list(actor: Actor, *, offset: int, limit: int) -> tuple[list[Lead], int]:
    """One page of the bin, as the bin page shows it (owner, team, step), and its size."""
    leads = bin_leads(actor)
    page = leads.select_related("owner", "team", "step")[offset : offset + limit]
    return list(page), leads.count()
