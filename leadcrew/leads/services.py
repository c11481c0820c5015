"""Writes on leads. Every one starts from the access policy and runs in one transaction."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.access.policy import (
    Action,
    Assignee,
    Destination,
    assign_reasons,
    binned_leads_for,
    lead_for,
    place_reasons,
    system_binned_leads,
    system_leads,
)
from leadcrew.accounts.models import Account, User
from leadcrew.core.errors import Forbidden, InvalidParameter, MissingParameter, NotFound
from leadcrew.leads.models import (
    CLOSED_STATUSES,
    Comment,
    HistoryAction,
    Lead,
    LeadHistory,
    LeadTag,
    Pipeline,
    Status,
    Step,
)
from leadcrew.teams.models import Membership, Team

# How long a deleted lead stays in the bin, restorable, before it is purged (product.md §5).
BIN_RETENTION = timedelta(days=30)
# Leads purged per transaction: bounds the locks held and the memory used by one batch.
PURGE_BATCH = 1000

# Fields a lead's editor may change; owner and team follow their own rules.
EDITABLE_FIELDS = (
    "title",
    "description",
    "amount",
    "probability",
    "currency",
    "status",
    "step",
    "tags",
    "starred",
    "remind_date",
    "remind_time",
    "estimated_closing_date",
    "created_at",
    "closed_at",
)


@dataclass(frozen=True)
class _Draft:
    """The facts the rules read, for a lead that does not exist yet."""

    owner_id: int | None
    team_id: int | None


# --- Resolving references -------------------------------------------------------------------


def resolve_user(actor: Actor, ref: int | str, *, field: str = "user_id") -> User:
    """A user of the actor's account, by id or e-mail (as everywhere in the reference API)."""
    users = User.objects.filter(account_id=actor.account_id)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        user = users.filter(pk=int(ref)).first()
    else:
        user = users.filter(email__iexact=str(ref).strip()).first()
    if user is None:
        raise InvalidParameter(field, "no such user in this account.")
    return user


def assignee_of(user: User) -> Assignee:
    team_ids = Membership.objects.filter(user=user).values_list("team_id", flat=True)
    return Assignee(user_id=user.pk, is_active=not user.is_disabled, team_ids=frozenset(team_ids))


def resolve_team(actor: Actor, team_id: int, *, field: str = "team_id") -> Team:
    if not actor.settings.teams_on:
        raise Forbidden("Teams are turned off for this account.")
    team = Team.objects.filter(account_id=actor.account_id, pk=team_id).first()
    if team is None:
        raise InvalidParameter(field, "no such team in this account.")
    return team


def destination_of(team: Team | None) -> Destination:
    if team is None:
        return Destination(team_id=None)
    members = Membership.objects.filter(team=team).values_list("user_id", flat=True)
    return Destination(team_id=team.pk, member_ids=frozenset(members))


def resolve_step(account_id: int, ref: int | str, *, field: str = "step") -> Step:
    """A step by id, or by name (preferring the default pipeline when names repeat)."""
    steps = Step.objects.filter(account_id=account_id).select_related("pipeline")
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        step = steps.filter(pk=int(ref)).first()
    else:
        step = (
            steps.filter(name__iexact=str(ref).strip())
            .order_by("-pipeline__is_default", "pipeline__position", "position")
            .first()
        )
    if step is None:
        raise InvalidParameter(field, "no such step in this account.")
    return step


def first_step_of_default_pipeline(account_id: int) -> Step:
    pipeline = Pipeline.objects.filter(account_id=account_id, is_default=True).first()
    step = pipeline.steps.order_by("position", "id").first() if pipeline else None
    if step is None:
        raise Forbidden("The default pipeline has no step: an admin must add one first.")
    return step


