"""Writes on leads. Every one starts from the access policy and runs in one transaction."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TypedDict

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.access.policy import (
    Action,
    assign_reasons,
    binned_leads_for,
    edit_reasons,
    ensure_may_delete,
    lead_for,
    leads_for,
    place_reasons,
    system_binned_leads,
    system_leads,
)
from leadcrew.accounts.models import Account, User
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.activities.models import ActivityType
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.contacts.models import Category
from leadcrew.contacts.selectors import FieldDef, client_folder_lookup, lead_values_by_key
from leadcrew.contacts.services import lead_contact_plan, lead_values_store
from leadcrew.contacts.values import FieldInput
from leadcrew.contacts.vocabulary import check_required_categories
from leadcrew.core.errors import (
    Code,
    Forbidden,
    InvalidParameter,
    MissingParameter,
    NotFound,
    PreconditionFailed,
)
from leadcrew.core.lookups import (
    Ref,
    activity_type_lookup,
    assignee_of,
    destination_of,
    first_step_of_default_pipeline,
    step_lookup,
    team_lookup,
    user_lookup,
)
from leadcrew.core.transactions import retried_on_conflict
from leadcrew.events.models import EventName
from leadcrew.events.recording import (
    lead_snapshot,
    record_for_leads,
    record_lead_changed,
    record_lead_created,
    record_lead_event,
)
from leadcrew.leads.models import (
    CLOSED_STATUSES,
    Comment,
    HistoryAction,
    Lead,
    LeadHistory,
    LeadTag,
    Status,
    Step,
)
from leadcrew.teams.models import Membership, Team

# How long a deleted lead stays in the bin, restorable, before it is purged (docs/access-rules.md).
BIN_RETENTION = timedelta(days=30)
# Leads purged per transaction: bounds the locks held and the memory used by one batch.
PURGE_BATCH = 1000
# Leads one request may name by id (a bulk action selects more by filter).
MAX_IDS_PER_REQUEST = 10_000

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
    "remind_activity_id",
    "remind_note",
    "estimated_closing_date",
    "created_at",
    "closed_at",
    "fields",
    "append_desc",
    "client_folder_id",
)


class LeadWrite(TypedDict, total=False):
    """What a lead write may set. A key left out is left alone (a partial update); people and
    teams are named by id, e-mail or name, as core.lookups resolves them."""

    title: str
    description: str | None
    amount: Decimal | int | None
    probability: int | None
    currency: str | None
    status: str | None
    step: Ref | None
    tags: list[str] | str | None
    starred: bool | None
    remind_date: date | None
    remind_time: time | None
    remind_activity_id: Ref | None  # what is planned for the reminder: an activity type
    remind_note: str | None  # ... and a note ("call back about the quote")
    estimated_closing_date: date | None
    created_at: datetime | None
    closed_at: datetime | None
    user_id: Ref | None
    team_id: Ref | None
    # Contact fields by key (or name), and a line added to the description's free text
    # (leadcrew.contacts.services.lead_contact_plan says how they meet the description).
    fields: dict[str, FieldInput] | None
    append_desc: str | None
    # A client folder the writer sees, by id; None takes the lead out of its folder.
    client_folder_id: int | None


@dataclass(frozen=True)
class _Draft:
    """The facts the rules read, for a lead that does not exist yet."""

    owner_id: int | None
    team_id: int | None


# --- Values ---------------------------------------------------------------------------------

MAX_TAG_LENGTH = 100
MAX_TITLE_LENGTH = 255  # the lead's title column
MAX_TAGS = 1000
CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def normalize_tags(tags: Iterable[str] | str | None) -> list[str]:
    """Tags as a list of distinct names, in their first order: from a list, or a
    comma-separated string; blanks dropped."""
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: dict[str, None] = {}
    for item in items:
        name = str(item).strip()
        if len(name) > MAX_TAG_LENGTH:
            raise InvalidParameter("tags", Code.TAG_TOO_LONG, max=MAX_TAG_LENGTH)
        if name:
            seen.setdefault(name, None)
    if len(seen) > MAX_TAGS:
        raise InvalidParameter("tags", Code.TOO_MANY_TAGS, max=MAX_TAGS)
    return list(seen)


def normalize_currency(value: str) -> str:
    """An ISO 4217 code, stored in capitals whoever typed it (`gbp` and `GBP` are one)."""
    code = value.strip().upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise InvalidParameter("currency", Code.INVALID_CURRENCY)
    return code


# --- Dates of reminders and closing ---------------------------------------------------------


def next_action_at(
    account: Account, remind_date: date | None, remind_time: time | None
) -> datetime | None:
    """The reminder as an instant: its date and time (midnight if none) in the account's zone."""
    if remind_date is None:
        return None
    local = datetime.combine(remind_date, remind_time or time(0, 0), tzinfo=account.zone)
    return local.astimezone(UTC)


