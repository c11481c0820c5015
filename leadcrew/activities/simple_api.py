"""/api/simple: the reference's "Simplified API" for no-code tools. Every route is a GET that
changes data, by design, and takes an account API key only (X-API-KEY, or `api_key`)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import Field

from leadcrew.activities import services
from leadcrew.core.api_types import ApiRequest, Id, NameRef, ShortText, Text, UserRef
from leadcrew.core.errors import Code, Unauthorized
from leadcrew.leads import services as lead_services
from leadcrew.leads.api import lead_detail_after_write
from leadcrew.leads.schemas import CommentOut, LeadDetailOut, comment_out

router = Router(tags=["Simplified API"])


class UserTokenRefused(APIKeyHeader):
    """A user token is no credential here: say so, rather than "missing credential"."""

    param_name = "X-USER-TOKEN"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key:
            raise Unauthorized(Code.API_KEY_ONLY, type="not_api_key")
        return None


class AddActivityQuery(Schema):
    activity_id: NameRef = Field(description="An activity type's id or name")
    user_id: UserRef | None = Field(None, description="The author (id or e-mail)")
    content: Text = Field(min_length=1, max_length=100_000)


class AddTagQuery(Schema):
    tag: ShortText = Field(min_length=1)


@router.get(
    "/leads/{id}/add_activity",
    response={201: CommentOut},
    summary="Log an activity on a lead (API key only; changes data)",
)
def add_activity(request: ApiRequest, id: Id, query: Query[AddActivityQuery]) -> Any:
    data = lead_services.CommentWrite(content=query.content, activity_id=query.activity_id)
    if query.user_id is not None:
        data["user_id"] = query.user_id
    comment = lead_services.comment_create(actor=request.auth, lead_id=id, data=data)
    return Status(201, comment_out(comment))


@router.get(
    "/leads/{id}/add_tag",
    response=LeadDetailOut,
    summary="Add a tag to a lead (API key only; changes data)",
)
def add_tag(request: ApiRequest, id: Id, query: Query[AddTagQuery]) -> Any:
    services.lead_tag_add(actor=request.auth, lead_id=id, tag=query.tag)
    return lead_detail_after_write(request, id)
