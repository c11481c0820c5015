"""/api/v2/leads: thin routes over the lead services and selectors."""

from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse
from django.utils.http import parse_http_date_safe
from ninja import Query, Router, Status

from leadcrew.access import explain
from leadcrew.access.actor import Actor
from leadcrew.access.policy import lead_for
from leadcrew.contacts.selectors import lead_field_defs
from leadcrew.core.api_types import ApiRequest, Id, Paging, built_answer, paginate
from leadcrew.leads import selectors, services
from leadcrew.leads.schemas import (
    AssignIn,
    BinnedLeadOut,
    CommentIn,
    CommentOut,
    CommentQuery,
    CommentUpdate,
    DeletedManyOut,
    DeletedOut,
    HistoryOut,
    HistoryQuery,
    IdsIn,
    LeadAccessOut,
    LeadCreate,
    LeadDetailOut,
    LeadOut,
    LeadQuery,
    LeadUpdate,
    binned_lead_out,
    comment_out,
    history_out,
    lead_access_out,
    lead_out,
)

router = Router(tags=["Leads"])


def lead_detail_after_write(
    request: ApiRequest, lead_id: int, response: HttpResponse | None = None
) -> dict[str, Any]:
    """The full lead, read again after a write (which may have taken it out of sight), with its
    new ETag when the answer carries headers."""
    row = selectors.lead_row_after_write(request.auth, lead_id)
    if response is not None:
        response["ETag"] = _etag(row)
    return lead_out(row, detail=True, site=_site(request), defs=lead_field_defs(request.auth))


def _site(request: ApiRequest) -> str:
    """Where the web app is, as the caller reached the server: the base of `permalink`."""
    return request.build_absolute_uri("/")


def _etag(row: selectors.LeadRow) -> str:
    return f'"{services.lead_version(row["updated_at"])}"'


def _precondition(request: ApiRequest) -> services.Precondition | None:
    """If-Match (ETags of GET /leads/{id}, or `*`) and If-Unmodified-Since, as integrations use
    them to write only what they read. An unreadable date is ignored, as HTTP says."""
    if_match = request.headers.get("If-Match")
    since = parse_http_date_safe(request.headers.get("If-Unmodified-Since", ""))
    if if_match is None and since is None:
        return None
    versions = frozenset(
        tag.strip().removeprefix("W/").strip('"') for tag in (if_match or "").split(",")
    ) - {""}
    return services.Precondition(
        versions=versions,
        unmodified_since=datetime.fromtimestamp(since, tz=UTC) if since is not None else None,
    )


def _list(
    actor: Actor, query: LeadQuery, response: HttpResponse, *, unassigned_only: bool = False
) -> HttpResponse:
    """The page as the JSON array of the objects the database wrote (leads/lead_json.py)."""
    page = selectors.lead_page(
        actor,
        query.to_filter(actor, unassigned_only=unassigned_only),
        order=query.effective_order(),
        direction=query.direction,
        offset=query.offset,
        limit=query.limit,
    )
    response["X-TOTAL-COUNT"] = str(page.total)
    response.content = "[" + ",".join(lead["lead_json"] for lead in page.leads) + "]"
    return response


@router.get("/leads", response=list[LeadOut], summary="List the leads you may see")
def list_leads(request: ApiRequest, response: HttpResponse, query: Query[LeadQuery]) -> Any:
    """Unassigned leads are listed for an API key, and for a user token with
    `include_unassigned=true`; `GET /leads/unassigned` lists only them."""
    return _list(request.auth, query, response)


@router.post("/leads", response={201: LeadDetailOut}, summary="Create a lead")
def create_lead(request: ApiRequest, response: HttpResponse, payload: LeadCreate) -> Any:
    """A `status` other than leadcrew's (clients send `new`) is ignored, as the reference
    does, and named in the `X-Leadcrew-Ignored` header."""
    lead = services.lead_create(actor=request.auth, data=payload.lead_write())
    if ignored := payload.ignored():
        response["X-Leadcrew-Ignored"] = ", ".join(ignored)
    return Status(201, lead_detail_after_write(request, lead.pk))


@router.get("/leads/unassigned", response=list[LeadOut], summary="The unassigned pool")
def list_unassigned(request: ApiRequest, response: HttpResponse, query: Query[LeadQuery]) -> Any:
    return _list(request.auth, query, response, unassigned_only=True)


@router.delete(
    "/leads/delete_multiple", response=DeletedManyOut, summary="Delete several leads (to the bin)"
)
def delete_multiple(request: ApiRequest, payload: IdsIn) -> Any:
    ids = payload.ids if isinstance(payload.ids, list) else [payload.ids]
    return {"ids": services.lead_delete_many(actor=request.auth, lead_ids=ids)}


