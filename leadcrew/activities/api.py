"""/api/v2/activities: the account's activity types (read by all, written by admins), and the
activity reports under /statistics/activities."""

from typing import Any

from django.http import HttpResponse
from ninja import Router, Status

from leadcrew.activities import selectors, services
from leadcrew.activities.schemas import (
    ActivityTypeIn,
    ActivityTypeOut,
    ActivityTypeUpdate,
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
