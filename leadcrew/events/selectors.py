"""Reads of webhooks and their delivery log (the actor's account only, admins only), and of a
user's own notifications (the bell)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.access.policy import leads_for
from leadcrew.accounts.models import User
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.core.errors import NotFound
from leadcrew.events.models import Delivery, Notification, Webhook
from leadcrew.events.notify import in_app_text

# The bell's list shows this many at a time, newest first; "Older" shows the next ones.
NOTIFICATIONS_SHOWN = 50


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


def own_notifications(actor: Actor) -> QuerySet[Notification]:
    """The actor's own notifications (an API key has none)."""
    if actor.user_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=actor.user_id)


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread: one COUNT on a partial index."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


@dataclass(frozen=True)
class ShownNotification:
    id: int
    text: str
    url: str | None
    created_at: datetime
    unread: bool


@dataclass(frozen=True)
class NotificationPage:
    shown: list[ShownNotification]
    older_than: int | None  # the cursor of the next page ("Older"), when there is one


def notification_list(actor: Actor, *, before: int | None = None) -> NotificationPage:
    """The actor's notifications, newest first (those older than the id `before`), a page of
    NOTIFICATIONS_SHOWN, in the active language. Those about a lead the actor may no longer see
    are left out: nothing is said of it, not even its title. Three queries whatever the length:
    the notifications, the leads seen, the people named."""
    rows_before = own_notifications(actor).order_by("-id")
    if before is not None:
        rows_before = rows_before.filter(pk__lt=before)
    rows = list(rows_before[: NOTIFICATIONS_SHOWN + 1])
    older_than = rows[NOTIFICATIONS_SHOWN - 1].pk if len(rows) > NOTIFICATIONS_SHOWN else None
    rows = rows[:NOTIFICATIONS_SHOWN]
    lead_ids = {row.lead_id for row in rows if row.lead_id is not None}
    titles = dict(leads_for(actor).filter(pk__in=lead_ids).values_list("pk", "title"))
    actor_ids = {row.actor_id for row in rows if row.actor_id is not None}
    names = {
        user.pk: user.full_name or user.email
        for user in User.objects.filter(account_id=actor.account_id, pk__in=actor_ids)
    }
    shown = []
    for row in rows:
        described = in_app_text(row, titles, names)
        if described is not None:
            text, url = described
            shown.append(ShownNotification(row.pk, text, url, row.created_at, row.read_at is None))
    return NotificationPage(shown, older_than)


def notification_get(actor: Actor, notification_id: int) -> ShownNotification:
    """One of the actor's own notifications, as the list shows it (NotFound otherwise, or when
    its lead is out of sight)."""
    row = own_notifications(actor).filter(pk=notification_id).first()
    if row is None:
        raise NotFound("Notification")
    titles = {}
    if row.lead_id is not None:
        titles = dict(leads_for(actor).filter(pk=row.lead_id).values_list("pk", "title"))
    names = {}
    if row.actor_id is not None:
        named = User.objects.filter(account_id=actor.account_id, pk=row.actor_id).first()
        names = {named.pk: named.full_name or named.email} if named else {}
    described = in_app_text(row, titles, names)
    if described is None:
        raise NotFound("Notification")
    return ShownNotification(row.pk, *described, row.created_at, row.read_at is None)
