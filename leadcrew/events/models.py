"""The event stream (a transactional outbox) and what goes out of it: webhooks and their
deliveries, and the notifications users read in the app or by e-mail."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from leadcrew.core.models import TenantModel


class EventName(models.TextChoices):
    """The events an account's changes record (the reference API's names). A webhook may also
    subscribe to a parametrised name: `lead.status.changed.to.<status>` and
    `lead.step.changed.to.<pipeline>.<step>`, matched against an event's `qualifier`."""

    LEAD_CREATION = "lead.creation"
    LEAD_STATUS_CHANGED = "lead.status.changed"
    LEAD_STEP_CHANGED = "lead.step.changed"
    LEAD_ASSIGNED = "lead.assigned"
    LEAD_UNASSIGNED = "lead.unassigned"
    LEAD_COMMENTED = "lead.commented"
    LEAD_CONTENT_CHANGED = "lead.content_has_changed"
    LEAD_DELETED = "lead.deleted"
    LEAD_ANY_UPDATE = "lead.any_update"
    LEAD_TEAM_CHANGED = "lead.team.changed"
    CLIENT_FOLDER_CREATED = "client_folder.created"
    STEP_CREATED = "account.step.created"
    STEP_UPDATED = "account.step.updated"
    STEP_DELETED = "account.step.deleted"
    STEP_PIPELINE_UPDATED = "account.step.pipeline.updated"
    PIPELINE_UPDATED = "account.pipeline.updated"


class Event(TenantModel):
    """One thing that happened, written in the same transaction as the change itself: an event
    exists exactly when its change committed. `dispatched_at` is set once the event has been
    turned into deliveries and notifications.

    Lead events keep the lead's id, not a foreign key: an event outlives the lead it is about
    (the bin's purge, a deleted account's export)."""

    name = models.CharField(max_length=40, choices=EventName.choices)
    # What a parametrised name adds: the new status, or "<pipeline>.<step>".
    qualifier = models.CharField(max_length=255, blank=True, default="")
    lead_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    # The user a lead was assigned to, the new team, the step, the client folder…
    subject_id = models.BigIntegerField(null=True, blank=True)
    bulk_action_id = models.BigIntegerField(null=True, blank=True)
    # One event per lead per write also counts as that write's `lead.any_update`.
    any_update = models.BooleanField(default=False)
    # For events that are not about a lead: the object as it was when the event happened.
    data = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The dispatcher's queue: undispatched events in order, whatever the table's size.
            models.Index(
                fields=["id"], condition=Q(dispatched_at__isnull=True), name="event_undispatched"
            ),
            models.Index(fields=["account", "lead_id", "id"], name="event_lead"),
        ]

    def matching_names(self) -> list[str]:
        """The webhook event names this event answers to."""
        names = [self.name]
        if self.qualifier:
            names.append(f"{self.name}.to.{self.qualifier}")
        if self.any_update and self.name != EventName.LEAD_ANY_UPDATE:
            names.append(EventName.LEAD_ANY_UPDATE)
        return names


class TargetType(models.TextChoices):
    URL = "url", "URL"
    EMAIL = "email", "E-mail"


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Webhook(TenantModel):
    """An admin's subscription: events of one name sent to a URL (POST) or an e-mail address."""

    event = models.CharField(max_length=300)
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target = models.CharField(max_length=2000)
    name = models.CharField(max_length=200, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    add_to_lead_action_menu = models.BooleanField(default=False)
    is_disabled = models.BooleanField(default=False)
    # Why it was disabled: "deleted" (by an admin) or "failing" (3 days of failed deliveries).
    disabled_reason = models.CharField(max_length=20, blank=True, default="")
    # The key of X-Leadcrew-Signature (HMAC-SHA256).
    secret = models.CharField(max_length=64, default=new_webhook_secret)
    # The reference's `signature` is SHA-1 of the delivery id and the account's API key: the
    # key that created the webhook, kept encrypted (leadcrew/events/crypto.py) since only its
    # hash is stored elsewhere. Webhooks made in the web app sign with `secret` instead.
    signing_key = models.TextField(blank=True, default="")
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Since when every delivery has failed (None: the last one succeeded).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "event", "target_type", "target"], name="webhook_unique_triple"
            )
        ]


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) try
    SENDING = "sending", "Sending"  # claimed by a worker
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # given up after the retry window


class Delivery(TenantModel):
    """One event sent to one webhook (the reference's `webhook_event`): its tries, the request
    sent and the answer received. Deliveries of one webhook about one lead go out in event
    order: a delivery waits while an earlier one of its lane is pending."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    event_name = models.CharField(max_length=300)
    # The lane: deliveries of one webhook with the same key keep their order ("" = no lane).
    lane = models.CharField(max_length=40, blank=True, default="")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    try_count = models.PositiveIntegerField(default=0)
    last_returned_code = models.PositiveIntegerField(null=True, blank=True)
    next_try_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The object delivered (`data`), read at the first try and resent as it was.
    data = models.JSONField(null=True, blank=True)
    request_body = models.TextField(blank=True, default="")
    response_body = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["webhook", "next_try_at", "id"],
                condition=Q(state__in=["pending", "sending"]),
                name="delivery_open",
            ),
            models.Index(fields=["account", "-id"], name="delivery_log"),
            models.Index(fields=["created_at"], name="delivery_age"),
        ]

    @property
    def has_succeeded(self) -> bool:
        return self.state == DeliveryState.SUCCEEDED


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "A lead assigned to you"
    REMINDER = "reminder", "Your reminder is due"
    DIGEST = "digest", "Daily digest of your to-do"
    WEBHOOK_DISABLED = "webhook_disabled", "A webhook was disabled"


class Notification(TenantModel):
    """What a user is told in the app (the bell) and, if they chose so, by e-mail. A bulk
    assignment is one notification for its whole batch of leads (`count`)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    lead_id = models.BigIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    actor_id = models.BigIntegerField(null=True, blank=True)
    bulk_action_id = models.BigIntegerField(null=True, blank=True)
    # Makes a job's notification once-only: the reminder's instant, the digest's day…
    key = models.CharField(max_length=100, blank=True, default="")
    text = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_by_user"),
            # The bell's unread count on every page: one small index range per user.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # Whether a lead's reminder was already announced (periodic.notify_due_reminders).
            models.Index(fields=["lead_id", "user", "kind"], name="notification_by_lead"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"],
                condition=~Q(key=""),
                name="notification_once",
            )
        ]


class NotificationSettings(models.Model):
    """Which notifications a user receives by e-mail (the in-app list shows them all)."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_assigned = models.BooleanField(default=True)
    email_reminder = models.BooleanField(default=True)
    email_digest = models.BooleanField(default=False)
    # The last day a digest went out, in the user's time zone (their own, or the account's).
    digest_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notification settings of user {self.user_id}"
