"""What each bulk action does, as data: which of the selected leads it may change (the same rule
as the single-lead action, as a filter), which already have the wanted value, the columns it
sets and the history it writes. `services.py` runs a plan as set-based SQL."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Expression,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, NullIf, Trim

from leadcrew.access.actor import Actor
from leadcrew.access.policy import assign_filter, edit_filter, ensure_may_delete, place_filter
from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkActionType
from leadcrew.core.errors import Code, Forbidden, InvalidParameter, MissingParameter
from leadcrew.core.lookups import (
    assignee_of,
    destination_of,
    step_lookup,
    team_lookup,
    user_lookup,
)
from leadcrew.leads.models import CLOSED_STATUSES, HistoryAction, LeadTag, Status, Step
from leadcrew.leads.services import (
    check_remind_time,
    check_standby_reminder,
    next_action_at,
    normalize_tags,
)
from leadcrew.teams.models import Team

TEXT = CharField()
# The bulk actions that change leads (an export only reads them).
# An import is a bulk action too (logged, undoable), but made by POST /imports.
CHANGING_ACTIONS = [
    action.value
    for action in BulkActionType
    if action not in (BulkActionType.EXPORT, BulkActionType.IMPORT)
]


@dataclass(frozen=True)
class HistorySpec:
    """One history row per changed lead: `old` is read from the lead's saved previous values
    (columns of BulkChange), `new` is the same for every lead."""

    action: str
    old: Expression | F | Subquery | None
    new: str | None


@dataclass
class Plan:
    allowed: Q = field(default_factory=Q)
    unchanged: Q = field(default_factory=lambda: Q(pk__in=[]))
    updates: dict[str, Any] = field(default_factory=dict)
    history: list[HistorySpec] = field(default_factory=list)
    # Reasons a selected lead is refused, checked in order; the rest are "not_allowed".
    refusals: list[tuple[str, Q]] = field(default_factory=list)
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    from_bin: bool = False
    summary: dict[str, Any] = field(default_factory=dict)


def user_label(user: User | None) -> str | None:
    return (user.full_name or user.email) if user else None


def old_user_label() -> Subquery:
    label = Coalesce(
        NullIf(Trim(Concat("first_name", Value(" "), "last_name", output_field=TEXT)), Value("")),
        "email",
        output_field=TEXT,
    )
    users = User.objects.filter(pk=OuterRef("old_owner_id")).annotate(label=label)
    return Subquery(users.values("label")[:1], output_field=TEXT)


def plan_for(actor: Actor, action: str, params: dict[str, Any], now: datetime) -> Plan:
    """The plan of one action; raises when the request as a whole is refused or invalid."""
    match BulkActionType(action):
        case BulkActionType.ASSIGN:
            return _assign(actor, params)
        case BulkActionType.PLACE_IN_TEAM:
            return _place(actor, params)
        case BulkActionType.SET_STATUS:
            return _set_status(actor, params, now)
        case BulkActionType.MOVE_TO_STEP:
            return _move_to_step(actor, params)
        case BulkActionType.ADD_TAGS:
            return _add_tags(actor, params)
        case BulkActionType.REMOVE_TAGS:
            return _remove_tags(actor, params)
        case BulkActionType.STAR:
            return _star(actor, True)
        case BulkActionType.UNSTAR:
            return _star(actor, False)
        case BulkActionType.DELETE:
            return _delete(actor, now)
        case BulkActionType.RESTORE:
            return _restore()
    raise InvalidParameter("action", Code.NOT_ONE_OF, choices=", ".join(CHANGING_ACTIONS))


def _assign(actor: Actor, params: dict[str, Any]) -> Plan:
    if "user_id" not in params:
        raise MissingParameter("user_id")
    user = user_lookup(actor, params["user_id"]) if params["user_id"] is not None else None
    if user is not None and user.is_disabled:
        raise InvalidParameter("user_id", Code.USER_DISABLED)
    assignee = assignee_of(user) if user else None
    target = user.pk if user else None
    return Plan(
        allowed=assign_filter(actor, assignee),
        unchanged=Q(owner__isnull=True) if target is None else Q(owner_id=target),
        updates={"owner_id": target},
        history=[HistorySpec(HistoryAction.OWNER, old_user_label(), user_label(user))],
        # Leads the actor may dispatch, but not to this user (not a member of the lead's team).
        refusals=[("user_not_in_team", assign_filter(actor))],
        summary={"user_id": target},
    )


def _place(actor: Actor, params: dict[str, Any]) -> Plan:
    if not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)
    if "team_id" not in params:
        raise MissingParameter("team_id")
    team = team_lookup(actor, params["team_id"]) if params["team_id"] is not None else None
    old_team = Subquery(Team.objects.filter(pk=OuterRef("old_team_id")).values("name")[:1])
    return Plan(
        allowed=place_filter(actor, destination_of(team)),
        unchanged=Q(team__isnull=True) if team is None else Q(team_id=team.pk),
        updates={"team_id": team.pk if team else None},
        history=[HistorySpec(HistoryAction.TEAM, old_team, team.name if team else None)],
        # Leads the actor may edit, but whose owner is not in the destination team.
        refusals=[("owner_not_in_team", edit_filter(actor))],
        summary={"team_id": team.pk if team else None},
    )


def _set_status(actor: Actor, params: dict[str, Any], now: datetime) -> Plan:
    status = params.get("status")
    if status is None:
        raise MissingParameter("status")
    remind_date: date | None = params.get("remind_date")
    remind_time: time | None = params.get("remind_time")
    # The single-lead rules of a reminder, so both paths refuse alike.
    check_standby_reminder(status, remind_date)
    check_remind_time(remind_time)
    updates: dict[str, Any] = {"status": status}
    unchanged = Q(status=status)
    if status in CLOSED_STATUSES:
        # A lead already closed keeps its closing date; closing never predates creation.
        updates["closed_at"] = Case(
            When(closed_at__isnull=True, then=Greatest(Value(now), F("created_at"))),
            default=F("closed_at"),
        )
    else:
        updates["closed_at"] = None
    if status == Status.STANDBY:
        updates |= {
            "remind_date": remind_date,
            "remind_time": remind_time,
            "next_action_at": next_action_at(actor.account, remind_date, remind_time),
        }
        unchanged &= Q(remind_date=remind_date) & (
            Q(remind_time__isnull=True) if remind_time is None else Q(remind_time=remind_time)
        )
    return Plan(
        allowed=edit_filter(actor),
        unchanged=unchanged,
        updates=updates,
        history=[HistorySpec(HistoryAction.STATUS, F("old_status"), str(status))],
        summary={"status": str(status), "remind_date": _iso(remind_date)},
    )


def _move_to_step(actor: Actor, params: dict[str, Any]) -> Plan:
    if params.get("step") is None:
        raise MissingParameter("step")
    step = step_lookup(actor, params["step"])
    old_step = Subquery(Step.objects.filter(pk=OuterRef("old_step_id")).values("name")[:1])
    return Plan(
        # An unassigned lead cannot change step until it has an owner (docs/access-rules.md).
        allowed=edit_filter(actor) & Q(owner__isnull=False),
        unchanged=Q(step_id=step.pk),
        updates={"step_id": step.pk},
        history=[HistorySpec(HistoryAction.STEP, old_step, step.name)],
        refusals=[("unassigned", Q(owner__isnull=True))],
        summary={"step_id": step.pk},
    )


def _tags(params: dict[str, Any]) -> list[str]:
    tags = normalize_tags(params.get("tags"))
    if not tags:
        raise MissingParameter("tags")
    return tags


def _add_tags(actor: Actor, params: dict[str, Any]) -> Plan:
    tags = _tags(params)
    return Plan(
        allowed=edit_filter(actor),
        unchanged=_having_every_tag(tags),
        history=[HistorySpec(HistoryAction.TAGS, None, "+" + ", +".join(tags))],
        add_tags=tags,
        summary={"tags": tags},
    )


def _remove_tags(actor: Actor, params: dict[str, Any]) -> Plan:
    tags = _tags(params)
    return Plan(
        allowed=edit_filter(actor),
        unchanged=~_having_any_tag(tags),
        history=[HistorySpec(HistoryAction.TAGS, None, "-" + ", -".join(tags))],
        remove_tags=tags,
        summary={"tags": tags},
    )


def _having_every_tag(tags: list[str]) -> Q:
    condition = Q()
    for tag in tags:
        condition &= Q(pk__in=LeadTag.objects.filter(name=tag).values("lead_id"))
    return condition


def _having_any_tag(tags: list[str]) -> Q:
    return Q(pk__in=LeadTag.objects.filter(name__in=tags).values("lead_id"))


def _star(actor: Actor, starred: bool) -> Plan:
    old = Case(
        When(old_starred=True, then=Value("true")), default=Value("false"), output_field=TEXT
    )
    return Plan(
        allowed=edit_filter(actor),
        unchanged=Q(starred=starred),
        updates={"starred": Value(starred, output_field=BooleanField())},
        history=[HistorySpec(HistoryAction.STARRED, old, "true" if starred else "false")],
    )


def _delete(actor: Actor, now: datetime) -> Plan:
    ensure_may_delete(actor)
    return Plan(
        allowed=edit_filter(actor),
        updates={"deleted_at": now},
        history=[HistorySpec(HistoryAction.DELETED, None, None)],
    )


def _restore() -> Plan:
    # The selection already comes from the leads in the bin the actor may restore.
    return Plan(
        allowed=Q(),
        updates={"deleted_at": None},
        history=[HistorySpec(HistoryAction.RESTORED, None, None)],
        from_bin=True,
    )


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None