def normalize_tags(tags: Iterable[str] | str | None) -> list[str]:
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: dict[str, None] = {}
    for item in items:
        name = str(item).strip()
        if len(name) > 100:
            raise InvalidParameter("tags", "a tag is at most 100 characters.")
        if name:
            seen.setdefault(name, None)
    return list(seen)


# --- Dates of reminders and closing ---------------------------------------------------------


def next_action_at(account: Account, remind_date: date | None, remind_time: time | None) -> Any:
    """The reminder as an instant: its date and time (midnight if none) in the account's zone."""
    if remind_date is None:
        return None
    local = datetime.combine(remind_date, remind_time or time(0, 0), tzinfo=account.zone)
    return local.astimezone(UTC)


def _check_remind_time(value: time | None) -> None:
    if value is not None and (value.minute % 15 or value.second or value.microsecond):
        raise InvalidParameter("remind_time", "reminders fall on 15-minute steps (e.g. 09:15).")


# --- History --------------------------------------------------------------------------------


def _history(
    actor: Actor, lead: Lead, action: str, old: object = None, new: object = None
) -> LeadHistory:
    return LeadHistory(
        account_id=lead.account_id,
        lead=lead,
        actor_id=actor.user_id,
        action=action,
        old_value=None if old is None else str(old)[:255],
        new_value=None if new is None else str(new)[:255],
    )


