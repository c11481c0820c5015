"""/api/v2/activities: the account's activity types (read by all, written by admins), and the
activity reports under /statistics/activities."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Status

from leadcrew.activities import selectors, services
from leadcrew.activities.export import activity_report_csv
from leadcrew.activities.schemas import (
    ActivityReportOut,
    ActivityReportQuery,
    ActivityTypeIn,
    ActivityTypeOut,
    ActivityTypeUpdate,
    activity_report_out,
    activity_type_out,
)
from leadcrew.core.api_types import ApiRequest, Id

router = Router(tags=["Activities"])


@router.get(
    "/activities",
    response=list[ActivityTypeOut],
    summary="The account's activity types (calls, e-mails, meetings...)",
    description="Every type, the disabled included, in the account's order. Logging an "
    "activity is posting a comment with `activity_id`.",
)
def list_activity_types(request: ApiRequest, response: HttpResponse) -> Any:
    types = list(selectors.activity_types(request.auth))
    response["X-TOTAL-COUNT"] = str(len(types))
    return [activity_type_out(activity) for activity in types]


@router.post(
    "/activities",
    response={201: ActivityTypeOut},
    summary="Add an activity type (admins; extension)",
)
def create_activity_type(request: ApiRequest, payload: ActivityTypeIn) -> Any:
    activity = services.activity_type_create(actor=request.auth, change=payload.change())
    return Status(201, activity_type_out(activity))


@router.put(
    "/activities/{id}",
    response=ActivityTypeOut,
    summary="Rename, move, disable or enable an activity type (admins; extension)",
)
def update_activity_type(request: ApiRequest, id: Id, payload: ActivityTypeUpdate) -> Any:
    activity = services.activity_type_update(
        actor=request.auth, activity_id=id, change=payload.change()
    )
    return activity_type_out(activity)


REPORT_RESPONSES = {
    "responses": {
        200: {
            "description": "The report; with `format=csv`, the groups and totals as CSV",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ActivityReportOut"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
}


@router.get(
    "/statistics/activities",
    response=ActivityReportOut,
    by_alias=True,
    summary="Activities per type, leads touched and leads won, per period, member, team or type",
    description=(
        "The scopes, refusals, periods and time zone of `GET /statistics`. Counts the "
        "activities (comments with an activity type) logged in the period on the scope's "
        "leads the caller sees, by the scope's member, for the scope's teams: an activity "
        "counts for the team of its lead when it was logged, if its author was a member of "
        "that team then. `format=csv` is an export."
    ),
    openapi_extra=REPORT_RESPONSES,
)
def activity_report(request: ApiRequest, query: Query[ActivityReportQuery]) -> Any:
    actor = request.auth
    wanted = query.to_request()
    if query.format == "csv":
        report = services.activity_report_export(actor=actor, request=wanted)
        response = HttpResponse(activity_report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="activities.csv"'
        return response
    return activity_report_out(selectors.activity_report_get(actor=actor, request=wanted))