def check_remind_time(value: time | None) -> None:
    """Reminders fall on quarter hours (product rule): 09:15, never 09:10."""
    if value is not None and (value.minute % 15 or value.second or value.microsecond):
        raise InvalidParameter("remind_time", Code.REMINDER_QUARTER_HOUR)


def check_standby_reminder(status: str, remind_date: date | None) -> None:
    """A lead on standby waits for a date: without one it would never come back."""
    if status == Status.STANDBY and remind_date is None:
        raise MissingParameter("remind_date", Code.STANDBY_NEEDS_DATE)


# --- Versions: optimistic concurrency and a clock that never goes back ----------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


def lead_version(updated_at: datetime) -> str:
    """A lead's version: it changes with every write (the API's ETag, the web form's guard)."""
    return str((updated_at - EPOCH) // ONE_MICROSECOND)


@dataclass(frozen=True)
class Precondition:
    """What a writer last read of a lead (HTTP If-Match / If-Unmodified-Since, or the version
    a web form was opened at): the write applies only if the lead has not changed since."""

    versions: frozenset[str] = frozenset()  # any of them; "*" is any version
    unmodified_since: datetime | None = None  # to the second, as HTTP dates are

    def holds_for(self, lead: Lead) -> bool:
        versions = self.versions
        if versions and "*" not in versions and lead_version(lead.updated_at) not in versions:
            return False
        if self.unmodified_since is not None:
            return lead.updated_at.replace(microsecond=0) <= self.unmodified_since
        return True


def _check_precondition(lead: Lead, precondition: Precondition | None) -> None:
    if precondition is not None and not precondition.holds_for(lead):
        raise PreconditionFailed(Code.LEAD_CHANGED)


def updated_at_moved_to(now: datetime) -> Greatest:
    """`_touch` for a set-based UPDATE: each row's updated_at becomes `now`, or just after its
    own if that is later."""
    return Greatest(F("updated_at") + Value(ONE_MICROSECOND), Value(now))


def lock_for_write(leads: QuerySet[Lead]) -> datetime:
    """Locks the leads in id order, as every write over several leads does (so that two such
    writes never wait for each other in a circle), and answers the instant to write them at:
    now, or just after the latest of their updated_at, so that no lead's updated_at goes back
    and their previous values are read only once nobody else can change them."""
    stamps = (
        leads.select_for_update(of=("self",)).order_by("pk").values_list("updated_at", flat=True)
    )
    latest = max(stamps, default=None)
    now = timezone.now()
    return now if latest is None or latest < now else latest + ONE_MICROSECOND


def _touch(lead: Lead) -> datetime:
    """Moves the lead's updated_at to now, and never back: a sync by `updated_after` and the
    lead's version both rely on every write making it later than before."""
    lead.updated_at = max(timezone.now(), lead.updated_at + ONE_MICROSECOND)
    return lead.updated_at


# --- History --------------------------------------------------------------------------------


def _history(
    actor: Actor,
    lead: Lead,
    action: str,
    old: object = None,
    new: object = None,
    *,
    at: datetime | None = None,
) -> LeadHistory:
    return LeadHistory(
        account_id=lead.account_id,
        lead=lead,
        actor_id=actor.user_id,
        action=action,
        old_value=None if old is None else str(old)[:255],
        new_value=None if new is None else str(new)[:255],
        created_at=at or timezone.now(),
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


class LeadRefs:
    """Resolves the references of lead writes for one actor, and answers the creation rules on
    them, remembering every answer (errors included): an import asks the same few questions
    for thousands of rows. Each answer is the one `core.lookups` and the access policy give."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._answers: dict[tuple[str, object], object] = {}

    def _ask[T](self, key: tuple[str, object], compute: Callable[[], T]) -> T:
        if key not in self._answers:
            try:
                self._answers[key] = compute()
            except (InvalidParameter, Forbidden, MissingParameter) as error:
                self._answers[key] = error
        answer = self._answers[key]
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    @staticmethod
    def _key(ref: Ref) -> object:
        return ref.strip().lower() if isinstance(ref, str) else ref

    def user(self, ref: Ref) -> User:
        return self._ask(("user", self._key(ref)), lambda: user_lookup(self.actor, ref))

    def team(self, ref: Ref) -> Team:
        return self._ask(("team", self._key(ref)), lambda: team_lookup(self.actor, ref))

    def step(self, ref: Ref) -> Step:
        return self._ask(("step", self._key(ref)), lambda: step_lookup(self.actor, ref))

    def first_step(self) -> Step:
        return self._ask(("first_step", None), lambda: first_step_of_default_pipeline(self.actor))

    def has_required_categories(self) -> bool:
        """Whether a won lead must carry tags of required categories (asked once: most
        accounts have none, and then no won lead needs the check)."""
        return self._ask(
            ("required_categories", None),
            lambda: Category.objects.filter(
                account_id=self.actor.account_id, is_required=True
            ).exists(),
        )

    def may_create_in(self, team: Team) -> bool:
        """The placement rule, for a lead its creator would own and then place in `team`."""
        draft = _Draft(owner_id=self.actor.user_id, team_id=None)
        return self._ask(
            ("place", team.pk),
            lambda: bool(place_reasons(self.actor, draft, destination_of(team))),
        )

    def may_give(self, owner: User, team: Team | None) -> bool:
        """The assign rule, for a new lead of `team` (or of none) handed to `owner`."""
        draft = _Draft(owner_id=None, team_id=team.pk if team else None)
        return self._ask(
            ("assign", (owner.pk, draft.team_id)),
            lambda: bool(assign_reasons(self.actor, draft, assignee_of(owner))),
        )


@dataclass
class LeadDraft:
    """A lead checked by every rule of a creation and not saved yet, with its tags and its
    contact field values (by field id)."""

    lead: Lead
    team: Team | None
    tags: list[str]
    values: dict[int, str]


def lead_build(
    *,
    actor: Actor,
    data: LeadWrite,
    created_from: str = "api",
    refs: LeadRefs | None = None,
    field_defs: Sequence[FieldDef] | None = None,
    now: datetime | None = None,
) -> LeadDraft:
    """A new lead as `lead_create` makes it, every rule checked, nothing written: an import
    builds each row with it, so that it can never create what its author could not create
    by hand. Raises the error the creation would."""
    refs = refs or LeadRefs(actor)
    account = actor.account
    title = (data.get("title") or "").strip()
    if not title:
        raise MissingParameter("title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidParameter("title", Code.TOO_LONG, max=MAX_TITLE_LENGTH)

    team = None
    team_ref = data.get("team_id")
    if team_ref is not None:
        team = refs.team(team_ref)
        if not refs.may_create_in(team):
            raise Forbidden(Code.CREATE_IN_TEAM_FORBIDDEN)

    owner_id = actor.user_id
    if "user_id" in data:
        owner_id = None
        owner_ref = data["user_id"]
        if owner_ref is not None:
            owner = refs.user(owner_ref)
            owner_id = owner.pk
            if owner.pk != actor.user_id and not refs.may_give(owner, team):
                raise Forbidden(Code.ASSIGNEE_FORBIDDEN)
            if owner.is_disabled:
                raise InvalidParameter("user_id", Code.USER_DISABLED)

    step_ref = data.get("step")
    step = refs.step(step_ref) if step_ref is not None else refs.first_step()
    currency = data.get("currency")
    now = now or timezone.now()
    lead = Lead(
        account=account,
        title=title,
        amount=Decimal(data.get("amount") or 0),
        probability=int(data.get("probability") or 0),
        currency=normalize_currency(currency) if currency else account.currency,
        status=data.get("status") or Status.TODO,
        step=step,
        owner_id=owner_id,
        team=team,
        starred=bool(data.get("starred")),
        remind_date=data.get("remind_date"),
        remind_time=data.get("remind_time"),
        remind_activity=_planned_activity(actor, data.get("remind_activity_id")),
        remind_note=(data.get("remind_note") or "").strip(),
        estimated_closing_date=data.get("estimated_closing_date"),
        created_from=created_from,
        created_at=data.get("created_at") or now,
        closed_at=data.get("closed_at"),
        created_by_id=actor.user_id,
        updated_at=now,
    )
    _settle_lifecycle(account, lead, status_changed=True, closed_at_given="closed_at" in data)
    tags = normalize_tags(data.get("tags"))
    if lead.status == Status.WON and refs.has_required_categories():
        check_required_categories(actor, tags)
    contact = lead_contact_plan(
        actor,
        lead,
        description=data.get("description") or "",
        fields=data.get("fields"),
        append_desc=data.get("append_desc"),
        defs=field_defs,
    )
    lead.description = contact.description
    folder_id = data.get("client_folder_id")
    if folder_id is not None:
        lead.client_folder = client_folder_lookup(actor, folder_id)
    return LeadDraft(lead=lead, team=team, tags=tags, values=contact.values or {})


@transaction.atomic
def lead_create(*, actor: Actor, data: LeadWrite, created_from: str = "api") -> Lead:
    """A new lead. Without `user_id`, a user owns what they create and an API key leaves it
    unassigned; with a team, the placement rule applies as if the creator had made it first."""
    draft = lead_build(actor=actor, data=data, created_from=created_from)
    lead, team = draft.lead, draft.team
    if lead.owner_id is None and team is not None and team.round_robin:
        lead.owner_id = _next_round_robin_owner(team)
    lead.save()
    lead_values_store(lead, draft.values)
    LeadTag.objects.bulk_create(
        LeadTag(account_id=lead.account_id, lead=lead, name=name) for name in draft.tags
    )
    LeadHistory.objects.bulk_create([_history(actor, lead, HistoryAction.CREATED, new=lead.title)])
    record_lead_created(actor=actor, lead=lead)
    return lead


def _planned_activity(actor: Actor, ref: Ref | None) -> ActivityType | None:
    if ref is None:
        return None
    return activity_type_lookup(actor, ref, field="remind_activity_id")


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
    """The status rules of docs/access-rules.md's lead lifecycle, applied to a lead about to be
    saved: reminders on quarter hours, standby with a date, closed_at on closed leads only."""
    check_remind_time(lead.remind_time)
    check_standby_reminder(lead.status, lead.remind_date)
    if lead.status in CLOSED_STATUSES:
        if lead.closed_at is None:
            lead.closed_at = timezone.now()
    elif status_changed or closed_at_given:
        if closed_at_given and lead.closed_at is not None:
            raise InvalidParameter("closed_at", Code.CLOSED_AT_ON_OPEN_LEAD)
        lead.closed_at = None
    if lead.closed_at is not None and lead.closed_at < lead.created_at:
        raise InvalidParameter("closed_at", Code.CLOSED_BEFORE_CREATED)
    lead.next_action_at = next_action_at(account, lead.remind_date, lead.remind_time)


# --- Update ---------------------------------------------------------------------------------


@retried_on_conflict
@transaction.atomic
def lead_update(
    *, actor: Actor, lead_id: int, data: LeadWrite, precondition: Precondition | None = None
) -> Lead:
    """A partial update: only the keys present in `data` change. Editing fields needs the edit
    right; `team_id` goes through the placement rule, then `user_id` through the assign rule.
    With a `precondition`, a lead changed since the writer read it is left alone (412)."""
    editing = any(key in data for key in EDITABLE_FIELDS)
    lead = lead_for(actor, lead_id, Action.EDIT if editing else Action.SEE, for_update=True)
    _check_precondition(lead, precondition)
    before = lead_snapshot(lead, with_tags="tags" in data)
    history: list[LeadHistory] = []
    if "team_id" in data:
        _apply_team(actor, lead, data["team_id"], history)
    if "user_id" in data:
        _apply_owner(actor, lead, data["user_id"], history)
    _apply_fields(actor, lead, data, history)

    now = _touch(lead)
    lead.save()
    for row in history:
        row.created_at = now
    LeadHistory.objects.bulk_create(history)
    record_lead_changed(actor=actor, lead=lead, before=before)
    return lead


def _apply_team(actor: Actor, lead: Lead, team_ref: Ref | None, history: list[LeadHistory]) -> None:
    if not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)
    team = team_lookup(actor, team_ref) if team_ref is not None else None
    # Rights first, even for a no-op: the answer must not depend on the lead's current team.
    if not place_reasons(actor, lead, destination_of(team)):
        raise Forbidden(Code.PLACE_FORBIDDEN)
    new_team_id = team.pk if team else None
    if lead.team_id == new_team_id:
        return
    history.append(
        _history(
            actor, lead, HistoryAction.TEAM, _team_label(lead.team_id), _team_label(new_team_id)
        )
    )
    lead.team = team


def _apply_owner(
    actor: Actor, lead: Lead, user_ref: Ref | None, history: list[LeadHistory]
) -> None:
    assignee = None
    new_owner_id = None
    if user_ref is not None:
        user = user_lookup(actor, user_ref)
        if user.is_disabled:
            raise InvalidParameter("user_id", Code.USER_DISABLED)
        assignee, new_owner_id = assignee_of(user), user.pk
    if not assign_reasons(actor, lead, assignee):
        raise Forbidden(Code.ASSIGNEE_FORBIDDEN)
    if lead.owner_id == new_owner_id:
        return
    history.append(
        _history(
            actor, lead, HistoryAction.OWNER, _user_label(lead.owner_id), _user_label(new_owner_id)
        )
    )
    lead.owner_id = new_owner_id


# Fields a partial update may leave out but may not clear.
NOT_NULL_FIELDS = ("probability", "starred", "created_at", "currency", "amount", "status")


def _apply_fields(actor: Actor, lead: Lead, data: LeadWrite, history: list[LeadHistory]) -> None:
    old_status, old_step_id, old_amount = lead.status, lead.step_id, lead.amount
    for field, value in data.items():
        if value is None and field in NOT_NULL_FIELDS:
            raise InvalidParameter(field, Code.NULL)
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            raise MissingParameter("title")
        lead.title = title
    contact = None
    if "description" in data or data.get("fields") is not None or data.get("append_desc"):
        contact = lead_contact_plan(
            actor,
            lead,
            description=(data["description"] or "") if "description" in data else None,
            fields=data.get("fields"),
            append_desc=data.get("append_desc"),
        )
        lead.description = contact.description
    if "probability" in data:
        lead.probability = data["probability"] or 0
    if "starred" in data:
        lead.starred = bool(data["starred"])
    if "estimated_closing_date" in data:
        lead.estimated_closing_date = data["estimated_closing_date"]
    if "remind_date" in data:
        lead.remind_date = data["remind_date"]
    if "remind_time" in data:
        lead.remind_time = data["remind_time"]
    if "remind_activity_id" in data:
        ref = data["remind_activity_id"]
        if ref is None or str(ref) != str(lead.remind_activity_id):
            lead.remind_activity = _planned_activity(actor, ref)
    if "remind_note" in data:
        lead.remind_note = (data["remind_note"] or "").strip()
    created_at, currency = data.get("created_at"), data.get("currency")
    amount, status = data.get("amount"), data.get("status")
    if created_at is not None:
        lead.created_at = created_at
    if "closed_at" in data:
        lead.closed_at = data["closed_at"]
    if currency is not None:
        lead.currency = normalize_currency(currency)
    if amount is not None:
        lead.amount = Decimal(amount)
    if status is not None:
        lead.status = status
    step_ref = data.get("step")
    if step_ref is not None:
        step = step_lookup(actor, step_ref)
        if step.pk != old_step_id and lead.owner_id is None:
            raise Forbidden(Code.UNASSIGNED_STEP_CHANGE)
        lead.step = step
    _settle_lifecycle(
        actor.account,
        lead,
        status_changed=lead.status != old_status,
        closed_at_given="closed_at" in data,
    )
    if "client_folder_id" in data:
        folder_id = data["client_folder_id"]
        lead.client_folder = client_folder_lookup(actor, folder_id) if folder_id else None
    if "tags" in data:
        _replace_tags(lead, normalize_tags(data["tags"]))
    if lead.status == Status.WON and (lead.status != old_status or "tags" in data):
        check_required_categories(actor, list(lead.tag_rows.values_list("name", flat=True)))
    if contact is not None and contact.values is not None:
        lead_values_store(lead, contact.values)
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


def lead_assign(*, actor: Actor, lead_id: int, user_ref: Ref | None) -> Lead:
    return lead_update(actor=actor, lead_id=lead_id, data={"user_id": user_ref})


@retried_on_conflict
@transaction.atomic
def lead_delete(*, actor: Actor, lead_id: int, precondition: Precondition | None = None) -> Lead:
    """Sends a lead to the bin (restorable for 30 days by whoever could edit it)."""
    lead = lead_for(actor, lead_id, Action.EDIT, for_update=True)
    ensure_may_delete(actor)
    _check_precondition(lead, precondition)
    lead.deleted_at = _touch(lead)
    lead.save(update_fields=["deleted_at", "updated_at"])
    LeadHistory.objects.bulk_create(
        [_history(actor, lead, HistoryAction.DELETED, at=lead.deleted_at)]
    )
    record_lead_event(actor=actor, lead=lead, name=EventName.LEAD_DELETED)
    return lead


@retried_on_conflict
@transaction.atomic
def lead_delete_many(*, actor: Actor, lead_ids: list[int]) -> list[int]:
    """Deletes every listed lead, or none: one lead the actor may not see answers 404 and one
    they may not edit 403, as deleting it alone would. Set-based: the same few statements for
    one lead or ten thousand; the leads are locked in id order, as every multi-lead write
    locks them, so that two such writes never wait for each other in a circle."""
    ids = list(dict.fromkeys(lead_ids))
    if len(ids) > MAX_IDS_PER_REQUEST:
        raise InvalidParameter("ids", Code.TOO_MANY_IDS, max=MAX_IDS_PER_REQUEST)
    named = leads_for(actor).filter(pk__in=ids)
    now = lock_for_write(named)
    leads = list(named.order_by("pk").only("pk", "account_id", "owner_id", "team_id"))
    if len(leads) < len(ids):
        raise NotFound("Lead")
    if any(not edit_reasons(actor, lead) for lead in leads):
        raise Forbidden(Code.LEAD_READ_ONLY)
    ensure_may_delete(actor)
    record_for_leads(
        leads=named.values("account_id", "id"),
        lead_column="id",
        name=EventName.LEAD_DELETED,
        actor_id=actor.user_id,
        at=now,
    )
    named.update(deleted_at=now, updated_at=now)
    LeadHistory.objects.bulk_create(
        _history(actor, lead, HistoryAction.DELETED, at=now) for lead in leads
    )
    return ids


@retried_on_conflict
@transaction.atomic
def lead_restore(*, actor: Actor, lead_id: int) -> Lead:
    """Takes a lead out of the bin. Only whoever could edit it may (docs/access-rules.md); for
    anyone else, and for a live or purged lead, it does not exist."""
    binned = binned_leads_for(actor).select_for_update(of=("self",)).filter(pk=lead_id)
    lead = binned.first()
    if lead is None:
        raise NotFound("Lead")
    lead.deleted_at = None
    now = _touch(lead)
    lead.save(update_fields=["deleted_at", "updated_at"])
    LeadHistory.objects.bulk_create([_history(actor, lead, HistoryAction.RESTORED, at=now)])
    record_lead_event(actor=actor, lead=lead, name=EventName.LEAD_ANY_UPDATE)
    return lead


@transaction.atomic
def lead_duplicate(*, actor: Actor, lead_id: int) -> Lead:
    """A copy owned by the caller; it stays in the original's team only if they may place it
    there."""
    original = lead_for(actor, lead_id)
    data: LeadWrite = {
        "title": original.title,
        "description": original.description,
        "fields": dict(lead_values_by_key(original.pk)),
        "client_folder_id": original.client_folder_id,
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


class CommentWrite(TypedDict, total=False):
    """What a comment write may set; a key left out is left alone."""

    content: str
    activity_id: Ref | None
    is_pinned: bool
    user_id: Ref | None  # the author, under an API key only
    created_at: datetime | None  # when importing history


@transaction.atomic
def comment_create(*, actor: Actor, lead_id: int, data: CommentWrite) -> Comment:
    """The one way a comment, or an activity (a comment with an activity type), comes to be:
    the API, the simplified API, the web app and imports all call it.

    Whoever sees a lead may comment on it: a comment changes none of its fields. The author is
    the acting user; an API key may name one (`user_id`, any user of the account, disabled
    ones included for history), and without one the comment has no author. `created_at` dates
    it in the past, for admins and API keys only (a report must not be back-dated by the
    people it measures). An activity remembers the team it counts for in reports: the lead's
    team, when the author is a member of it."""
    lead = lead_for(actor, lead_id)
    content = data.get("content") or ""
    if not content.strip():
        raise MissingParameter("content")
    author_id = actor.user_id
    if actor.is_api_key and data.get("user_id") is not None:
        author_id = user_lookup(actor, data["user_id"]).pk  # type: ignore[arg-type]
    created_at = _comment_date(actor, data.get("created_at"))
    activity = _activity_of(actor, data.get("activity_id"))
    comment = Comment.objects.create(
        account_id=lead.account_id,
        lead=lead,
        author_id=author_id,
        content=content,
        activity=activity,
        team_id=_activity_team(lead, author_id) if activity is not None else None,
        is_pinned=bool(data.get("is_pinned")),
        created_at=created_at,
    )
    comment.lead = lead
    record_lead_event(actor=actor, lead=lead, name=EventName.LEAD_COMMENTED, subject_id=comment.pk)
    return comment


def _comment_date(actor: Actor, created_at: datetime | None) -> datetime:
    now = timezone.now()
    if created_at is None:
        return now
    if not actor.is_admin:
        raise Forbidden(Code.COMMENT_DATE_FORBIDDEN, field="created_at")
    if created_at > now:
        raise InvalidParameter("created_at", Code.IN_THE_FUTURE)
    return created_at


def _activity_of(actor: Actor, ref: Ref | None) -> ActivityType | None:
    return activity_type_lookup(actor, ref) if ref is not None else None


def _activity_team(lead: Lead, author_id: int | None) -> int | None:
    if lead.team_id is None or author_id is None:
        return None
    member = Membership.objects.filter(team_id=lead.team_id, user_id=author_id).exists()
    return lead.team_id if member else None


def _comment_for_change(actor: Actor, lead_id: int, comment_id: int) -> tuple[Lead, Comment]:
    """A comment of a lead the actor sees (else 404), locked, that they may change: its author
    or an admin (else 403)."""
    lead = lead_for(actor, lead_id)
    comment = (
        Comment.objects.select_for_update()
        .filter(account_id=actor.account_id, lead_id=lead.pk, pk=comment_id)
        .first()
    )
    if comment is None:
        raise NotFound("Comment")
    if not actor.is_admin and (actor.user_id is None or comment.author_id != actor.user_id):
        raise Forbidden(Code.COMMENT_EDIT_FORBIDDEN)
    comment.lead = lead
    return lead, comment


@transaction.atomic
def comment_update(*, actor: Actor, lead_id: int, comment_id: int, data: CommentWrite) -> Comment:
    """Changes a comment's text, activity type or pin: its author or an admin. The author and
    the date stay (an activity stays in the reports it was counted in)."""
    _, comment = _comment_for_change(actor, lead_id, comment_id)
    if "content" in data:
        content = data["content"] or ""
        if not content.strip():
            raise MissingParameter("content")
        comment.content = content
    if "activity_id" in data:
        ref = data["activity_id"]
        # Keeping the type it has is no change, even once that type is disabled.
        keep = ref is not None and str(ref) == str(comment.activity_id)
        if not keep:
            activity = _activity_of(actor, ref)
            if activity is not None and comment.activity_id is None:
                comment.team_id = _activity_team(comment.lead, comment.author_id)
            elif activity is None:
                comment.team_id = None
            comment.activity = activity
    if "is_pinned" in data:
        comment.is_pinned = bool(data["is_pinned"])
    comment.save()
    return comment


@transaction.atomic
def comment_delete(*, actor: Actor, lead_id: int, comment_id: int) -> int:
    """Deletes a comment for good: its author or an admin, and only admins while
    `only_admins_delete_comments` is on. Written to the sensitive-actions log, since an
    activity leaves the reports with it."""
    _, comment = _comment_for_change(actor, lead_id, comment_id)
    if actor.settings.only_admins_delete_comments and not actor.is_admin:
        raise Forbidden(Code.ONLY_ADMINS_DELETE_COMMENTS)
    deleted_id = comment.pk
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.COMMENT_DELETED,
        details={
            "lead_id": comment.lead_id,
            "comment_id": deleted_id,
            "author_id": comment.author_id,
            "activity_id": comment.activity_id,
            "created_at": comment.created_at.isoformat(),
        },
    )
    comment.delete()
    return deleted_id


# --- Imports from another account ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImportedLead:
    """A lead copied from another account, whole: every field is set, none left as it is.
    People, team and step are local ids (the caller maps the source's)."""

    title: str
    description: str
    amount: Decimal
    probability: int
    currency: str | None
    status: str
    step_id: int
    owner_id: int | None
    team_id: int | None
    starred: bool
    remind_date: date | None
    remind_time: time | None
    estimated_closing_date: date | None
    created_at: datetime
    closed_at: datetime | None
    created_by_id: int | None
    created_from: str
    tags: list[str]
    client_folder_id: int | None = None


# The lead's fields an import compares to tell a change from a repeat.
_IMPORTED_FIELDS = (
    "title",
    "description",
    "amount",
    "probability",
    "currency",
    "status",
    "step_id",
    "owner_id",
    "team_id",
    "starred",
    "remind_date",
    "remind_time",
    "estimated_closing_date",
    "created_at",
    "closed_at",
    "created_by_id",
    "created_from",
    "client_folder_id",
)


def _imported_values(lead: Lead) -> tuple[object, ...]:
    return tuple(getattr(lead, name) for name in _IMPORTED_FIELDS)


@transaction.atomic
def lead_import(
    *, actor: Actor, data: ImportedLead, lead_id: int | None = None
) -> tuple[Lead, bool]:
    """Creates (without `lead_id`) or overwrites a lead copied from another account, and
    answers whether anything changed. Admins only: it sets what no other write may, the
    creation date, the author and the closing date as the source has them, and it keeps an
    owner who is disabled (a migrated account's people are disabled until invited, and the
    leads of those who left keep their owner). The lifecycle rules hold as for any write
    (standby with a date, reminders on quarter hours, closed after created); people, team and
    step must be the actor's account's. A creation is one `created` history row at the
    source's creation date; an update writes the usual rows for owner, team, status, step
    and amount."""
    ensure_admin(actor)
    account = actor.account
    title = data.title.strip()
    if not title:
        raise MissingParameter("title")
    owner = user_lookup(actor, data.owner_id) if data.owner_id is not None else None
    team = team_lookup(actor, data.team_id) if data.team_id is not None else None
    step = step_lookup(actor, data.step_id)
    author = (
        user_lookup(actor, data.created_by_id, field="created_by_id")
        if data.created_by_id is not None
        else None
    )
    if lead_id is None:
        lead = Lead(account=account, updated_at=timezone.now())
        old_tags: list[str] = []
        before: tuple[object, ...] | None = None
    else:
        lead = lead_for(actor, lead_id, Action.EDIT, for_update=True)
        old_tags = sorted(lead.tag_rows.values_list("name", flat=True))
        before = _imported_values(lead)
        snapshot = lead_snapshot(lead, with_tags=True)
    old_owner_id, old_team_id = lead.owner_id, lead.team_id
    old_status, old_step_id, old_amount = lead.status, lead.step_id, lead.amount
    lead.title = title
    lead.description = data.description
    lead.amount = Decimal(data.amount)
    lead.probability = data.probability
    lead.currency = normalize_currency(data.currency) if data.currency else account.currency
    lead.status = data.status
    lead.step = step
    lead.owner = owner
    lead.team = team
    lead.starred = data.starred
    lead.remind_date, lead.remind_time = data.remind_date, data.remind_time
    lead.estimated_closing_date = data.estimated_closing_date
    lead.created_at = data.created_at
    lead.closed_at = data.closed_at if data.status in CLOSED_STATUSES else None
    lead.created_by = author
    lead.created_from = data.created_from[:50]
    lead.client_folder = (
        client_folder_lookup(actor, data.client_folder_id) if data.client_folder_id else None
    )
    if lead.status not in Status.values:
        raise InvalidParameter("status", Code.NOT_ONE_OF, choices=", ".join(Status.values))
    if lead.amount < 0:
        raise InvalidParameter("amount", Code.INVALID_VALUE, reason="A negative amount.")
    if not 0 <= lead.probability <= 100:
        raise InvalidParameter("probability", Code.INVALID_VALUE, reason="Not a percentage.")
    _settle_lifecycle(account, lead, status_changed=False, closed_at_given=False)
    tags = normalize_tags(data.tags)
    if before is not None and before == _imported_values(lead) and old_tags == sorted(tags):
        return lead, False
    # The description's header (`Label: value` lines) holds the contact fields, as in the
    # reference: the lead's field values are read from it, as for any write of a description.
    contact = lead_contact_plan(
        actor, lead, description=data.description, fields=None, append_desc=None
    )
    lead.description = contact.description
    if lead_id is None:
        lead.save()
        if contact.values is not None:
            lead_values_store(lead, contact.values)
        LeadTag.objects.bulk_create(
            LeadTag(account_id=account.pk, lead=lead, name=name) for name in tags
        )
        created = _history(actor, lead, HistoryAction.CREATED, new=lead.title, at=lead.created_at)
        LeadHistory.objects.bulk_create([created])
        record_lead_created(actor=actor, lead=lead)
        return lead, True
    now = _touch(lead)
    lead.save()
    if contact.values is not None:
        lead_values_store(lead, contact.values)
    _replace_tags(lead, tags)
    history = []
    if lead.owner_id != old_owner_id:
        old, new = _user_label(old_owner_id), _user_label(lead.owner_id)
        history.append(_history(actor, lead, HistoryAction.OWNER, old, new, at=now))
    if lead.team_id != old_team_id:
        old, new = _team_label(old_team_id), _team_label(lead.team_id)
        history.append(_history(actor, lead, HistoryAction.TEAM, old, new, at=now))
    if lead.status != old_status:
        history.append(_history(actor, lead, HistoryAction.STATUS, old_status, lead.status, at=now))
    if lead.step_id != old_step_id:
        old_step = Step.objects.filter(pk=old_step_id).first()
        history.append(_history(actor, lead, HistoryAction.STEP, old_step, step.name, at=now))
    if Decimal(lead.amount) != Decimal(old_amount):
        history.append(_history(actor, lead, HistoryAction.AMOUNT, old_amount, lead.amount, at=now))
    LeadHistory.objects.bulk_create(history)
    record_lead_changed(actor=actor, lead=lead, before=snapshot)
    return lead, True


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
        count = woken.update(status=Status.TODO, updated_at=updated_at_moved_to(now))
        record_for_leads(
            leads=woken.values("account_id", "id"),
            lead_column="id",
            name=EventName.LEAD_STATUS_CHANGED,
            qualifier=Status.TODO,
            actor_id=None,
            at=now,
        )
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
