"""Reads of leads: every one starts from the access policy's queryset."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connections
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields import DecimalField
from django.db.models.functions import Coalesce

from leadcrew.access.actor import Actor
from leadcrew.access.branches import see_branches
from leadcrew.access.policy import Action, account_leads, binned_leads_for, leads_for
from leadcrew.accounts.models import Account
from leadcrew.core.errors import BadParameterFormat
from leadcrew.leads.models import Comment, Lead, LeadHistory, LeadTag, Status
from leadcrew.leads.services import resolve_step, resolve_team, resolve_user

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
}


@dataclass
class LeadFilter:
    """The filters of GET /leads, already parsed (ids and names still to be resolved)."""

    status: list[str] = field(default_factory=list)
    step: list[str] = field(default_factory=list)
    starred: bool | None = None
    user: int | str | None = None
    team_id: int | None = None
    tags: list[str] = field(default_factory=list)
    email: str | None = None
    updated_after: datetime | None = None
    q: str | None = None
    include_unassigned: bool = False
    unassigned_only: bool = False

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
            f"status: unknown status '{unknown[0]}' (expected {', '.join(Status.values)}).",
            field="status",
        )
    return statuses


def filtered_leads(
    actor: Actor, filters: LeadFilter, base: QuerySet[Lead] | None = None
) -> QuerySet[Lead]:
    """The leads of `base` (by default, those the actor may see) that match the filters."""
    leads = leads_for(actor, Action.SEE) if base is None else base
    if filters.unassigned_only:
        leads = leads.filter(owner__isnull=True)
    elif not filters.include_unassigned and filters.user is None:
        leads = leads.filter(owner__isnull=False)
    if filters.status:
        leads = leads.filter(status__in=filters.status)
    if filters.step:
        step_ids = [resolve_step(actor.account_id, ref).pk for ref in filters.step]
        leads = leads.filter(step_id__in=step_ids)
    if filters.starred is not None:
        leads = leads.filter(starred=filters.starred)
    if filters.user is not None:
        leads = leads.filter(owner_id=resolve_user(actor, filters.user).pk)
    if filters.team_id is not None:
        leads = leads.filter(team_id=resolve_team(actor, filters.team_id).pk)
    for tag in filters.tags:
        tagged = LeadTag.objects.filter(account_id=actor.account_id, name=tag)
        leads = leads.filter(pk__in=tagged.values("lead_id"))
    if filters.email:
        leads = leads.filter(description__icontains=filters.email)
    if filters.updated_after is not None:
        leads = leads.filter(updated_at__gt=filters.updated_after)
    if filters.q:
        leads = leads.filter(Q(title__icontains=filters.q))
    return leads


# Ordering columns that may hold NULL. Only these say where NULLs go: on a NOT NULL column,
# NULLS LAST changes no result but keeps PostgreSQL from walking a plain (DESC) index in order,
# and a page of a million leads becomes a full sort.
NULLABLE_ORDER_COLUMNS = frozenset({"next_action_at"})


def ordered(leads: QuerySet[Lead], order: str, direction: str) -> QuerySet[Lead]:
    columns = ORDERINGS[order]
    if order == "probalized_amount":
        leads = leads.annotate(
            probalized_amount=ExpressionWrapper(
                F("amount") * F("probability"), output_field=DecimalField()
            )
        )
    terms = []
    for column in columns:
        nulls_last = True if column in NULLABLE_ORDER_COLUMNS else None
        if direction == "desc":
            terms.append(F(column).desc(nulls_last=nulls_last))
        else:
            terms.append(F(column).asc(nulls_last=nulls_last))
    return leads.order_by(*terms)


# Orderings on NOT NULL lead columns only: a page merged from several branches can be ordered by
# them in the database's UNION, or in Python where the database cannot order a UNION's members.
MERGEABLE_ORDERS = frozenset(
    {"id", "creation_date", "last_update", "amount", "probability", "alphabetically"}
)
# Past this depth every branch returns the whole prefix of its leads: one query is no worse.
MAX_MERGED_WINDOW = 20_000


@dataclass
class LeadPage:
    leads: list[Lead]
    total: int  # before paging


def lead_page(
    actor: Actor, filters: LeadFilter, *, order: str, direction: str, offset: int, limit: int
) -> LeadPage:
    """One page of the leads the actor may see that match the filters, and their total.

    For a user who sees part of the account, each branch of the visibility rule (their leads,
    each visible team's) is paged and counted on its own and the results merged: one ordered
    scan of at most `offset + limit` rows per branch instead of a walk through the account, and
    a sum of per-branch counts (performance.md). The answer is the plain query's, which every
    other case (admins, unusual orderings, deep pages) still runs."""
    branches = None
    if order in MERGEABLE_ORDERS and offset + limit <= MAX_MERGED_WINDOW:
        branches = see_branches(actor, assigned_only=filters.assigned_only)
    if branches == []:  # the actor sees no lead of the kind asked for
        return LeadPage([], 0)
    if branches is None or len(branches) == 1:
        # One branch: its own condition, without the whole rule's OR.
        base = None if branches is None else account_leads(actor).filter(branches[0])
        leads = filtered_leads(actor, filters, base)
        total = leads.count()
        page = ordered(list_relations(leads), order, direction)[offset : offset + limit]
        return LeadPage(list(page), total)
    matching = filtered_leads(actor, filters, base=account_leads(actor))
    parts = [matching.filter(branch) for branch in branches]
    total = _total(actor, parts)
    ids = _merged_ids(parts, order, direction, offset, limit) if total > offset else []
    found = list_relations(account_leads(actor).filter(pk__in=ids))
    by_id = {lead.pk: lead for lead in found}
    return LeadPage([by_id[lead_id] for lead_id in ids], total)


def _total(actor: Actor, parts: list[QuerySet[Lead]]) -> int:
    """The parts' counts added up, in one round trip: a scalar subquery each (each answered
    from an index), selected from the actor's account row."""
    counts = {
        f"part_{index}": Coalesce(
            Subquery(
                part.order_by()
                .annotate(whole=Value(1))
                .values("whole")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        for index, part in enumerate(parts)
    }
    row = Account.objects.filter(pk=actor.account_id).annotate(**counts).values_list(*counts)
    return sum(row.get())


def _merged_ids(
    parts: list[QuerySet[Lead]], order: str, direction: str, offset: int, limit: int
) -> list[int]:
    """The ids of rows offset to offset + limit of the disjoint parts taken together, in order."""
    columns = ORDERINGS[order]  # the last one is always "id"
    window = offset + limit
    keys = [ordered(part, order, direction).values_list(*columns) for part in parts]
    if len(keys) == 1:
        return [row[-1] for row in keys[0][offset:window]]
    if connections[parts[0].db].features.supports_slicing_ordering_in_compound:
        limited = [query[:window] for query in keys]
        union = limited[0].union(*limited[1:], all=True)
        prefix = "-" if direction == "desc" else ""
        rows = union.order_by(*(prefix + column for column in columns))[offset:window]
        return [row[-1] for row in rows]
    # SQLite orders no member of a UNION: merge the top rows of each branch here. The columns
    # hold no NULL, and compare in Python as in SQLite (numbers, datetimes, text by code point).
    merged = sorted((row for query in keys for row in query[:window]), reverse=direction == "desc")
    return [row[-1] for row in merged[offset:window]]


def list_relations(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """What a list row shows (`with_relations` without the owner, of whom it shows the id)."""
    return leads.select_related("step__pipeline", "team").prefetch_related(
        Prefetch("tag_rows", queryset=LeadTag.objects.order_by("name"))
    )


def with_relations(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """What serializing a page of leads reads, fetched in a fixed number of queries."""
    return leads.select_related("step__pipeline", "owner", "team").prefetch_related(
        Prefetch("tag_rows", queryset=LeadTag.objects.order_by("name"))
    )


def lead_history(lead: Lead) -> QuerySet[LeadHistory]:
    return LeadHistory.objects.filter(lead=lead).order_by("-created_at", "-id")


def lead_comments(lead: Lead) -> QuerySet[Comment]:
    return Comment.objects.filter(lead=lead).order_by("-created_at", "-id")


def bin_leads(actor: Actor) -> QuerySet[Lead]:
    """The bin as the actor sees it (only what they may restore), most recently deleted first."""
    return with_relations(binned_leads_for(actor)).order_by("-deleted_at", "-id")
