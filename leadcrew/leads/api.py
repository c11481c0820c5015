"""/api/v2/leads: thin routes over the lead services and selectors."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from leadcrew.access import explain
from leadcrew.access.actor import Actor
from leadcrew.access.policy import lead_after_write, lead_for, leads_for
from leadcrew.core.api_types import Id, Paging, paginate
from leadcrew.core.errors import NotFound
from leadcrew.leads import selectors, services
from leadcrew.leads.schemas import (
    AssignIn,
    BinnedLeadOut,
    CommentIn,
    CommentOut,
    DeletedManyOut,
    DeletedOut,
    HistoryOut,
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


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _detail(actor: Actor, lead_id: int) -> dict[str, Any]:
    """The full lead, read again after a write (which may have taken it out of sight)."""
    (row,) = selectors.lead_rows(lead_after_write(actor, lead_id), with_owner=True)
    return lead_out(row, detail=True)


def _list(
    actor: Actor, query: LeadQuery, response: HttpResponse, *, unassigned_only: bool = False
) -> list[dict[str, Any]]:
    page = selectors.lead_page(
        actor,
        query.to_filter(unassigned_only=unassigned_only),
        order=query.order,
        direction=query.direction,
        offset=query.offset,
        limit=query.limit,
    )
    response["X-TOTAL-COUNT"] = str(page.total)
    return [lead_out(lead) for lead in page.leads]


@router.get("/leads", response=list[LeadOut], summary="List the leads you may see")
def list_leads(request: HttpRequest, response: HttpResponse, query: Query[LeadQuery]) -> Any:
    """Unassigned leads are listed only with `include_unassigned=true` (or `user_id`)."""
    return _list(_actor(request), query, response)


@router.post("/leads", response={201: LeadDetailOut}, summary="Create a lead")
def create_lead(request: HttpRequest, payload: LeadCreate) -> Any:
    actor = _actor(request)
    lead = services.lead_create(actor=actor, data=payload.model_dump(exclude_unset=True))
    return Status(201, _detail(actor, lead.pk))


@router.get("/leads/unassigned", response=list[LeadOut], summary="The unassigned pool")
def list_unassigned(request: HttpRequest, response: HttpResponse, query: Query[LeadQuery]) -> Any:
    return _list(_actor(request), query, response, unassigned_only=True)


@router.delete(
    "/leads/delete_multiple", response=DeletedManyOut, summary="Delete several leads (to the bin)"
)
def delete_multiple(request: HttpRequest, payload: IdsIn) -> Any:
    ids = payload.ids if isinstance(payload.ids, list) else [payload.ids]
    return {"ids": services.lead_delete_many(actor=_actor(request), lead_ids=ids)}


@router.get("/leads/bin", response=list[BinnedLeadOut], summary="The bin")
def list_bin(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    """Deleted leads the caller may restore (whoever could edit them), most recently deleted
    first; each is purged 30 days after its deletion."""
    leads = selectors.bin_leads(_actor(request))
    ids = paginate(leads.values_list("pk", flat=True), paging, response)
    return [binned_lead_out(row) for row in selectors.lead_rows(leads.filter(pk__in=ids))]


@router.get("/leads/{id}", response=LeadDetailOut, summary="One lead")
def get_lead(request: HttpRequest, id: Id) -> Any:
    """404 when the caller may not see the lead, exactly as if it did not exist."""
    rows = selectors.lead_rows(leads_for(_actor(request)).filter(pk=id), with_owner=True)
    if not rows:
        raise NotFound("Lead")
    return lead_out(rows[0], detail=True)


@router.put("/leads/{id}", response=LeadDetailOut, summary="Update a lead (partial)")
def update_lead(request: HttpRequest, id: Id, payload: LeadUpdate) -> Any:
    actor = _actor(request)
    services.lead_update(actor=actor, lead_id=id, data=payload.model_dump(exclude_unset=True))
    return _detail(actor, id)


@router.delete("/leads/{id}", response=DeletedOut, summary="Delete a lead (to the bin)")
def delete_lead(request: HttpRequest, id: Id) -> Any:
    return {"id": services.lead_delete(actor=_actor(request), lead_id=id).pk}


@router.post("/leads/{id}/restore", response=LeadDetailOut, summary="Restore a lead from the bin")
def restore_lead(request: HttpRequest, id: Id) -> Any:
    """404 unless the lead is in the bin and the caller could edit it."""
    actor = _actor(request)
    services.lead_restore(actor=actor, lead_id=id)
    return _detail(actor, id)


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
def lead_access(request: HttpRequest, id: Id) -> Any:
    return lead_access_out(explain.lead_access(_actor(request), id))


@router.post("/leads/{id}/assign", response=LeadDetailOut, summary="Assign a lead")
def assign_lead(request: HttpRequest, id: Id, payload: AssignIn) -> Any:
    actor = _actor(request)
    services.lead_assign(actor=actor, lead_id=id, user_ref=payload.user_id)
    return _detail(actor, id)


@router.post(
    "/leads/{id}/duplicate_lead", response={201: LeadDetailOut}, summary="Duplicate a lead"
)
def duplicate_lead(request: HttpRequest, id: Id) -> Any:
    actor = _actor(request)
    copy = services.lead_duplicate(actor=actor, lead_id=id)
    return Status(201, _detail(actor, copy.pk))


@router.get("/leads/{id}/action_histories", response=list[HistoryOut], summary="A lead's history")
def lead_history(
    request: HttpRequest, response: HttpResponse, id: Id, paging: Query[Paging]
) -> Any:
    lead = lead_for(_actor(request), id)
    return [history_out(row) for row in paginate(selectors.lead_history(lead), paging, response)]


@router.get("/leads/{id}/comments", response=list[CommentOut], summary="A lead's comments")
def list_comments(
    request: HttpRequest, response: HttpResponse, id: Id, paging: Query[Paging]
) -> Any:
    lead = lead_for(_actor(request), id)
    return [comment_out(c) for c in paginate(selectors.lead_comments(lead), paging, response)]


@router.post("/leads/{id}/comments", response={201: CommentOut}, summary="Comment on a lead")
def create_comment(request: HttpRequest, id: Id, payload: CommentIn) -> Any:
    comment = services.comment_create(
        actor=_actor(request),
        lead_id=id,
        content=payload.content,
        activity_id=payload.activity_id,
        is_pinned=payload.is_pinned,
    )
    return Status(201, comment_out(comment))
