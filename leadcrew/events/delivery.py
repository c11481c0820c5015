"""Sending deliveries: the reference's body and SHA-1 signature, our own timestamped HMAC
header, retries with exponential backoff for 24 hours, a webhook failing for 3 days disabled
(and its account's admins told), and the order of events kept per lead.

Claiming is one conditional UPDATE (`pending` → `sending`): of two workers reaching the same
delivery, one sends it and the other moves on. A delivery waits while an earlier one of its
lane (same webhook, same lead) is pending or being sent."""

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from leadcrew.core.errors import ApiError
from leadcrew.events import crypto, targets
from leadcrew.events.models import (
    Delivery,
    DeliveryState,
    Event,
    Notification,
    NotificationKind,
    TargetType,
    Webhook,
)

logger = logging.getLogger("leadcrew.webhooks")

RETRY_WINDOW = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)
# A claim older than this is a worker that died while sending: the delivery is tried again.
STALE_CLAIM = timedelta(minutes=5)
LOG_RETENTION = timedelta(days=10)
CLAIMS_PER_ROUND = 50
OPEN = (DeliveryState.PENDING, DeliveryState.SENDING)


def backoff(try_count: int) -> timedelta:
    """The wait before try `try_count + 1`: 30 s, 1 min, 2 min… at most 2 hours."""
    wait: timedelta = FIRST_RETRY * (2 ** max(try_count - 1, 0))
    return min(wait, LONGEST_WAIT)


def reference_signature(delivery_id: int, key: str) -> str:
    """The reference API's: lowercase hex SHA-1 of the delivery id followed by the API key."""
    return hashlib.sha1(f"{delivery_id}{key}".encode()).hexdigest()