def _user_label(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    return (user.full_name or user.email) if user else None


def _team_label(team_id: int | None) -> str | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    return team.name if team else None


# --- Create ---------------------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor: Actor, data: dict[str, Any], created_from: str = "api") -> Lead:
    """A new lead. Without `user_id`, a user owns what they create and an API key leaves it
    unassigned; with a team, the placement rule applies as if the creator had made it first."""
    account = actor.account
    if not str(data.get("title") or "").strip():
        raise MissingParameter("title")

    team = None
    if data.get("team_id") is not None:
        team = resolve_team(actor, data["team_id"])
        draft = _Draft(owner_id=actor.user_id, team_id=None)
        if not place_reasons(actor, draft, destination_of(team)):
            raise Forbidden("You may not create leads in this team.")

    owner_id = actor.user_id
    if "user_id" in data:
        owner_id = None
        if data["user_id"] is not None:
            owner = resolve_user(actor, data["user_id"])
            owner_id = owner.pk
            draft = _Draft(owner_id=None, team_id=team.pk if team else None)
            if owner.pk != actor.user_id and not assign_reasons(actor, draft, assignee_of(owner)):
                raise Forbidden("You may not give this lead to that user.")
            if owner.is_disabled:
                raise InvalidParameter("user_id", "this user is disabled.")

    step = (
        resolve_step(account.pk, data["step"])
        if data.get("step") is not None
        else first_step_of_default_pipeline(account.pk)
    )
    now = timezone.now()
    lead = Lead(
        account=account,
        title=str(data["title"]).strip(),
        description=data.get("description") or "",
        amount=Decimal(data.get("amount") or 0),
        probability=int(data.get("probability") or 0),
        currency=data.get("currency") or account.currency,
        status=data.get("status") or Status.TODO,
        step=step,
        owner_id=owner_id,
        team=team,
        starred=bool(data.get("starred")),
        remind_date=data.get("remind_date"),
        remind_time=data.get("remind_time"),
        estimated_closing_date=data.get("estimated_closing_date"),
        created_from=created_from,
        created_at=data.get("created_at") or now,
        closed_at=data.get("closed_at"),
        created_by_id=actor.user_id,
        updated_at=now,
    )
    _settle_lifecycle(account, lead, status_changed=True, closed_at_given="closed_at" in data)
    if lead.owner_id is None and team is not None and team.round_robin:
        lead.owner_id = _next_round_robin_owner(team)
    lead.save()
    LeadTag.objects.bulk_create(
        LeadTag(account_id=account.pk, lead=lead, name=name)
        for name in normalize_tags(data.get("tags"))
    )
    LeadHistory.objects.bulk_create([_history(actor, lead, HistoryAction.CREATED, new=lead.title)])
    return lead


def _next_round_robin_owner(team: Team) -> int | None:
    """The team's next active member after the last one served, in membership order."""
    members = list(
        Membership.objects.filter(team=team, user__is_disabled=False)
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )
    if not members:
        return None
    last = team.last_dispatched_to_id
    following = members.index(last) + 1 if last in members else 0
    chosen = members[following % len(members)]
    Team.objects.filter(pk=team.pk).update(last_dispatched_to_id=chosen)
    return chosen


def _settle_lifecycle(
    account: Account, lead: Lead, *, status_changed: bool, closed_at_given: bool
) -> None:
    """The status rules of product.md §5, applied to a lead about to be saved."""
    _check_remind_time(lead.remind_time)
    if lead.status == Status.STANDBY and lead.remind_date is None:
        raise MissingParameter("remind_date")
    if lead.status in CLOSED_STATUSES:
        if lead.closed_at is None:
            lead.closed_at = timezone.now()
    elif status_changed or closed_at_given:
        if closed_at_given and lead.closed_at is not None:
            raise InvalidParameter("closed_at", "only a won, lost or cancelled lead has one.")
        lead.closed_at = None
    if lead.closed_at is not None and lead.closed_at < lead.created_at:
        raise InvalidParameter("closed_at", "cannot be before created_at.")
    lead.next_action_at = next_action_at(account, lead.remind_date, lead.remind_time)


# --- Update ---------------------------------------------------------------------------------


@transaction.atomic
def lead_update(*, actor: Actor, lead_id: int, data: dict[str, Any]) -> Lead:
    """A partial update: only the keys present in `data` change. Editing fields needs the edit
    right; `team_id` goes through the placement rule, then `user_id` through the assign rule."""
    editing = any(key in data for key in EDITABLE_FIELDS)
    lead = lead_for(actor, lead_id, Action.EDIT if editing else Action.SEE, for_update=True)
    history: list[LeadHistory] = []
    if "team_id" in data:
        _apply_team(actor, lead, data["team_id"], history)
    if "user_id" in data:
        _apply_owner(actor, lead, data["user_id"], history)
    _apply_fields(actor, lead, data, history)

    lead.updated_at = timezone.now()
    lead.save()
    LeadHistory.objects.bulk_create(history)
    return lead


def _apply_team(actor: Actor, lead: Lead, team_id: int | None, history: list[LeadHistory]) -> None:
    team = resolve_team(actor, team_id) if team_id is not None else None
    if not actor.settings.teams_on:
        raise Forbidden("Teams are turned off for this account.")
    # Rights first, even for a no-op: the answer must not depend on the lead's current team.
    if not place_reasons(actor, lead, destination_of(team)):
        raise Forbidden("You may not move this lead to that team.")
    if lead.team_id == (team.pk if team else None):
        return
    history.append(
        _history(actor, lead, HistoryAction.TEAM, _team_label(lead.team_id), _team_label(team_id))
    )
    lead.team = team


def _apply_owner(
    actor: Actor, lead: Lead, user_ref: int | str | None, history: list[LeadHistory]
) -> None:
    assignee = None
    new_owner_id = None
    if user_ref is not None:
        user = resolve_user(actor, user_ref)
        if user.is_disabled:
            raise InvalidParameter("user_id", "this user is disabled.")
        assignee, new_owner_id = assignee_of(user), user.pk
    if not assign_reasons(actor, lead, assignee):
        raise Forbidden("You may not assign this lead to that user.")
    if lead.owner_id == new_owner_id:
        return
    history.append(
        _history(
            actor, lead, HistoryAction.OWNER, _user_label(lead.owner_id), _user_label(new_owner_id)
        )
    )
    lead.owner_id = new_owner_id


def _apply_fields(
    actor: Actor, lead: Lead, data: dict[str, Any], history: list[LeadHistory]
) -> None:
    old_status, old_step_id, old_amount = lead.status, lead.step_id, lead.amount
    for field in ("title", "description", "probability", "starred", "estimated_closing_date"):
        if field in data:
            value = data[field]
            if field == "title" and not str(value or "").strip():
                raise MissingParameter("title")
            if value is None and field in ("probability", "starred"):
                raise InvalidParameter(field, "cannot be null.")
            setattr(lead, field, value if value is not None or field != "description" else "")
    for field in ("remind_date", "remind_time", "created_at", "closed_at", "currency"):
        if field in data:
            if field in ("created_at", "currency") and data[field] is None:
                raise InvalidParameter(field, "cannot be null.")
            setattr(lead, field, data[field])
    if "amount" in data:
        if data["amount"] is None:
            raise InvalidParameter("amount", "cannot be null.")
        lead.amount = data["amount"]
    if "status" in data:
        if data["status"] is None:
            raise InvalidParameter("status", "cannot be null.")
        lead.status = data["status"]
    if "step" in data and data["step"] is not None:
        step = resolve_step(lead.account_id, data["step"])
        if step.pk != old_step_id and lead.owner_id is None:
            raise Forbidden("An unassigned lead cannot change step: assign it first.")
        lead.step = step
    _settle_lifecycle(
        actor.account,
        lead,
        status_changed=lead.status != old_status,
        closed_at_given="closed_at" in data,
    )
    if "tags" in data:
        _replace_tags(lead, normalize_tags(data["tags"]))
    if lead.status != old_status:
        history.append(_history(actor, lead, HistoryAction.STATUS, old_status, lead.status))
    if lead.step_id != old_step_id:
        old_step = Step.objects.filter(pk=old_step_id).first()
        history.append(_history(actor, lead, HistoryAction.STEP, old_step, lead.step.name))
    if Decimal(lead.amount) != Decimal(old_amount):
        history.append(_history(actor, lead, HistoryAction.AMOUNT, old_amount, lead.amount))


def _replace_tags(lead: Lead, names: list[str]) -> None:
    LeadTag.objects.filter(lead=lead).exclude(name__in=names).delete()
    existing = set(LeadTag.objects.filter(lead=lead).values_list("name", flat=True))
    LeadTag.objects.bulk_create(
        LeadTag(account_id=lead.account_id, lead=lead, name=name)
        for name in names
        if name not in existing
    )


# --- Assign, delete, duplicate, comment -----------------------------------------------------


def lead_assign(*, actor: Actor, lead_id: int, user_ref: int | str | None) -> Lead:
    return lead_update(actor=actor, lead_id=lead_id, data={"user_id": user_ref})


@transaction.atomic
def lead_delete(*, actor: Actor, lead_id: int) -> Lead:
    """Sends a lead to the bin (restorable for 30 days by whoever could edit it)."""
    lead = lead_for(actor, lead_id, Action.EDIT, for_update=True)
    if actor.settings.only_admins_delete_leads and not actor.is_admin:
        raise Forbidden("Only admins may delete leads in this account.")
    lead.deleted_at = timezone.now()
    lead.updated_at = lead.deleted_at
    lead.save(update_fields=["deleted_at", "updated_at"])
    LeadHistory.objects.bulk_create([_history(actor, lead, HistoryAction.DELETED)])
    return lead


def lead_delete_many(*, actor: Actor, lead_ids: list[int]) -> list[int]:
    """Deletes every listed lead, or none: one refused lead refuses the whole request."""
    with transaction.atomic():
        return [lead_delete(actor=actor, lead_id=lead_id).pk for lead_id in dict.fromkeys(lead_ids)]


@transaction.atomic
def lead_restore(*, actor: Actor, lead_id: int) -> Lead:
    """Takes a lead out of the bin. Only whoever could edit it may (product.md §5); for anyone
    else, and for a live or purged lead, it does not exist."""
    binned = binned_leads_for(actor).select_for_update(of=("self",)).filter(pk=lead_id)
    lead = binned.first()
    if lead is None:
        raise NotFound("Lead")
    lead.deleted_at = None
    lead.updated_at = timezone.now()
    lead.save(update_fields=["deleted_at", "updated_at"])
    LeadHistory.objects.bulk_create([_history(actor, lead, HistoryAction.RESTORED)])
    return lead


@transaction.atomic
def lead_duplicate(*, actor: Actor, lead_id: int) -> Lead:
    """A copy owned by the caller; it stays in the original's team only if they may place it
    there."""
    original = lead_for(actor, lead_id)
    data: dict[str, Any] = {
        "title": original.title,
        "description": original.description,
        "amount": original.amount,
        "probability": original.probability,
        "currency": original.currency,
        "step": original.step_id,
        "tags": list(original.tag_rows.values_list("name", flat=True)),
    }
    if original.team_id is not None and actor.settings.teams_on:
        draft = _Draft(owner_id=actor.user_id, team_id=None)
        if place_reasons(actor, draft, destination_of(original.team)):
            data["team_id"] = original.team_id
    return lead_create(actor=actor, data=data, created_from="duplicate")


@transaction.atomic
def comment_create(
    *, actor: Actor, lead_id: int, content: str, activity_id: int | None, is_pinned: bool
) -> Comment:
    """Whoever sees a lead may comment on it: a comment changes none of its fields."""
    lead = lead_for(actor, lead_id)
    if not content.strip():
        raise MissingParameter("content")
    return Comment.objects.create(
        account_id=lead.account_id,
        lead=lead,
        author_id=actor.user_id,
        content=content,
        activity_id=activity_id,
        is_pinned=is_pinned,
    )


# --- Reminders ------------------------------------------------------------------------------


def standby_wake_due(now: datetime | None = None) -> int:
    """Standby leads whose reminder has passed go back to `todo`, in every account: one
    set-based UPDATE, safe to run from several servers at once. Returns how many woke up."""
    now = now or timezone.now()
    with transaction.atomic():
        # Rows another scheduler is already waking are skipped, not waited for: each due lead
        # is woken, and its history written, exactly once.
        due = (
            system_leads()
            .select_for_update(skip_locked=True)
            .filter(status=Status.STANDBY, next_action_at__lte=now)
        )
        due_ids = list(due.values_list("id", "account_id"))
        if not due_ids:
            return 0
        woken = system_leads().filter(pk__in=[lead_id for lead_id, _ in due_ids])
        count = woken.update(status=Status.TODO, updated_at=now)
        LeadHistory.objects.bulk_create(
            LeadHistory(
                account_id=account_id,
                lead_id=lead_id,
                actor=None,
                action=HistoryAction.STATUS,
                old_value=Status.STANDBY,
                new_value=Status.TODO,
                created_at=now,
            )
            for lead_id, account_id in due_ids
        )
    return count


# --- The bin --------------------------------------------------------------------------------


def bin_purge_expired(now: datetime | None = None) -> int:
    """Deletes for good, in every account, the leads in the bin for more than BIN_RETENTION,
    with their tags, comments and history. Set-based, in batches, each its own transaction;
    safe to run from several servers at once. Returns how many leads were purged."""
    cutoff = (now or timezone.now()) - BIN_RETENTION
    purged = 0
    while True:
        with transaction.atomic():
            # Locked rows are skipped, not waited for: another scheduler is purging them, or
            # someone is restoring the lead right now (and the restore then wins).
            expired = system_binned_leads().filter(deleted_at__lt=cutoff)
            ids = list(
                expired.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH]
            )
            if not ids:
                return purged
            _, deleted = expired.filter(pk__in=ids).delete()
        count = deleted.get(Lead._meta.label, 0)
        purged += count
        if len(ids) < PURGE_BATCH or not count:
            return purged
