"""Recording events: one call per change, inside the transaction that makes the change (the
transactional outbox). A change that rolls back takes its events with it; a change that commits
has them, and the dispatcher (leadcrew/events/dispatch.py) turns them into deliveries and
notifications. Writes over many leads record theirs set-based, with one INSERT … SELECT."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import BooleanField, CharField, IntegerField, QuerySet, Value
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.events.models import Event, EventName
from leadcrew.leads.models import Lead, Step

TEXT = CharField()

# The lead fields whose change is `lead.content_has_changed` (status, step, owner and team have
# events of their own).
CONTENT_FIELDS = (
    "title",
    "description",
    "amount",
    "probability",
    "currency",
    "starred",
    "remind_date",
    "remind_time",
    "estimated_closing_date",
    "created_at",
    "closed_at",
)


@dataclass(frozen=True)
class LeadSnapshot:
    """What a lead was before a write, to tell which events the write makes."""

    status: str
    step_id: int
    owner_id: int | None
    team_id: int | None
    content: tuple[Any, ...]
    tags: frozenset[str] | None


def lead_snapshot(lead: Lead, *, with_tags: bool = False) -> LeadSnapshot:
    tags = None
    if with_tags:
        tags = frozenset(lead.tag_rows.values_list("name", flat=True))
    return LeadSnapshot(
        status=lead.status,
        step_id=lead.step_id,
        owner_id=lead.owner_id,
        team_id=lead.team_id,
        content=tuple(getattr(lead, name) for name in CONTENT_FIELDS),
        tags=tags,
    )


def step_qualifier(step: Step) -> str:
    """`<pipeline>.<step>`, as `lead.step.changed.to.<pipeline>.<step>` names it."""
    return f"{step.pipeline.name}.{step.name}"


def _kick() -> None:
    """Asks for a dispatch once the transaction commits, once per transaction. The scheduler's
    sweep (leadcrew/events/tasks.py) dispatches anyway what a kick missed, such as a crash
    right after the commit: the events are in the database either way."""
    conn = transaction.get_connection()
    if any(getattr(callback, "leadcrew_kick", False) for _, callback, *_ in conn.run_on_commit):
        return
    transaction.on_commit(_enqueue_dispatch)


def _enqueue_dispatch() -> None:
    from leadcrew.events.tasks import dispatch_events

    dispatch_events.enqueue()


_enqueue_dispatch.leadcrew_kick = True  # type: ignore[attr-defined]


def _add(events: list[Event]) -> None:
    if events:
        Event.objects.bulk_create(events)
        _kick()


# --- One lead -------------------------------------------------------------------------------


def record_lead_created(*, actor: Actor, lead: Lead) -> None:
    """`lead.creation`, and who it went to: `lead.assigned` to its owner, or `lead.unassigned`
    for a lead that waits for one."""
    now = timezone.now()
    common = {"account_id": lead.account_id, "lead_id": lead.pk, "actor_id": actor.user_id}
    events = [Event(name=EventName.LEAD_CREATION, any_update=True, created_at=now, **common)]
    if lead.owner_id is None:
        events.append(Event(name=EventName.LEAD_UNASSIGNED, created_at=now, **common))
    else:
        events.append(
            Event(name=EventName.LEAD_ASSIGNED, subject_id=lead.owner_id, created_at=now, **common)
        )
    _add(events)


def record_lead_changed(*, actor: Actor | None, lead: Lead, before: LeadSnapshot) -> None:
    """The events of one write to a lead, from what it was before: one per kind of change,
    the first of them also counting as the write's `lead.any_update`."""
    now = timezone.now()
    common = {
        "account_id": lead.account_id,
        "lead_id": lead.pk,
        "actor_id": actor.user_id if actor else None,
        "created_at": now,
    }
    events: list[Event] = []
    if lead.status != before.status:
        events.append(Event(name=EventName.LEAD_STATUS_CHANGED, qualifier=lead.status, **common))
    if lead.step_id != before.step_id:
        events.append(
            Event(
                name=EventName.LEAD_STEP_CHANGED,
                qualifier=step_qualifier(lead.step),
                subject_id=lead.step_id,
                **common,
            )
        )
    if lead.owner_id != before.owner_id:
        if lead.owner_id is not None:
            events.append(Event(name=EventName.LEAD_ASSIGNED, subject_id=lead.owner_id, **common))
        else:
            events.append(Event(name=EventName.LEAD_ANY_UPDATE, **common))
    if lead.team_id != before.team_id:
        events.append(Event(name=EventName.LEAD_TEAM_CHANGED, subject_id=lead.team_id, **common))
    content = tuple(getattr(lead, name) for name in CONTENT_FIELDS)
    if lead.status != before.status:
        # Closing or reopening moves closed_at: part of the status change, not of the content.
        content, old_content = _without_closed_at(content), _without_closed_at(before.content)
    else:
        old_content = before.content
    tags_changed = before.tags is not None and before.tags != frozenset(
        lead.tag_rows.values_list("name", flat=True)
    )
    if content != old_content or tags_changed:
        events.append(Event(name=EventName.LEAD_CONTENT_CHANGED, **common))
    if events:
        events[0].any_update = True
    _add(events)


