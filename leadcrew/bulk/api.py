"""/api/v2/leads/bulk and /api/v2/bulk_actions."""

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Query, Router

from leadcrew.bulk import services
from leadcrew.bulk.export import csv_lines
from leadcrew.bulk.models import BulkActionType
from leadcrew.bulk.schemas import (
    SKIP_REASONS,
    UNDO_SKIP_REASONS,
    BulkActionOut,
    BulkIn,
    BulkResultOut,
    UndoOut,
    bulk_action_out,
)
from leadcrew.contacts.selectors import lead_field_defs
from leadcrew.core.api_types import ApiRequest, Id, Paging, paginate

router = Router(tags=["Bulk actions"])

CSV_RESPONSE = {
    "responses": {
        200: {  # an int, as ninja keys its own: the two merge into one response
            "description": "The result, or for `export` the selected leads as CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.post(
    "/leads/bulk",
    response=BulkResultOut,
    summary="Apply one action to many leads",
    description=(
        "Select leads by `ids` or by `filter`, then `assign`, `place_in_team`, `set_status`, "
        "`move_to_step`, `add_tags`, `remove_tags`, `star`, `unstar`, `delete`, `restore` "
        "(from the bin) or `export` (answers CSV). The whole batch commits or none of it. "
        + SKIP_REASONS
    ),
    openapi_extra=CSV_RESPONSE,
)
def bulk(request: ApiRequest, payload: BulkIn) -> Any:
    actor = request.auth
    selection = services.Selection(
        ids=payload.ids, filters=payload.filter.to_filter(request.auth) if payload.filter else None
    )
    if payload.action == BulkActionType.EXPORT:
        leads = services.bulk_export_leads(actor=actor, selection=selection)
        lines = csv_lines(leads, fields=lead_field_defs(actor))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="leads.csv"'
        return response
    params = payload.model_dump(exclude_unset=True, exclude={"action", "ids", "filter"})
    result = services.bulk_apply(
        actor=actor, action=payload.action, selection=selection, params=params
    )
    return {
        "bulk_action_id": result.bulk_action.pk,
        "matched": result.matched,
        "changed": result.changed,
        "skipped": result.skipped,
    }


@router.get(
    "/bulk_actions",
    response=list[BulkActionOut],
    summary="Bulk actions, newest first: your own, or all for an admin",
)
def list_bulk_actions(request: ApiRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    page = paginate(services.bulk_action_list(request.auth), paging, response)
    return [bulk_action_out(bulk) for bulk in page]


@router.post(
    "/bulk_actions/{id}/undo",
    response=UndoOut,
    summary="Undo a bulk action (its author or an admin, within 30 days)",
    description=UNDO_SKIP_REASONS,
)
def undo(request: ApiRequest, id: Id) -> Any:
    result = services.bulk_undo(actor=request.auth, bulk_action_id=id)
    return {
        "bulk_action_id": result.bulk_action.pk,
        "restored": result.restored,
        "left_changed": result.left_changed,
        "skipped": result.skipped,
    }
