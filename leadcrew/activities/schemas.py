"""API shapes of the activity types (GET /activities and the admins' writes)."""

from datetime import date
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, WithJsonSchema

from leadcrew.activities.models import ActivityKind, ActivityType
from leadcrew.activities.selectors import (
    ActivityFigures,
    ActivityReport,
    ActivityReportRequest,
    ReportGrouping,
)
from leadcrew.activities.services import ActivityTypeChange
from leadcrew.core.api_types import (
    ApiDate,
    DateText,
    Id,
    Name,
    ShortText,
    Timestamp,
    UserRef,
    format_datetime,
)
from leadcrew.stats.scope import ScopeKind


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


# --- GET /statistics/activities --------------------------------------------------------------

ReportKeyOut = Annotated[
    int | str | None,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "date"}, {"type": "integer"}, {"type": "null"}],
            "description": (
                "The period's first day (YYYY-MM-DD), the author's, team's or activity type's "
                "id; null for activities without author (or counting for no team)"
            ),
        }
    ),
]


class ActivityReportQuery(Schema):
    scope: ScopeKind | None = Field(
        None, description="By default the widest the caller has: account, teams_managed or user"
    )
    team_id: Id | None = Field(None, description="The team of `scope=team`; otherwise a filter")
    user_id: UserRef | None = Field(
        None, description="The member of `scope=user` (id or e-mail); otherwise a filter"
    )
    date_from: ApiDate | None = Field(
        None, alias="from", description="First day, in the account's time zone"
    )
    to: ApiDate | None = Field(None, description="Last day (included); default today")
    group_by: ReportGrouping = ReportGrouping.MONTH
    format: Literal["json", "csv"] = "json"

    def to_request(self) -> ActivityReportRequest:
        return ActivityReportRequest(
            scope=self.scope,
            team_id=self.team_id,
            user_ref=self.user_id,
            date_from=self.date_from,
            date_to=self.to,
            group_by=self.group_by,
        )


class TypeCountOut(Schema):
    activity_id: int
    count: int


class ActivityFiguresOut(Schema):
    count: int = Field(description="Activities logged")
    by_activity: list[TypeCountOut] = Field(description="Per activity type, every type listed")
    leads_touched: int = Field(description="Distinct leads with an activity")
    leads_won: int = Field(
        description="Of those, the leads won, closed at or after one of the activities"
    )


class ReportGroupOut(ActivityFiguresOut):
    key: ReportKeyOut
    label: str


class ReportTypeOut(Schema):
    id: int
    name: str
    kind: str
    color: str | None
    is_disabled: bool


class ActivityReportOut(Schema):
    scope: ScopeKind
    date_from: DateText = Field(alias="from")
    to: DateText
    group_by: ReportGrouping
    activities: list[ReportTypeOut] = Field(description="The account's activity types")
    totals: ActivityFiguresOut
    groups: list[ReportGroupOut]


def _figures_out(report: ActivityReport, figures: ActivityFigures) -> dict[str, Any]:
    return {
        "count": figures.count,
        "by_activity": [
            {"activity_id": kind.pk, "count": figures.by_type.get(kind.pk, 0)}
            for kind in report.types
        ],
        "leads_touched": figures.leads_touched,
        "leads_won": figures.leads_won,
    }


def activity_report_out(report: ActivityReport) -> dict[str, Any]:
    return {
        "scope": report.scope,
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "group_by": report.group_by,
        "activities": [
            {
                "id": kind.pk,
                "name": kind.name,
                "kind": kind.kind,
                "color": kind.color or None,
                "is_disabled": kind.is_disabled,
            }
            for kind in report.types
        ],
        "totals": _figures_out(report, report.totals),
        "groups": [
            {
                "key": group.key.isoformat() if isinstance(group.key, date) else group.key,
                "label": group.label,
                **_figures_out(report, group.figures),
            }
            for group in report.groups
        ],
    }
