"""/api/v2/fields: thin routes over the field services and selectors."""

from typing import Any

from ninja import Query, Router, Status

from leadcrew.contacts import selectors, services
from leadcrew.contacts.schemas import (
    DeletedOut,
    FieldIn,
    FieldOut,
    FieldQuery,
    FieldsReorderIn,
    FieldUpdateIn,
    field_out,
)
from leadcrew.core.api_types import ApiRequest, Id

router = Router(tags=["Fields"])


@router.get("/fields", response=list[FieldOut], summary="The account's fields")
def list_fields(request: ApiRequest, query: Query[FieldQuery]) -> Any:
    """Every user may read them; lead fields first, each kind in its order."""
    return [field_out(f) for f in selectors.field_list(request.auth, query.parent_type)]


@router.post("/fields", response={201: FieldOut}, summary="Add a field (admins)")
def create_field(request: ApiRequest, payload: FieldIn) -> Any:
    field = services.field_create(
        actor=request.auth,
        name=payload.name,
        type=payload.type,
        parent_type=payload.parent_type,
        is_key=bool(payload.key_flag()),
        choices=payload.choices,
    )
    return Status(201, field_out(field))


@router.post("/fields/reorder", response=list[FieldOut], summary="Order the fields (admins)")
def reorder_fields(request: ApiRequest, payload: FieldsReorderIn) -> Any:
    actor = request.auth
    services.fields_reorder(actor=actor, parent_type=payload.parent_type, field_ids=payload.ids)
    return [field_out(f) for f in selectors.field_list(actor, payload.parent_type)]


@router.get("/fields/{id}", response=FieldOut, summary="One field")
def get_field(request: ApiRequest, id: Id) -> Any:
    return field_out(selectors.field_get(request.auth, id))


@router.put("/fields/{id}", response=FieldOut, summary="Rename, flag, reorder a field (admins)")
def update_field(request: ApiRequest, id: Id, payload: FieldUpdateIn) -> Any:
    """A field's key and type never change: integrations and stored values rely on them."""
    actor = request.auth
    services.field_update(
        actor=actor,
        field_id=id,
        name=payload.name,
        is_key=payload.key_flag(),
        choices=payload.choices,
        position=payload.position,
    )
    return field_out(selectors.field_get(actor, id))


@router.delete("/fields/{id}", response=DeletedOut, summary="Delete a field and its values")
def delete_field(request: ApiRequest, id: Id) -> Any:
    services.field_delete(actor=request.auth, field_id=id)
    return {"id": id}
