"""Bulk actions (docs/access-rules.md): one set-based change over a selection, in one transaction,
logged as one event, undoable by its author or an admin.

Each run is four statements whatever the selection's size: save the previous values of the leads
about to change (INSERT … SELECT), change them (one UPDATE), write their history
(INSERT … SELECT), and, for tag actions, insert or delete the tag rows."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.access.policy import (
    Action,
    all_account_leads,
    binned_leads_for,
    bulk_actions_filter,
    ensure_may_export,
    undo_filter,
)
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.bulk.models import BulkAction, BulkActionType, BulkChange, BulkTagChange
from leadcrew.bulk.plans import TEXT, HistorySpec, Plan, plan_for
from leadcrew.core.errors import Code, Forbidden, InvalidParameter, MissingParameter, NotFound
from leadcrew.core.transactions import retried_on_conflict
from leadcrew.events.models import EventName
from leadcrew.events.recording import record_bulk_action, record_for_leads
from leadcrew.leads.models import HistoryAction, Lead, LeadHistory, LeadTag
from leadcrew.leads.selectors import LeadFilter, filtered_leads
from leadcrew.leads.services import lock_for_write

MAX_IDS = 10_000
UNDO_WINDOW = timedelta(days=30)
# The lead columns a bulk action may change, each saved before the change as `old_<column>`.
SAVED_COLUMNS = (
    "owner_id",
    "team_id",
    "status",
    "step_id",
    "starred",
    "remind_date",
    "remind_time",
    "next_action_at",
    "closed_at",
    "deleted_at",
)


@dataclass(frozen=True)
class Selection:
    """Explicit lead ids, or every lead matching a filter (the keys of GET /leads)."""

    ids: list[int] | None = None
    filters: LeadFilter | None = None


@dataclass
class BulkResult:
    bulk_action: BulkAction
    matched: int
    changed: int
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class UndoResult:
    bulk_action: BulkAction
    restored: int
    left_changed: int
    # The leads left as they are, per reason (UNDO_SKIP_REASONS); reasons with none are left out.
    skipped: dict[str, int] = field(default_factory=dict)


def selected_leads(actor: Actor, selection: Selection, *, from_bin: bool = False) -> QuerySet[Lead]:
    """The leads a selection names among those the actor may see (or, to restore, among the
    bin's leads they could restore): leads they cannot see are simply not matched."""
    base = binned_leads_for(actor) if from_bin else None
    if selection.ids is not None:
        if len(selection.ids) > MAX_IDS:
            raise InvalidParameter("ids", Code.TOO_MANY_IDS, max=MAX_IDS)
        if base is None:
            base = filtered_leads(actor, LeadFilter(include_unassigned=True))
        return base.filter(pk__in=selection.ids)
    if selection.filters is None:
        raise MissingParameter("ids")
    return filtered_leads(actor, selection.filters, base)


@retried_on_conflict
def bulk_apply(
    *, actor: Actor, action: str, selection: Selection, params: dict[str, Any]
) -> BulkResult:
    """Runs one bulk action. Every selected lead is checked by the single-lead rule; those
    refused are counted per reason, and the whole batch commits or none of it does.

    The selected leads are locked (in id order) before anything is read of them: an edit that
    commits meanwhile is either in the values saved for undo and in the history, or waits for
    the bulk action to commit and then applies on top of it. Never lost in between."""
    with transaction.atomic():
        plan = plan_for(actor, action, params, timezone.now())
        selected = selected_leads(actor, selection, from_bin=plan.from_bin).order_by()
        now = lock_for_write(selected)
        matched = selected.count()
        allowed = selected.filter(plan.allowed)
        to_change = allowed.exclude(plan.unchanged)
        allowed_count = allowed.count()
        skipped = _refusals(selected.exclude(plan.allowed), plan, matched - allowed_count)

        bulk = BulkAction.objects.create(
            account_id=actor.account_id,
            actor_id=actor.user_id,
            action=action,
            params=plan.summary,
            matched=matched,
        )
        changed = _save_previous_values(bulk, to_change, now)
        if changed:
            _apply(actor, bulk, plan, now)
        if allowed_count - changed:
            skipped["unchanged"] = allowed_count - changed
        bulk.changed, bulk.skipped = changed, skipped
        bulk.save(update_fields=["changed", "skipped"])
        if action == BulkActionType.DELETE and changed:
            sensitive_action_record(
                actor=actor,
                action=SensitiveActionType.BULK_DELETE,
                count=changed,
                details={"bulk_action_id": bulk.pk},
            )
    return BulkResult(bulk_action=bulk, matched=matched, changed=changed, skipped=skipped)


def _refusals(refused: QuerySet[Lead], plan: Plan, total: int) -> dict[str, int]:
    """Counts refused leads per reason: the first reason that applies, else "not_allowed"."""
    skipped: dict[str, int] = {}
    remaining = total
    for reason, condition in plan.refusals:
        if remaining == 0:
            break
        count = refused.filter(condition).count()
        if count:
            skipped[reason] = count
            refused = refused.exclude(condition)
            remaining -= count
    if remaining:
        skipped["not_allowed"] = remaining
    return skipped


def _save_previous_values(bulk: BulkAction, to_change: QuerySet[Lead], now: datetime) -> int:
    rows = to_change.annotate(
        _bulk=Value(bulk.pk, output_field=IntegerField()),
        _account=Value(bulk.account_id, output_field=IntegerField()),
        _changed_at=Value(now, output_field=models.DateTimeField()),
    ).values_list("_bulk", "_account", "id", *SAVED_COLUMNS, "_changed_at")
    columns = ["bulk_action", "account", "lead"]
    columns += [f"old_{column}" for column in SAVED_COLUMNS]
    return _insert_select(BulkChange, [*columns, "changed_at"], rows)


def _changed_ids(bulk: BulkAction) -> QuerySet[BulkChange, Any]:
    return BulkChange.objects.filter(bulk_action=bulk).values("lead_id")


def _apply(actor: Actor, bulk: BulkAction, plan: Plan, now: datetime) -> None:
    leads = all_account_leads(actor).filter(pk__in=_changed_ids(bulk))
    leads.update(**plan.updates, updated_at=now)
    for tag in plan.add_tags:
        _add_tag(bulk, tag)
    for tag in plan.remove_tags:
        _remove_tag(bulk, tag)
    for spec in plan.history:
        _write_history(actor, bulk, spec, now)
    record_bulk_action(actor=actor, bulk=bulk, changes=_changed_rows(bulk), at=now)


def _changed_rows(bulk: BulkAction) -> QuerySet[BulkChange, Any]:
    return BulkChange.objects.filter(bulk_action=bulk).values("account_id", "lead_id")


def _add_tag(bulk: BulkAction, tag: str) -> None:
    missing = BulkChange.objects.filter(bulk_action=bulk).exclude(
        lead_id__in=LeadTag.objects.filter(name=tag).values("lead_id")
    )
    _insert_select(
        BulkTagChange,
        ["bulk_action", "account", "lead", "name"],
        missing.annotate(_name=Value(tag, output_field=TEXT)).values_list(
            "bulk_action_id", "account_id", "lead_id", "_name"
        ),
    )
    added = BulkTagChange.objects.filter(bulk_action=bulk, name=tag)
    _insert_select(
        LeadTag, ["account", "lead", "name"], added.values_list("account_id", "lead_id", "name")
    )


def _remove_tag(bulk: BulkAction, tag: str) -> None:
    present = LeadTag.objects.filter(name=tag, lead_id__in=_changed_ids(bulk))
    _insert_select(
        BulkTagChange,
        ["bulk_action", "account", "lead", "name"],
        present.annotate(
            _bulk=Value(bulk.pk, output_field=IntegerField()),
        ).values_list("_bulk", "account_id", "lead_id", "name"),
    )
    present.delete()


def _write_history(actor: Actor, bulk: BulkAction, spec: HistorySpec, now: datetime) -> None:
    rows = BulkChange.objects.filter(bulk_action=bulk).annotate(
        _actor=Value(actor.user_id, output_field=IntegerField()),
        _action=Value(spec.action, output_field=TEXT),
        _old=spec.old if spec.old is not None else Value(None, output_field=TEXT),
        _new=Value(spec.new, output_field=TEXT),
        _at=Value(now, output_field=models.DateTimeField()),
    )
    _insert_select(
        LeadHistory,
        [
            "account",
            "lead",
            "actor",
            "action",
            "old_value",
            "new_value",
            "created_at",
            "bulk_action",
        ],
        rows.values_list(
            "account_id", "lead_id", "_actor", "_action", "_old", "_new", "_at", "bulk_action_id"
        ),
    )


def _insert_select(model: type[models.Model], fields: list[str], rows: QuerySet[Any]) -> int:
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


def _column(field: Any) -> str:
    return str(field.column)


# --- Undo -----------------------------------------------------------------------------------

# What an undo puts back, per action: the lead columns and the history row it writes.
UNDO_COLUMNS: dict[str, tuple[str, ...]] = {
    BulkActionType.ASSIGN: ("owner_id",),
    BulkActionType.PLACE_IN_TEAM: ("team_id",),
    BulkActionType.SET_STATUS: (
        "status",
        "closed_at",
        "remind_date",
        "remind_time",
        "next_action_at",
    ),
    BulkActionType.MOVE_TO_STEP: ("step_id",),
    BulkActionType.STAR: ("starred",),
    BulkActionType.UNSTAR: ("starred",),
    BulkActionType.DELETE: ("deleted_at",),
    BulkActionType.RESTORE: ("deleted_at",),
    BulkActionType.ADD_TAGS: (),
    BulkActionType.REMOVE_TAGS: (),
    BulkActionType.IMPORT: (),  # the leads it created go to the bin (UNDO_DELETES)
}
# The actions whose undo deletes leads (to the bin), which `only_admins_delete_leads` may
# refuse: undoing a restore, and undoing an import (the leads it created).
UNDO_DELETES = (BulkActionType.RESTORE, BulkActionType.IMPORT)
# The single-lead rule an undo checks again, per action (the others: Edit). Undoing a restore
# deletes, which `only_admins_delete_leads` may also refuse.
UNDO_RIGHTS: dict[str, Action] = {BulkActionType.ASSIGN: Action.ASSIGN}
# Why an undo leaves a lead as it is.
NO_LONGER_ALLOWED = "no_longer_allowed"  # the actor may no longer act on it (rights changed)
CHANGED_SINCE = "changed_since"  # modified since the bulk action
UNDO_SKIP_REASONS = (NO_LONGER_ALLOWED, CHANGED_SINCE)
UNDO_HISTORY: dict[str, str] = {
    BulkActionType.DELETE: HistoryAction.RESTORED,
    BulkActionType.RESTORE: HistoryAction.DELETED,
    BulkActionType.IMPORT: HistoryAction.DELETED,
}


def bulk_action_list(actor: Actor) -> QuerySet[BulkAction]:
    """The bulk actions the actor may see and undo (the policy's rule), newest first."""
    actions = BulkAction.objects.filter(account_id=actor.account_id)
    return actions.filter(bulk_actions_filter(actor)).order_by("-created_at", "-id")


def recent_bulk_actions(actor: Actor, *, limit: int) -> list[BulkAction]:
    """The latest bulk actions the actor may see and undo, with their authors."""
    return list(bulk_action_list(actor).select_related("actor", "undone_by")[:limit])


def bulk_action_for(actor: Actor, bulk_action_id: int) -> BulkAction:
    """A bulk action its author or an admin may see; anyone else is answered "not found"."""
    bulk = bulk_action_list(actor).filter(pk=bulk_action_id).first()
    if bulk is None:
        raise NotFound("Bulk action")
    return bulk


@retried_on_conflict
def bulk_undo(*, actor: Actor, bulk_action_id: int) -> UndoResult:
    """Puts back the previous values of the leads the action changed and nobody modified
    since (by any path: every write moves a lead's updated_at forward); the others are left as
    they are and counted.

    The author's rights are checked again, lead by lead, as they are now (UNDO_RIGHTS,
    `undo_filter`): a lead they may no longer edit (they left the team they managed, the
    settings changed) is left as it is and counted `no_longer_allowed`, whether or not it was
    modified since, so nothing is said about a lead out of their reach. An admin undoes on
    every lead. `left_changed` counts the other leads modified since (`changed_since`)."""
    with transaction.atomic():
        bulk = BulkAction.objects.select_for_update().get(
            pk=bulk_action_for(actor, bulk_action_id).pk
        )
        changed = all_account_leads(actor).filter(pk__in=_changed_ids(bulk))
        now = lock_for_write(changed)
        if bulk.undone_at is not None:
            raise Forbidden(Code.BULK_ALREADY_UNDONE)
        if bulk.created_at < now - UNDO_WINDOW:
            raise Forbidden(Code.BULK_UNDO_EXPIRED, days=UNDO_WINDOW.days)
        may_undo = undo_filter(
            actor,
            UNDO_RIGHTS.get(bulk.action, Action.EDIT),
            deletes=bulk.action in UNDO_DELETES,
        )
        still_allowed = all_account_leads(actor).filter(may_undo, pk=OuterRef("lead_id"))
        refused = BulkChange.objects.filter(bulk_action=bulk).exclude(Exists(still_allowed)).count()
        unmodified_since = still_allowed.filter(updated_at=OuterRef("changed_at"))
        untouched = BulkChange.objects.filter(Exists(unmodified_since), bulk_action=bulk)
        restored = _restore_previous_values(actor, bulk, untouched, now)
        left_changed = bulk.changed - restored - refused
        skipped = {
            reason: count
            for reason, count in ((NO_LONGER_ALLOWED, refused), (CHANGED_SINCE, left_changed))
            if count
        }
        bulk.undone_at, bulk.undone_by_id = now, actor.user_id
        bulk.restored, bulk.left_changed, bulk.undo_skipped = restored, left_changed, skipped
        bulk.save(
            update_fields=["undone_at", "undone_by", "restored", "left_changed", "undo_skipped"]
        )
    return UndoResult(
        bulk_action=bulk, restored=restored, left_changed=left_changed, skipped=skipped
    )


def _restore_previous_values(
    actor: Actor, bulk: BulkAction, untouched: QuerySet[BulkChange], now: datetime
) -> int:
    # Mark the leads to put back first: once updated, they no longer look "untouched".
    restored = untouched.update(undone=True)
    if not restored:
        return 0
    put_back = BulkChange.objects.filter(bulk_action=bulk, undone=True)
    previous = put_back.filter(lead_id=OuterRef("pk"))
    values: dict[str, Any] = {
        column: Subquery(previous.values(f"old_{column}")[:1])
        for column in UNDO_COLUMNS[bulk.action]
    }
    if bulk.action == BulkActionType.IMPORT:
        values["deleted_at"] = Value(now, output_field=models.DateTimeField())
    all_account_leads(actor).filter(pk__in=put_back.values("lead_id")).update(
        **values, updated_at=now
    )  # `now` is past every one of their updated_at (lock_for_write)
    _undo_history(actor, bulk, put_back, now)
    record_for_leads(
        leads=put_back.values("account_id", "lead_id"),
        lead_column="lead_id",
        name=EventName.LEAD_ANY_UPDATE,
        actor_id=actor.user_id,
        bulk_action_id=bulk.pk,
        at=now,
    )
    tag_changes = BulkTagChange.objects.filter(
        bulk_action=bulk, lead_id__in=put_back.values("lead_id")
    )
    if bulk.action == BulkActionType.ADD_TAGS:
        added = tag_changes.filter(lead_id=OuterRef("lead_id"), name=OuterRef("name"))
        LeadTag.objects.filter(Exists(added)).delete()
    if bulk.action == BulkActionType.REMOVE_TAGS:
        _insert_select(
            LeadTag,
            ["account", "lead", "name"],
            tag_changes.values_list("account_id", "lead_id", "name"),
        )
    return restored


def _undo_history(
    actor: Actor, bulk: BulkAction, put_back: QuerySet[BulkChange], now: datetime
) -> None:
    """One history row per restored lead, the bulk action's own row the other way round: what
    the lead had after the action, then what it has again (the tags taken off again for tags
    added, and the reverse). A reader of the history sees values, in any language."""
    action = UNDO_HISTORY.get(bulk.action, _history_action(bulk.action))
    tags = [str(tag) for tag in bulk.params.get("tags", [])]
    undone_tags = None
    if bulk.action == BulkActionType.ADD_TAGS:
        undone_tags = "-" + ", -".join(tags)
    elif bulk.action == BulkActionType.REMOVE_TAGS:
        undone_tags = "+" + ", +".join(tags)
    # Deleting, restoring and importing have no values to swap; tags have their own.
    keep_no_value = undone_tags is not None or bulk.action in UNDO_HISTORY
    applied = LeadHistory.objects.filter(bulk_action=bulk, lead_id__in=put_back.values("lead_id"))
    rows = applied.annotate(
        _actor=Value(actor.user_id, output_field=IntegerField()),
        _action=Value(action, output_field=TEXT),
        _old=Value(None, output_field=TEXT) if keep_no_value else F("new_value"),
        _new=Value(undone_tags, output_field=TEXT) if keep_no_value else F("old_value"),
        _at=Value(now, output_field=models.DateTimeField()),
    )
    _insert_select(
        LeadHistory,
        [
            "account",
            "lead",
            "actor",
            "action",
            "old_value",
            "new_value",
            "created_at",
            "bulk_action",
        ],
        rows.values_list(
            "account_id", "lead_id", "_actor", "_action", "_old", "_new", "_at", "bulk_action_id"
        ),
    )


def _history_action(action: str) -> str:
    return {
        BulkActionType.ASSIGN: HistoryAction.OWNER,
        BulkActionType.PLACE_IN_TEAM: HistoryAction.TEAM,
        BulkActionType.SET_STATUS: HistoryAction.STATUS,
        BulkActionType.MOVE_TO_STEP: HistoryAction.STEP,
        BulkActionType.STAR: HistoryAction.STARRED,
        BulkActionType.UNSTAR: HistoryAction.STARRED,
    }.get(BulkActionType(action), HistoryAction.TAGS)


# --- Export ---------------------------------------------------------------------------------


def bulk_export_leads(*, actor: Actor, selection: Selection) -> QuerySet[Lead]:
    """The selected leads to export, after the export toggle; the export is logged."""
    ensure_may_export(actor)
    leads = selected_leads(actor, selection)
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.EXPORT,
        count=leads.count(),
        details={"what": "leads"},
    )
    return leads
