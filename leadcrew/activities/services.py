"""Writes of the activities app: the account's activity types (admins), and logging an activity
with its follow-up reminder in one step."""

import re
from dataclasses import dataclass
from datetime import date, time

from django.db import IntegrityError, transaction

from leadcrew.access.actor import Actor
from leadcrew.access.policy import Action, ensure_may_export, lead_for
from leadcrew.accounts.models import Account
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.activities.models import DEFAULT_TYPES, ActivityKind, ActivityType
from leadcrew.activities.selectors import (
    ActivityReport,
    ActivityReportRequest,
    activity_report_get,
)
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.core.errors import AlreadyExists, Code, InvalidParameter, MissingParameter, NotFound
from leadcrew.core.lookups import Ref
from leadcrew.leads.models import Comment, LeadTag
from leadcrew.leads.services import CommentWrite, LeadWrite, comment_create, lead_update

COLOR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_NAME = 100


def activity_types_create_default(account: Account) -> list[ActivityType]:
    """Every account starts with Call, E-mail, Meeting and Note."""
    return ActivityType.objects.bulk_create(
        ActivityType(
            account=account, name=name, kind=kind, icon=icon, color=color, position=position
        )
        for position, (name, kind, icon, color) in enumerate(DEFAULT_TYPES)
    )


@dataclass(frozen=True, kw_only=True)
class ActivityTypeChange:
    """A change of an activity type: None leaves a field as it is."""

    name: str | None = None
    kind: str | None = None
    icon: str | None = None
    color: str | None = None
    is_disabled: bool | None = None
    position: int | None = None


def _clean_name(name: str) -> str:
    # Whitespace and NUL characters (which PostgreSQL cannot store) become single spaces.
    cleaned = " ".join(name.replace("\x00", " ").split())
    if not cleaned:
        raise InvalidParameter("name", Code.BLANK)
    if len(cleaned) > MAX_NAME:
        raise InvalidParameter("name", Code.TOO_LONG, max=MAX_NAME)
    return cleaned


def _ensure_name_free(actor: Actor, name: str, except_id: int | None = None) -> None:
    same_name = ActivityType.objects.filter(account_id=actor.account_id, name__iexact=name)
    if except_id is not None:
        same_name = same_name.exclude(pk=except_id)
    taken = same_name.first()
    if taken is not None:
        raise AlreadyExists(Code.ACTIVITY_NAME_TAKEN, existing_id=taken.pk, field="name")


def _apply(activity: ActivityType, change: ActivityTypeChange) -> None:
    if change.kind is not None:
        if change.kind not in ActivityKind.values:
            raise InvalidParameter("kind", Code.NOT_ONE_OF, choices=", ".join(ActivityKind.values))
        activity.kind = change.kind
    if change.icon is not None:
        activity.icon = change.icon.strip()[:50]
    if change.color is not None:
        color = change.color.strip()
        if color and not COLOR.fullmatch(color):
            raise InvalidParameter("color", Code.NOT_A_COLOR)
        activity.color = color.lower()
    if change.is_disabled is not None:
        activity.is_disabled = change.is_disabled


def _save(actor: Actor, activity: ActivityType) -> ActivityType:
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        # A concurrent request took the same name between our check and our write.
        _ensure_name_free(actor, activity.name, except_id=activity.pk)
        raise
    return activity


@transaction.atomic
def activity_type_create(*, actor: Actor, change: ActivityTypeChange) -> ActivityType:
    """A new type, last in the list unless a position is given (admins)."""
    ensure_admin(actor)
    name = _clean_name(change.name or "")
    _ensure_name_free(actor, name)
    activity = ActivityType(account_id=actor.account_id, name=name)
    _apply(activity, change)
    types = list(_ordered(actor))
    position = len(types) if change.position is None else max(0, change.position)
    _save(actor, activity)
    types.insert(min(position, len(types)), activity)
    _renumber(types)
    return activity


def _ordered(actor: Actor) -> list[ActivityType]:
    return list(
        ActivityType.objects.select_for_update()
        .filter(account_id=actor.account_id)
        .order_by("position", "id")
    )


