"""Writes on webhooks: admins only (the API: an account key), one transaction each."""

import re

from django.db import transaction
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import ApiKey, User, hash_secret
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.core.errors import AlreadyExists, Code, InvalidParameter, MissingParameter, NotFound
from leadcrew.events import crypto, targets
from leadcrew.events.models import (
    Delivery,
    DeliveryState,
    Event,
    EventName,
    NotificationSettings,
    TargetType,
    Webhook,
)
from leadcrew.events.recording import step_qualifier
from leadcrew.leads.models import Step

MAX_NAME = 200
# The reference's names, and the parametrised ones of statuses and steps.
STATUS_NAMES = {
    f"lead.status.changed.to.{s}" for s in ("todo", "standby", "won", "lost", "cancelled")
}
# `lead.step.changed.to.<pipeline>.<step>`: both names as the account wrote them, spaces included.
STEP_NAME = re.compile(r"lead\.step\.changed\.to\.\S.*\.\S.*")
# Names the reference lists that leadcrew does not record (yet): accepted, never sent.
ACCEPTED_UNSENT = {
    "lead.manual.trigger",
    "prospect.created",
    "prospect.updated",
    "task.status.changed",
    "account.default_field.created",
    "account.default_field.updated",
    "account.default_field.deleted",
}


def check_event_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise MissingParameter("event")
    known = {str(value) for value in EventName} | STATUS_NAMES | ACCEPTED_UNSENT
    if name in known or STEP_NAME.fullmatch(name):
        return name
    raise InvalidParameter("event", Code.WEBHOOK_UNKNOWN_EVENT)


def _webhook(actor: Actor, webhook_id: int, *, lock: bool = False) -> Webhook:
    webhooks = Webhook.objects.filter(account_id=actor.account_id, pk=webhook_id)
    found = (webhooks.select_for_update() if lock else webhooks).first()
    if found is None:
        raise NotFound("Webhook")
    return found


@transaction.atomic
def webhook_create(
    *,
    actor: Actor,
    event: str,
    target_type: str,
    target: str,
    name: str = "",
    add_to_lead_action_menu: bool = False,
    signing_key: str = "",
) -> Webhook:
    """A new webhook. The same (event, target type, target) twice in an account answers 409
    with the existing webhook's id. A URL must pass the forgery checks (targets.py).
    `signing_key` is the API key the reference's `signature` uses (the key that made it)."""
    ensure_admin(actor)
    event = check_event_name(event)
    if target_type not in TargetType.values:
        raise InvalidParameter("target_type", Code.NOT_ONE_OF, choices="url, email")
    target = target.strip()
    if not target:
        raise MissingParameter("target")
    if len(name) > MAX_NAME:
        raise InvalidParameter("name", Code.TOO_LONG, max=MAX_NAME)
    existing = Webhook.objects.filter(
        account_id=actor.account_id, event=event, target_type=target_type, target=target
    ).first()
    if existing is not None:
        raise AlreadyExists(Code.WEBHOOK_EXISTS, existing_id=existing.pk)
    if target_type == TargetType.URL:
        targets.check_url(target)
    else:
        target = targets.check_email(target)
    return Webhook.objects.create(
        account_id=actor.account_id,
        event=event,
        target_type=target_type,
        target=target,
        name=name.strip(),
        add_to_lead_action_menu=add_to_lead_action_menu and event == "lead.manual.trigger",
        signing_key=crypto.encrypt(signing_key),
        created_by_id=actor.user_id,
    )


@transaction.atomic
def webhook_delete(*, actor: Actor, webhook_id: int) -> Webhook:
    """Disables the webhook (the reference's DELETE): its log stays readable, nothing more is
    sent, and `activate` turns it back on."""
    ensure_admin(actor)
    webhook = _webhook(actor, webhook_id, lock=True)
    webhook.is_disabled = True
    webhook.disabled_reason = "deleted"
    webhook.save(update_fields=["is_disabled", "disabled_reason", "updated_at"])
    return webhook


@transaction.atomic
def webhook_activate(*, actor: Actor, webhook_id: int) -> Webhook:
    """Turns a webhook back on; a URL is checked again, its failures forgotten."""
    ensure_admin(actor)
    webhook = _webhook(actor, webhook_id, lock=True)
    if webhook.target_type == TargetType.URL:
        targets.check_url(webhook.target)
    webhook.is_disabled = False
    webhook.disabled_reason = ""
    webhook.failing_since = None
    webhook.save(update_fields=["is_disabled", "disabled_reason", "failing_since", "updated_at"])
    return webhook