def _without_closed_at(content: tuple[Any, ...]) -> tuple[Any, ...]:
    index = CONTENT_FIELDS.index("closed_at")
    return content[:index] + content[index + 1 :]


def record_lead_event(
    *, actor: Actor | None, lead: Lead, name: EventName, subject_id: int | None = None
) -> None:
    """One event about one lead (deleted, restored, commented…), which is also an update."""
    _add(
        [
            Event(
                account_id=lead.account_id,
                name=name,
                lead_id=lead.pk,
                actor_id=actor.user_id if actor else None,
                subject_id=subject_id,
                any_update=True,
            )
        ]
    )


# --- Many leads, set-based ------------------------------------------------------------------


def record_for_leads(
    *,
    leads: QuerySet[Any],
    lead_column: str,
    name: EventName,
    actor_id: int | None,
    qualifier: str = "",
    subject_id: int | None = None,
    bulk_action_id: int | None = None,
    at: datetime | None = None,
) -> int:
    """One event per row of `leads` (any queryset with the lead's id in `lead_column` and its
    `account_id`), copied inside the database: one INSERT … SELECT whatever their number."""
    rows = leads.annotate(
        _ev_name=Value(str(name), output_field=TEXT),
        _ev_qualifier=Value(qualifier, output_field=TEXT),
        _ev_actor=Value(actor_id, output_field=IntegerField()),
        _ev_subject=Value(subject_id, output_field=IntegerField()),
        _ev_bulk=Value(bulk_action_id, output_field=IntegerField()),
        _ev_any=Value(True, output_field=BooleanField()),
        _ev_at=Value(at or timezone.now(), output_field=models.DateTimeField()),
    ).values_list(
        "account_id",
        "_ev_name",
        "_ev_qualifier",
        lead_column,
        "_ev_actor",
        "_ev_subject",
        "_ev_bulk",
        "_ev_any",
        "_ev_at",
    )
    fields = [
        "account",
        "name",
        "qualifier",
        "lead_id",
        "actor_id",
        "subject_id",
        "bulk_action_id",
        "any_update",
        "created_at",
    ]
    count = insert_select(Event, fields, rows)
    if count:
        _kick()
    return count