def _renumber(types: list[ActivityType]) -> None:
    changed = []
    for position, activity in enumerate(types):
        if activity.position != position:
            activity.position = position
            changed.append(activity)
    ActivityType.objects.bulk_update(changed, ["position"])


def _type_of(actor: Actor, activity_id: int) -> ActivityType:
    activity = ActivityType.objects.filter(account_id=actor.account_id, pk=activity_id).first()
    if activity is None:
        raise NotFound("Activity type")
    return activity


@transaction.atomic
def activity_type_update(
    *, actor: Actor, activity_id: int, change: ActivityTypeChange
) -> ActivityType:
    """Renames, re-colours, moves, disables or enables a type (admins). A disabled type stays
    on the activities logged with it and in reports; it only takes no new activity."""
    ensure_admin(actor)
    types = _ordered(actor)
    activity = next((each for each in types if each.pk == activity_id), None)
    if activity is None:
        raise NotFound("Activity type")
    if change.name is not None:
        activity.name = _clean_name(change.name)
        _ensure_name_free(actor, activity.name, except_id=activity.pk)
    _apply(activity, change)
    _save(actor, activity)
    if change.position is not None:
        types.remove(activity)
        types.insert(min(max(0, change.position), len(types)), activity)
        _renumber(types)
    return _type_of(actor, activity_id)


@transaction.atomic
def activity_type_move(*, actor: Actor, activity_id: int, offset: int) -> ActivityType:
    """Moves a type up (offset < 0) or down the list (admins)."""
    ensure_admin(actor)
    current = _type_of(actor, activity_id)
    index = [each.pk for each in _ordered(actor)].index(current.pk)
    return activity_type_update(
        actor=actor, activity_id=activity_id, change=ActivityTypeChange(position=index + offset)
    )


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    """The reminder planned after an activity: a date, optionally a time, what to do, a note."""

    remind_date: date
    remind_time: time | None = None
    activity_id: Ref | None = None
    note: str = ""


@transaction.atomic
def activity_log(
    *,
    actor: Actor,
    lead_id: int,
    activity_id: Ref,
    content: str,
    follow_up: FollowUp | None = None,
) -> Comment:
    """Logs an activity on a lead and, in the same transaction, plans the next one: either
    both happen or neither. The activity is a comment (`comment_create`, the one way comments
    come to be); the follow-up is the lead's reminder, which needs the right to edit it."""
    comment = comment_create(
        actor=actor,
        lead_id=lead_id,
        data=CommentWrite(content=content, activity_id=activity_id),
    )
    if follow_up is not None:
        lead_update(
            actor=actor,
            lead_id=lead_id,
            data=LeadWrite(
                remind_date=follow_up.remind_date,
                remind_time=follow_up.remind_time,
                remind_activity_id=follow_up.activity_id,
                remind_note=follow_up.note,
            ),
        )
    return comment


def activity_report_export(*, actor: Actor, request: ActivityReportRequest) -> ActivityReport:
    """The report to export as a file, after the export toggle; logged like every export."""
    ensure_may_export(actor)
    with transaction.atomic():
        report = activity_report_get(actor=actor, request=request)
        sensitive_action_record(
            actor=actor,
            action=SensitiveActionType.EXPORT,
            count=len(report.groups),
            details={
                "what": "activities",
                "scope": report.scope.value,
                "from": report.period.first.isoformat(),
                "to": report.period.last.isoformat(),
                "group_by": report.group_by.value,
                "team_id": request.team_id,
                "user_id": request.user_ref,
            },
        )
    return report


@transaction.atomic
def lead_tag_add(*, actor: Actor, lead_id: int, tag: str) -> None:
    """Adds one tag to a lead's tags (the simplified API's add_tag): an edit of the lead,
    through its update service, so its rights, history and version apply."""
    if not tag.strip():
        raise MissingParameter("tag")
    lead = lead_for(actor, lead_id, Action.EDIT, for_update=True)
    tags = list(LeadTag.objects.filter(lead=lead).order_by("id").values_list("name", flat=True))
    if tag.strip() in tags:
        return
    lead_update(actor=actor, lead_id=lead_id, data=LeadWrite(tags=[*tags, tag.strip()]))
