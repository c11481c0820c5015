"""Reads of leads: every one starts from the access policy's queryset."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.db.models.fields import DecimalField

from leadcrew.access.actor import Actor
from leadcrew.access.policy import Action, binned_leads_for, leads_for
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


def ordered(leads: QuerySet[Lead], order: str, direction: str) -> QuerySet[Lead]:
    columns = ORDERINGS[order]
    if order == "probalized_amount":
        leads = leads.annotate(
            probalized_amount=ExpressionWrapper(
                F("amount") * F("probability"), output_field=DecimalField()
            )
        )
    if direction == "desc":
        return leads.order_by(*(F(column).desc(nulls_last=True) for column in columns))
    return leads.order_by(*(F(column).asc(nulls_last=True) for column in columns))


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