@transaction.atomic
def delivery_resend(*, actor: Actor, delivery_id: int) -> Delivery:
    """Sends a delivery of the log again, with its recorded data: back in its lane's queue,
    due now, with a fresh retry window."""
    ensure_admin(actor)
    delivery = Delivery.objects.filter(account_id=actor.account_id, pk=delivery_id).first()
    if delivery is None:
        raise NotFound("Webhook event")
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).exclude(state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING, next_try_at=now, created_at=now
    )
    from leadcrew.events.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.enqueue(delivery.webhook_id))
    delivery.refresh_from_db()
    return delivery


def signing_key_check(actor: Actor, raw: str) -> str:
    """The API key an admin gives the web app for the reference's `signature`: one of the
    account's active keys (only its hash is stored, so the admin pastes it). Empty: none, and
    the webhook signs with its own secret."""
    raw = raw.strip()
    if not raw:
        return ""
    key = ApiKey.objects.filter(account_id=actor.account_id, key_hash=hash_secret(raw)).first()
    if key is None:
        raise InvalidParameter("api_key", Code.INVALID_API_KEY)
    if key.revoked_at is not None:
        raise InvalidParameter("api_key", Code.REVOKED_API_KEY)
    return raw


@transaction.atomic
def webhook_remove(*, actor: Actor, webhook_id: int) -> Webhook:
    """Deletes the webhook for good, with its delivery log (the web app's Delete; the API's
    DELETE only disables, as the reference's)."""
    ensure_admin(actor)
    webhook = _webhook(actor, webhook_id, lock=True)
    webhook.delete()
    return webhook


TEST_DATA = {"test": True, "message": "A test delivery from leadcrew: nothing happened."}


@transaction.atomic
def webhook_test_send(*, actor: Actor, webhook_id: int) -> Delivery:
    """Sends a test delivery to the webhook now, through the worker like any other: the
    webhook's event name with `data` saying it is a test. It shows in the delivery log, with
    the request and the answer. A disabled webhook sends nothing."""
    ensure_admin(actor)
    webhook = _webhook(actor, webhook_id)
    if webhook.is_disabled:
        raise InvalidParameter("webhook", Code.WEBHOOK_DISABLED)
    now = timezone.now()
    # Already dispatched: the test goes to this webhook only.
    event = Event.objects.create(
        account_id=actor.account_id,
        name=webhook.event.split(".to.")[0][:40],
        actor_id=actor.user_id,
        data=TEST_DATA,
        created_at=now,
        dispatched_at=now,
    )
    delivery = Delivery.objects.create(
        account_id=actor.account_id,
        webhook=webhook,
        event=event,
        event_name=webhook.event,
        lane=f"test:{event.pk}",
        data={**TEST_DATA, "event": webhook.event},
        next_try_at=now,
        created_at=now,
    )
    from leadcrew.events.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.enqueue(webhook.pk))
    return delivery


def event_names(actor: Actor) -> list[str]:
    """The names a webhook of the account may subscribe to and that leadcrew sends: every
    event, each status, and each step of the account's pipelines that has a name of its own."""
    ensure_admin(actor)
    names = [str(value) for value in EventName]
    names += sorted(STATUS_NAMES)
    steps = Step.objects.filter(account_id=actor.account_id).select_related("pipeline")
    for step in steps.order_by("pipeline__name", "position"):
        name = f"lead.step.changed.to.{step_qualifier(step)}"
        if STEP_NAME.fullmatch(name):
            names.append(name)
    return names


def ensure_api_key(actor: Actor) -> None:
    """The API's webhook routes take an account key, as the reference's do (`not_api_key`)."""
    from leadcrew.core.errors import Unauthorized

    if not actor.is_api_key:
        raise Unauthorized(Code.WEBHOOK_API_KEY_ONLY, type="not_api_key")


def notifications_mark_read(*, actor: Actor, notification_id: int | None = None) -> int:
    """Marks the actor's own notifications read: one, or all of them. Answers how many changed."""
    from leadcrew.events.selectors import own_notifications

    unread = own_notifications(actor).filter(read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def notification_settings_set(
    *, user: User, email_assigned: bool, email_reminder: bool, email_digest: bool
) -> NotificationSettings:
    """Which notifications the user also gets by e-mail (the bell lists them all)."""
    prefs, _ = NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "email_assigned": email_assigned,
            "email_reminder": email_reminder,
            "email_digest": email_digest,
        },
    )
    return prefs