def record_leads_created(
    *,
    account_id: int,
    actor_id: int | None,
    lead_ids: Iterable[int],
    bulk_action_id: int | None = None,
) -> int:
    """`lead.creation` and `lead.assigned`/`lead.unassigned` for leads created set-based (an
    import): three INSERT … SELECT over the new leads, in the caller's transaction. With the
    import's `bulk_action_id`, its assignments are told to each owner in one notification."""
    from leadcrew.access.policy import system_leads

    ids = list(lead_ids)
    new = system_leads().filter(account_id=account_id, pk__in=ids).order_by("pk")
    count = record_for_leads(
        leads=new.values("account_id", "id"),
        lead_column="id",
        name=EventName.LEAD_CREATION,
        actor_id=actor_id,
        bulk_action_id=bulk_action_id,
    )
    owned = new.filter(owner_id__isnull=False)
    rows = owned.annotate(
        _ev_name=Value(str(EventName.LEAD_ASSIGNED), output_field=TEXT),
        _ev_qualifier=Value("", output_field=TEXT),
        _ev_actor=Value(actor_id, output_field=IntegerField()),
        _ev_bulk=Value(bulk_action_id, output_field=IntegerField()),
        _ev_any=Value(False, output_field=BooleanField()),
        _ev_at=Value(timezone.now(), output_field=models.DateTimeField()),
    ).values_list(
        "account_id",
        "_ev_name",
        "_ev_qualifier",
        "id",
        "_ev_actor",
        "owner_id",
        "_ev_bulk",
        "_ev_any",
        "_ev_at",
    )
    insert_select(
        Event,
        [
            "account",
            "name",
            "qualifier",
            "lead_id",
            "actor_id",
            "subject_id",
            "bulk_action_id",
            "any_update",
            "created_at",
        ],
        rows,
    )
    record_for_leads(
        leads=new.filter(owner_id__isnull=True).values("account_id", "id"),
        lead_column="id",
        name=EventName.LEAD_UNASSIGNED,
        actor_id=actor_id,
        bulk_action_id=bulk_action_id,
    )
    return count


# --- Account configuration ------------------------------------------------------------------


def record_config_event(
    *, actor: Actor, name: EventName, subject_id: int, data: dict[str, Any]
) -> None:
    """A change to the account's set-up (steps, pipelines, client folders), with the object as
    it is now (as it was, for a deletion)."""
    _add(
        [
            Event(
                account_id=actor.account_id,
                name=name,
                actor_id=actor.user_id,
                subject_id=subject_id,
                data=data,
            )
        ]
    )


def insert_select(model: type[models.Model], fields: list[str], rows: QuerySet[Any]) -> int:
    """INSERT INTO model (fields) SELECT …: rows are copied inside the database."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(meta.get_field(name))) for name in fields)
    try:
        sql, params = rows.order_by().query.sql_with_params()
    except EmptyResultSet:  # a condition that matches nothing by construction (`pk IN ()`)
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)
        return max(int(cursor.rowcount), 0)


# --- Bulk actions ---------------------------------------------------------------------------


def record_bulk_action(*, actor: Actor, bulk: Any, changes: QuerySet[Any], at: datetime) -> int:
    """The events of a bulk action, one per lead it changed (`changes`: rows with `account_id`
    and `lead_id`), in one INSERT … SELECT: the same event, qualifier and subject for all."""
    from leadcrew.bulk.models import BulkActionType

    params = bulk.params or {}
    name, qualifier, subject_id = EventName.LEAD_CONTENT_CHANGED, "", None
    match bulk.action:
        case BulkActionType.ASSIGN:
            subject_id = params.get("user_id")
            name = EventName.LEAD_ASSIGNED if subject_id is not None else EventName.LEAD_ANY_UPDATE
        case BulkActionType.PLACE_IN_TEAM:
            name, subject_id = EventName.LEAD_TEAM_CHANGED, params.get("team_id")
        case BulkActionType.SET_STATUS:
            name, qualifier = EventName.LEAD_STATUS_CHANGED, str(params.get("status", ""))
        case BulkActionType.MOVE_TO_STEP:
            step = Step.objects.select_related("pipeline").get(pk=params["step_id"])
            name, qualifier, subject_id = EventName.LEAD_STEP_CHANGED, step_qualifier(step), step.pk
        case BulkActionType.DELETE:
            name = EventName.LEAD_DELETED
        case BulkActionType.RESTORE:
            name = EventName.LEAD_ANY_UPDATE
    return record_for_leads(
        leads=changes,
        lead_column="lead_id",
        name=name,
        actor_id=actor.user_id,
        qualifier=qualifier,
        subject_id=subject_id,
        bulk_action_id=bulk.pk,
        at=at,
    )


def _column(field: Any) -> str:
    return str(field.column)