@router.get("/leads/bin", response=list[BinnedLeadOut], summary="The bin")
def list_bin(request: ApiRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    """Deleted leads the caller may restore (whoever could edit them), most recently deleted
    first; each is purged 30 days after its deletion."""
    rows, total = selectors.bin_page(request.auth, offset=paging.offset, limit=paging.limit)
    response["X-TOTAL-COUNT"] = str(total)
    return [binned_lead_out(row) for row in rows]


@router.get("/leads/{id}", response=LeadDetailOut, summary="One lead")
def get_lead(request: ApiRequest, response: HttpResponse, id: Id) -> Any:
    """404 when the caller may not see the lead, exactly as if it did not exist. The `ETag`
    header is the lead's version: send it back in `If-Match` to write only if nobody changed
    the lead since."""
    row = selectors.lead_detail_row(request.auth, id)
    response["ETag"] = _etag(row)
    lead = lead_out(row, detail=True, site=_site(request), defs=lead_field_defs(request.auth))
    return built_answer(request, lead, response)


@router.put("/leads/{id}", response=LeadDetailOut, summary="Update a lead (partial)")
def update_lead(request: ApiRequest, response: HttpResponse, id: Id, payload: LeadUpdate) -> Any:
    """With `If-Match` (an ETag) or `If-Unmodified-Since`, a lead changed since answers 412
    `precondition_failed` and is left as it is."""
    actor = request.auth
    services.lead_update(
        actor=actor, lead_id=id, data=payload.lead_write(), precondition=_precondition(request)
    )
    return lead_detail_after_write(request, id, response)


@router.delete("/leads/{id}", response=DeletedOut, summary="Delete a lead (to the bin)")
def delete_lead(request: ApiRequest, id: Id) -> Any:
    """`If-Match` and `If-Unmodified-Since` apply as on PUT."""
    lead = services.lead_delete(actor=request.auth, lead_id=id, precondition=_precondition(request))
    return {"id": lead.pk}


@router.post("/leads/{id}/restore", response=LeadDetailOut, summary="Restore a lead from the bin")
def restore_lead(request: ApiRequest, id: Id) -> Any:
    """404 unless the lead is in the bin and the caller could edit it."""
    actor = request.auth
    services.lead_restore(actor=actor, lead_id=id)
    return lead_detail_after_write(request, id)


@router.get(
    "/leads/{id}/access",
    response=LeadAccessOut,
    exclude_unset=True,
    summary="Who may see, edit, assign and place a lead, and why",
    description=(
        "The caller's rights on the lead, each with the rules that grant it; for an admin or an "
        "account key also every active user's, in `users`. 404 if the caller cannot see the "
        "lead. `place` is allowed when the caller may put the lead in another team or take it "
        "out of its own.\n\nReason codes:\n\n"
        + "\n".join(f"- `{code}`: {meaning}" for code, meaning in explain.REASON_MEANINGS.items())
    ),
)
def lead_access(request: ApiRequest, response: HttpResponse, id: Id) -> Any:
    return built_answer(request, lead_access_out(explain.lead_access(request.auth, id)), response)


@router.post("/leads/{id}/assign", response=LeadDetailOut, summary="Assign a lead")
def assign_lead(request: ApiRequest, id: Id, payload: AssignIn) -> Any:
    actor = request.auth
    services.lead_assign(actor=actor, lead_id=id, user_ref=payload.user_id)
    return lead_detail_after_write(request, id)


@router.post(
    "/leads/{id}/duplicate_lead", response={201: LeadDetailOut}, summary="Duplicate a lead"
)
def duplicate_lead(request: ApiRequest, id: Id) -> Any:
    actor = request.auth
    copy = services.lead_duplicate(actor=actor, lead_id=id)
    return Status(201, lead_detail_after_write(request, copy.pk))


@router.get("/leads/{id}/action_histories", response=list[HistoryOut], summary="A lead's history")
def lead_history(
    request: ApiRequest, response: HttpResponse, id: Id, query: Query[HistoryQuery]
) -> Any:
    """Newest first unless `direction=asc`."""
    lead = lead_for(request.auth, id)
    rows = selectors.lead_history(lead, newest_first=query.direction == "desc")
    return [history_out(row) for row in paginate(rows, query, response)]


@router.get(
    "/leads/{id}/comments",
    response=list[CommentOut],
    summary="A lead's comments and activities",
)
def list_comments(
    request: ApiRequest,
    response: HttpResponse,
    id: Id,
    paging: Query[Paging],
    query: Query[CommentQuery],
) -> Any:
    lead = lead_for(request.auth, id)
    comments = selectors.lead_comments(lead, newest_first=query.direction == "desc")
    return [comment_out(c) for c in paginate(comments, paging, response)]


@router.post(
    "/leads/{id}/comments",
    response={201: CommentOut},
    summary="Comment on a lead, or log an activity (with `activity_id`)",
)
def create_comment(request: ApiRequest, id: Id, payload: CommentIn) -> Any:
    comment = services.comment_create(actor=request.auth, lead_id=id, data=payload.comment_write())
    return Status(201, comment_out(comment))


@router.put(
    "/leads/{lead_id}/comments/{id}",
    response=CommentOut,
    summary="Change a comment (its author or an admin)",
)
def update_comment(request: ApiRequest, lead_id: Id, id: Id, payload: CommentUpdate) -> Any:
    comment = services.comment_update(
        actor=request.auth, lead_id=lead_id, comment_id=id, data=payload.comment_write()
    )
    return comment_out(comment)


@router.delete(
    "/leads/{lead_id}/comments/{id}",
    response=DeletedOut,
    summary="Delete a comment (its author or an admin; admins only under "
    "`only_admins_delete_comments`)",
)
def delete_comment(request: ApiRequest, lead_id: Id, id: Id) -> Any:
    return {"id": services.comment_delete(actor=request.auth, lead_id=lead_id, comment_id=id)}
