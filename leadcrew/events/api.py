"""/api/v2/webhooks and /api/v2/webhook_events: thin routes over the webhook services and
selectors. An account API key only, as in the reference."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Status

from leadcrew.core.api_types import ApiRequest, Id, Paging, paginate
from leadcrew.events import selectors, services
from leadcrew.events.schemas import (
    WebhookEventDetailOut,
    WebhookEventOut,
    WebhookIn,
    WebhookOut,
    delivery_out,
    webhook_out,
)

router = Router(tags=["Webhooks"])


def _api_key(request: ApiRequest) -> str:
    """The key the request came with: the reference's `signature` is made with it."""
    return request.headers.get("X-API-KEY") or request.GET.get("api_key") or ""


@router.get("/webhooks", response=list[WebhookOut])
def list_webhooks(
    request: ApiRequest, response: HttpResponse, paging: Query[Paging]
) -> list[dict[str, Any]]:
    services.ensure_api_key(request.auth)
    webhooks = selectors.webhook_list(request.auth)
    return [webhook_out(webhook) for webhook in paginate(webhooks, paging, response)]


@router.post("/webhooks", response={201: WebhookOut})
def create_webhook(request: ApiRequest, body: WebhookIn) -> Status[dict[str, Any]]:
    services.ensure_api_key(request.auth)
    webhook = services.webhook_create(
        actor=request.auth,
        event=body.event,
        target_type=body.target_type,
        target=body.target,
        name=body.name,
        add_to_lead_action_menu=body.add_to_lead_action_menu,
        signing_key=_api_key(request),
    )
    return Status(201, webhook_out(webhook))


@router.delete("/webhooks/{id}", response=WebhookOut)
def delete_webhook(request: ApiRequest, id: Id) -> dict[str, Any]:
    services.ensure_api_key(request.auth)
    return webhook_out(services.webhook_delete(actor=request.auth, webhook_id=id))


@router.put("/webhooks/{id}/activate", response=WebhookOut)
def activate_webhook(request: ApiRequest, id: Id) -> dict[str, Any]:
    services.ensure_api_key(request.auth)
    return webhook_out(services.webhook_activate(actor=request.auth, webhook_id=id))


@router.get("/webhook_events", response=list[WebhookEventOut])
def list_webhook_events(
    request: ApiRequest,
    response: HttpResponse,
    paging: Query[Paging],
    webhook_id: int | None = None,
) -> list[dict[str, Any]]:
    """The delivery log of the last 10 days, newest first."""
    services.ensure_api_key(request.auth)
    deliveries = selectors.delivery_list(request.auth, webhook_id)
    return [delivery_out(delivery) for delivery in paginate(deliveries, paging, response)]


@router.get("/webhook_events/{id}", response=WebhookEventDetailOut)
def get_webhook_event(request: ApiRequest, id: Id) -> dict[str, Any]:
    services.ensure_api_key(request.auth)
    return delivery_out(selectors.delivery_get(request.auth, id), detail=True)
