"""/api/v2/fields and /api/v2/clients: thin routes over the contacts services and
selectors."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Status

from leadcrew.contacts import client_folder_services, selectors, services, vocabulary
from leadcrew.contacts.duplicates import lead_duplicate_page
from leadcrew.contacts.export import client_folders_csv
from leadcrew.contacts.schemas import (
    AddToClientIn,
    CategoryIn,
    CategoryOut,
    CategoryQuery,
    ClientIn,
    ClientOut,
    ClientQuery,
    ClientUpdateIn,
    DeletedOut,
    FieldIn,
    FieldOut,
    FieldQuery,
    FieldsReorderIn,
    FieldUpdateIn,
    PredefinedTagIn,
    PredefinedTagOut,
    category_out,
    client_out,
    field_out,
    predefined_tag_out,
)
from leadcrew.core.api_types import ApiRequest, Id, Paging, paginate
from leadcrew.leads.api import lead_detail_after_write
from leadcrew.leads.schemas import LeadDetailOut, LeadOut, lead_out

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


clients_router = Router(tags=["Client folders"])


@clients_router.get("/clients", response=list[ClientOut], summary="The client folders you see")
def list_clients(request: ApiRequest, response: HttpResponse, query: Query[ClientQuery]) -> Any:
    """A folder is seen by admins, by everyone under `everything_shared`, by its creator, and by
    whoever sees one of its leads."""
    folders = selectors.client_folder_list(
        request.auth, order=query.order, direction=query.direction, q=query.q
    )
    return [client_out(folder) for folder in paginate(folders, query, response)]


@clients_router.post("/clients", response={201: ClientOut}, summary="Create a client folder")
def create_client(request: ApiRequest, payload: ClientIn) -> Any:
    folder = client_folder_services.client_folder_create(
        actor=request.auth, name=payload.name, description=payload.description
    )
    return Status(201, client_out(folder))


@clients_router.get(
    "/clients/export",
    summary="Export the client folders you see as CSV",
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}, "description": "CSV"}}},
)
def export_clients(request: ApiRequest) -> HttpResponse:
    """Admins only under `only_admins_export_client_folders`; logged (leadcrew's)."""
    folders = client_folder_services.client_folders_export(actor=request.auth)
    response = HttpResponse(client_folders_csv(folders), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="client_folders.csv"'
    return response


@clients_router.get("/clients/{id}", response=ClientOut, summary="One client folder")
def get_client(request: ApiRequest, id: Id) -> Any:
    return client_out(selectors.client_folder_get(request.auth, id))


@clients_router.put("/clients/{id}", response=ClientOut, summary="Update a client folder")
def update_client(request: ApiRequest, id: Id, payload: ClientUpdateIn) -> Any:
    folder = client_folder_services.client_folder_update(
        actor=request.auth,
        folder_id=id,
        name=payload.name,
        description=payload.description,
        is_active=payload.is_active,
    )
    return client_out(folder)


@clients_router.delete("/clients/{id}", response=DeletedOut, summary="Delete a client folder")
def delete_client(request: ApiRequest, id: Id) -> Any:
    """Its leads stay and leave the folder. Admins only under
    `only_admins_delete_client_folders`; logged."""
    client_folder_services.client_folder_delete(actor=request.auth, folder_id=id)
    return {"id": id}


@clients_router.post(
    "/leads/{id}/add_to_client", response=LeadDetailOut, summary="Put a lead in a client folder"
)
def add_to_client(request: ApiRequest, id: Id, payload: AddToClientIn) -> Any:
    actor = request.auth
    client_folder_services.lead_add_to_client(actor=actor, lead_id=id, folder_id=payload.client_id)
    return lead_detail_after_write(request, id)


vocabulary_router = Router(tags=["Categories and predefined tags"])


@vocabulary_router.get("/categories", response=list[CategoryOut], summary="Tag categories")
def list_categories(request: ApiRequest, query: Query[CategoryQuery]) -> Any:
    actor = request.auth
    tags = list(vocabulary.predefined_tag_list(actor)) if query.include_tags else []
    return [category_out(category, tags) for category in vocabulary.category_list(actor)]


@vocabulary_router.post("/category", response={201: CategoryOut}, summary="Add a category (admins)")
def create_category(request: ApiRequest, payload: CategoryIn) -> Any:
    category = vocabulary.category_create(
        actor=request.auth, name=payload.name, is_required=payload.is_required
    )
    return Status(201, category_out(category, []))


@vocabulary_router.get(
    "/predefined_tags", response=list[PredefinedTagOut], summary="Predefined tags (admins)"
)
def list_predefined_tags(request: ApiRequest) -> Any:
    """A non-admin user token gets 401 `unauthorized_non_admin`, as in the reference API."""
    return [
        predefined_tag_out(tag) for tag in vocabulary.predefined_tag_list_for_admin(request.auth)
    ]


@vocabulary_router.post(
    "/predefined_tags", response={201: PredefinedTagOut}, summary="Add a predefined tag (admins)"
)
def create_predefined_tag(request: ApiRequest, payload: PredefinedTagIn) -> Any:
    category = payload.category_id if payload.category_id is not None else payload.category
    tag = vocabulary.predefined_tag_create(
        actor=request.auth, name=payload.name, category=category, position=payload.position
    )
    return Status(201, predefined_tag_out(tag))


@clients_router.get(
    "/leads/{id}/duplicates", response=list[LeadOut], summary="A lead's likely duplicates"
)
def lead_duplicates(
    request: ApiRequest, response: HttpResponse, id: Id, paging: Query[Paging]
) -> Any:
    """The other leads you may see that share a value of a key field (`is_key`: by default the
    e-mail and the phone, without case or accents) or the same title; newest first. 404 when
    you may not see the lead."""
    actor = request.auth
    rows, total = lead_duplicate_page(actor, id, offset=paging.offset, limit=paging.limit)
    response["X-TOTAL-COUNT"] = str(total)
    defs = selectors.lead_field_defs(actor) if rows else []
    return [lead_out(row, defs=defs) for row in rows]