def leadcrew_signature(secret: str, timestamp: int, body: bytes) -> str:
    """X-Leadcrew-Signature: `t=<unix time>,v1=<HMAC-SHA256 of "t.body">`, so a receiver can
    refuse an old delivery replayed."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signing_key(webhook: Webhook) -> str | None:
    if not webhook.signing_key:
        return webhook.secret
    return crypto.decrypt(webhook.signing_key)


# --- What is sent ---------------------------------------------------------------------------


def event_data(event: Event) -> dict[str, Any] | None:
    """The delivery's `data`: for a lead event, the lead in its show form as it is now (the
    bin's included: `lead.deleted`), as GET /leads/{id} shows it (its fields by name, its
    contact e-mails); for the others, the object recorded with the event."""
    if event.lead_id is None:
        return event.data
    from leadcrew.access.policy import system_binned_leads, system_leads
    from leadcrew.contacts.selectors import account_lead_field_defs
    from leadcrew.leads.schemas import lead_out
    from leadcrew.leads.selectors import lead_rows

    for leads in (system_leads(), system_binned_leads()):
        rows = lead_rows(
            leads.filter(account_id=event.account_id, pk=event.lead_id), with_owner=True
        )
        if rows:
            site = settings.LEADCREW_SITE_URL + "/"
            defs = account_lead_field_defs(event.account_id)
            return lead_out(rows[0], detail=True, site=site, defs=defs)
    return {"id": event.lead_id}


def body_of(delivery: Delivery, signature: str) -> dict[str, Any]:
    return {
        "webhook_event": {
            "id": delivery.pk,
            "event": delivery.event_name,
            "signature": signature,
            "data": delivery.data,
            "has_succeeded": delivery.has_succeeded,
            "try_count": delivery.try_count,
            "last_returned_code": delivery.last_returned_code,
        }
    }


# --- The worker's loop ----------------------------------------------------------------------


def _due(webhook_id: int, now: datetime) -> list[int]:
    earlier_open = Delivery.objects.filter(
        webhook_id=webhook_id,
        lane=OuterRef("lane"),
        id__lt=OuterRef("id"),
        state__in=OPEN,
    )
    due = Delivery.objects.filter(
        webhook_id=webhook_id, state=DeliveryState.PENDING, next_try_at__lte=now
    ).exclude(Exists(earlier_open))
    return list(due.order_by("id").values_list("id", flat=True)[:CLAIMS_PER_ROUND])


def _claim(delivery_id: int, now: datetime) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, claimed_at=now
        )
    )


def deliver_due(webhook_id: int, now: datetime | None = None) -> int:
    """Sends every due delivery of the webhook, lane by lane in order, until none is due.
    Answers how many were sent (succeeded or not); schedules the next retry if any waits."""
    sent = 0
    while True:
        webhook = Webhook.objects.filter(pk=webhook_id).first()
        if webhook is None or webhook.is_disabled:
            return sent
        moment = now or timezone.now()
        ids = _due(webhook_id, moment)
        if not ids:
            break
        for delivery_id in ids:
            if _claim(delivery_id, moment):
                send(Delivery.objects.select_related("event", "webhook").get(pk=delivery_id))
                sent += 1
    _schedule_retry(webhook_id)
    return sent


def _schedule_retry(webhook_id: int) -> None:
    from leadcrew.events.tasks import deliver_webhook

    waiting = (
        Delivery.objects.filter(webhook_id=webhook_id, state=DeliveryState.PENDING)
        .order_by("next_try_at")
        .values_list("next_try_at", flat=True)
        .first()
    )
    if waiting is not None and waiting > timezone.now():
        deliver_webhook.using(run_after=waiting).enqueue(webhook_id)


def send(delivery: Delivery) -> Delivery:
    """One try of a claimed delivery (or a re-send from the log): POST or e-mail, then the
    outcome recorded."""
    webhook = delivery.webhook
    if delivery.data is None:
        delivery.data = event_data(delivery.event)
    if webhook.target_type == TargetType.EMAIL:
        return _send_email(delivery)
    key = signing_key(webhook)
    delivery.try_count += 1
    body = json.dumps(body_of(delivery, reference_signature(delivery.pk, key or ""))).encode()
    delivery.request_body = body.decode()
    if key is None:
        return _failed(delivery, None, "the signing key cannot be read: SECRET_KEY changed")
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "leadcrew-webhooks",
        "X-Leadcrew-Signature": leadcrew_signature(webhook.secret, stamp, body),
        "X-Leadcrew-Event": delivery.event_name,
        "X-Leadcrew-Delivery": str(delivery.pk),
    }
    try:
        target = targets.check_url(webhook.target)
        assert target is not None
        answer = targets.post(target, body, headers, settings.LEADCREW_WEBHOOK_TIMEOUT)
    except ApiError as refused:
        return _failed(delivery, None, f"target refused: {refused.code}")
    except OSError as error:
        return _failed(delivery, None, f"{type(error).__name__}: {error}"[:500])
    delivery.response_body = answer.body
    if 200 <= answer.status < 300:
        return _succeeded(delivery, answer.status)
    return _failed(delivery, answer.status, f"answered {answer.status}")


def _send_email(delivery: Delivery) -> Delivery:
    from leadcrew.events.notify import webhook_email

    delivery.try_count += 1
    subject, text = webhook_email(delivery)
    delivery.request_body = text
    try:
        send_mail(subject, text, None, [delivery.webhook.target])
    except OSError as error:
        return _failed(delivery, None, f"{type(error).__name__}: {error}"[:500])
    return _succeeded(delivery, None)


def _succeeded(delivery: Delivery, status: int | None) -> Delivery:
    now = timezone.now()
    delivery.state = DeliveryState.SUCCEEDED
    delivery.last_returned_code = status
    delivery.delivered_at = now
    delivery.error = ""
    delivery.save()
    Webhook.objects.filter(pk=delivery.webhook_id).update(failing_since=None)
    return delivery


def _failed(delivery: Delivery, status: int | None, error: str) -> Delivery:
    now = timezone.now()
    delivery.last_returned_code = status
    delivery.error = error
    if now - delivery.created_at >= RETRY_WINDOW:
        delivery.state = DeliveryState.FAILED
    else:
        delivery.state = DeliveryState.PENDING
        delivery.next_try_at = now + backoff(delivery.try_count)
    delivery.save()
    logger.info("Delivery %s to webhook %s failed: %s", delivery.pk, delivery.webhook_id, error)
    _note_failure(delivery.webhook_id, now)
    return delivery


def _note_failure(webhook_id: int, now: datetime) -> None:
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
        if webhook.failing_since is None:
            webhook.failing_since = now
            webhook.save(update_fields=["failing_since", "updated_at"])
            return
        if webhook.is_disabled or now - webhook.failing_since < DISABLE_AFTER:
            return
        webhook.is_disabled = True
        webhook.disabled_reason = "failing"
        webhook.save(update_fields=["is_disabled", "disabled_reason", "updated_at"])
        _tell_admins(webhook, now)


def _tell_admins(webhook: Webhook, now: datetime) -> None:
    from leadcrew.accounts.models import User

    admins = User.objects.filter(account_id=webhook.account_id, is_admin=True, is_disabled=False)
    Notification.objects.bulk_create(
        Notification(
            account_id=webhook.account_id,
            user=admin,
            kind=NotificationKind.WEBHOOK_DISABLED,
            key=f"webhook:{webhook.pk}:{now.isoformat()}",
            text=f"{webhook.name or webhook.event} → {webhook.target}"[:500],
            created_at=now,
        )
        for admin in admins
    )
    from leadcrew.events.tasks import email_notifications

    transaction.on_commit(lambda: email_notifications.enqueue())


# --- Housekeeping ---------------------------------------------------------------------------


def release_stale_claims(now: datetime | None = None) -> int:
    """Deliveries claimed by a worker that died mid-send go back to pending."""
    cutoff = (now or timezone.now()) - STALE_CLAIM
    return Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=cutoff).update(
        state=DeliveryState.PENDING
    )


def purge_old_deliveries(now: datetime | None = None) -> int:
    """The delivery log keeps 10 days; older deliveries that are over are deleted, and the
    events no delivery needs any more with them."""
    cutoff = (now or timezone.now()) - LOG_RETENTION
    deleted, _ = Delivery.objects.filter(created_at__lt=cutoff).exclude(state__in=OPEN).delete()
    Event.objects.filter(created_at__lt=cutoff, dispatched_at__isnull=False).exclude(
        Exists(Delivery.objects.filter(event_id=OuterRef("pk")))
    ).delete()
    return deleted
