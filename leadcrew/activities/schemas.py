"""API shapes of the activity types (GET /activities and the admins' writes)."""

from typing import Any

from ninja import Schema
from pydantic import Field

from leadcrew.activities.models import ActivityKind, ActivityType
from leadcrew.activities.services import ActivityTypeChange
from leadcrew.core.api_types import Name, ShortText, Timestamp, format_datetime


class ActivityTypeOut(Schema):
    id: int
    name: str
    kind: str = Field(description="call, email, meeting, note or other")
    icon: str | None
    color: str | None = Field(description="#RRGGBB")
    is_disabled: bool = Field(description="Takes no new activity; stays on past ones")
    parent_id: int | None
    position: int
    created_at: Timestamp
    updated_at: Timestamp


def activity_type_out(activity: ActivityType) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "name": activity.name,
        "kind": activity.kind,
        "icon": activity.icon or None,
        "color": activity.color or None,
        "is_disabled": activity.is_disabled,
        "parent_id": activity.parent_id,
        "position": activity.position,
        "created_at": format_datetime(activity.created_at),
        "updated_at": format_datetime(activity.updated_at),
    }


class ActivityTypeFields(Schema):
    kind: ActivityKind | None = None
    icon: ShortText | None = Field(None, max_length=50)
    color: ShortText | None = Field(None, description="#RRGGBB", max_length=7)
    is_disabled: bool | None = None
    position: int | None = Field(None, ge=0, le=10_000, description="0 is first")

    def change(self) -> ActivityTypeChange:
        return ActivityTypeChange(**self.model_dump())


class ActivityTypeIn(ActivityTypeFields):
    name: Name


class ActivityTypeUpdate(ActivityTypeFields):
    name: Name | None = None
