from typing import Any

from ninja import Schema
from pydantic import Field

from leadcrew.bulk.models import BulkAction, BulkActionType
from leadcrew.core.api_types import ApiDate, Id, LocalTime, Timestamp, UserRef, format_datetime
from leadcrew.leads.models import Status
from leadcrew.leads.schemas import LeadFilterFields, StepRef, Tags

SKIP_REASONS = (
    "Skipped leads are counted per reason: `not_allowed` (the rule of the single-lead action "
    "refuses it), `unchanged` (it already had that value), `user_not_in_team` (the new owner is "
    "not a member of the lead's team), `owner_not_in_team` (the lead's owner is not a member of "
    "the destination team), `unassigned` (an unassigned lead cannot change step). Leads you may "
    "not see are never matched, so never counted."
)


class BulkIn(Schema):
    action: BulkActionType
    ids: list[Id] | None = Field(None, max_length=10_000, description="Explicit lead ids")
    filter: LeadFilterFields | None = Field(
        None, description="Every lead matching these filters (the keys of GET /leads)"
    )
    user_id: UserRef | None = Field(None, description="assign: the new owner (null: unassign)")
    team_id: Id | None = Field(None, description="place_in_team: the team (null: out of team)")
    status: Status | None = Field(None, description="set_status: the new status")
    remind_date: ApiDate | None = Field(None, description="set_status standby: the reminder")
    remind_time: LocalTime | None = None
    step: StepRef | None = Field(None, description="move_to_step: a step id or name")
    tags: Tags | None = Field(None, description="add_tags / remove_tags")


class BulkResultOut(Schema):
    bulk_action_id: int
    matched: int
    changed: int
    skipped: dict[str, int]


UNDO_SKIP_REASONS = (
    "Leads the undo leaves as they are, counted per reason in `skipped`: `no_longer_allowed` "
    "(you may no longer change the lead: you left the team you managed it in, or the settings "
    "changed; an admin is never refused) and `changed_since` (the lead was modified after the "
    "bulk action; also `left_changed`). Reasons with no lead are left out."
)


class UndoOut(Schema):
    bulk_action_id: int
    restored: int
    left_changed: int = Field(description="Leads modified since the action, left as they are")
    skipped: dict[str, int] = Field(
        description="Leads left as they are, per reason: no_longer_allowed, changed_since"
    )


class BulkActionOut(Schema):
    id: int
    action: str
    user_id: int | None
    params: dict[str, Any]
    matched: int
    changed: int
    skipped: dict[str, int]
    created_at: Timestamp
    undone_at: Timestamp | None
    undone_by_id: int | None
    restored: int | None
    left_changed: int | None
    undo_skipped: dict[str, int] = Field(
        description="Once undone: the leads it left as they are, per reason"
    )


def bulk_action_out(bulk: BulkAction) -> dict[str, Any]:
    return {
        "id": bulk.pk,
        "action": bulk.action,
        "user_id": bulk.actor_id,
        "params": bulk.params,
        "matched": bulk.matched,
        "changed": bulk.changed,
        "skipped": bulk.skipped,
        "created_at": format_datetime(bulk.created_at),
        "undone_at": format_datetime(bulk.undone_at),
        "undone_by_id": bulk.undone_by_id,
        "restored": bulk.restored,
        "left_changed": bulk.left_changed,
        "undo_skipped": bulk.undo_skipped,
    }
