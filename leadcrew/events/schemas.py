"""The API's shapes of webhooks and of their delivery log (the reference's `webhook_event`)."""

from typing import Any

from ninja import Schema

from leadcrew.events.models import Delivery, Webhook


class WebhookIn(Schema):
    event: str
    target_type: str
    target: str
    name: str = ""
    add_to_lead_action_menu: bool = False


class WebhookOut(Schema):
    id: int
    event: str
    target_type: str
    target: str
    name: str | None
    params: dict[str, Any]
    is_disabled: bool
    add_to_lead_action_menu: bool
    created_at: str


def webhook_out(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.pk,
        "event": webhook.event,
        "target_type": webhook.target_type,
        "target": webhook.target,
        "name": webhook.name or None,
        "params": webhook.params or {},
        "is_disabled": webhook.is_disabled,
        "add_to_lead_action_menu": webhook.add_to_lead_action_menu,
        "created_at": webhook.created_at.isoformat(),
    }


class WebhookEventOut(Schema):
    id: int
    webhook_id: int
    event: str
    data: Any
    has_succeeded: bool
    state: str
    try_count: int
    last_returned_code: int | None
    error: str | None
    next_try_at: str | None
    created_at: str
    delivered_at: str | None


class WebhookEventDetailOut(WebhookEventOut):
    request_body: str
    response_body: str


def delivery_out(delivery: Delivery, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": delivery.pk,
        "webhook_id": delivery.webhook_id,
        "event": delivery.event_name,
        "data": delivery.data,
        "has_succeeded": delivery.has_succeeded,
        "state": delivery.state,
        "try_count": delivery.try_count,
        "last_returned_code": delivery.last_returned_code,
        "error": delivery.error or None,
        "next_try_at": delivery.next_try_at.isoformat() if delivery.state == "pending" else None,
        "created_at": delivery.created_at.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }
    if detail:
        data["request_body"] = delivery.request_body
        data["response_body"] = delivery.response_body
    return data
