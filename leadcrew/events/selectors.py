"""Reads of webhooks and their delivery log: the actor's account only, admins only."""

from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.core.errors import NotFound
from leadcrew.events.models import Delivery, Webhook


def webhook_list(actor: Actor) -> QuerySet[Webhook]:
    ensure_admin(actor)
    return Webhook.objects.filter(account_id=actor.account_id).order_by("id")


def webhook_get(actor: Actor, webhook_id: int) -> Webhook:
    found = webhook_list(actor).filter(pk=webhook_id).first()
    if found is None:
        raise NotFound("Webhook")
    return found


def delivery_list(actor: Actor, webhook_id: int | None = None) -> QuerySet[Delivery]:
    """The delivery log (10 days), newest first."""
    ensure_admin(actor)
    deliveries = Delivery.objects.filter(account_id=actor.account_id)
    if webhook_id is not None:
        deliveries = deliveries.filter(webhook_id=webhook_id)
    return deliveries.order_by("-id")


def delivery_get(actor: Actor, delivery_id: int) -> Delivery:
    found = delivery_list(actor).filter(pk=delivery_id).first()
    if found is None:
        raise NotFound("Webhook event")
    return found
