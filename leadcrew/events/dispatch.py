"""From events to what goes out: a delivery per (event, subscribed webhook) and the in-app
notifications the events make. Runs in the worker, on events already committed, a batch at a
time; safe with several workers at once (the batch's rows are locked, others skipped)."""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leadcrew.events.models import (
    Delivery,
    Event,
    EventName,
    Notification,
    NotificationKind,
    Webhook,
)

BATCH = 1000


def lane_of(event: Event) -> str:
    """Deliveries about one lead keep their order; the others are each their own lane."""
    return f"lead:{event.lead_id}" if event.lead_id is not None else f"event:{event.pk}"


def dispatch_batch(now: datetime | None = None) -> tuple[int, set[int]]:
    """Dispatches the oldest undispatched events (at most BATCH). Answers how many, and the
    webhooks that got new deliveries."""
    now = now or timezone.now()
    with transaction.atomic():
        events = list(
            Event.objects.filter(dispatched_at__isnull=True)
            .select_for_update(skip_locked=True)
            .order_by("id")[:BATCH]
        )
        if not events:
            return 0, set()
        webhooks = _active_webhooks({event.account_id for event in events})
        deliveries = []
        for event in events:
            names = event.matching_names()
            for webhook in webhooks.get(event.account_id, []):
                if webhook.event in names:
                    deliveries.append(
                        Delivery(
                            account_id=event.account_id,
                            webhook_id=webhook.pk,
                            event=event,
                            event_name=webhook.event,
                            lane=lane_of(event),
                            next_try_at=now,
                            created_at=now,
                        )
                    )
        Delivery.objects.bulk_create(deliveries)
        _notify_assignments(events, now)
        Event.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
    return len(events), {delivery.webhook_id for delivery in deliveries}


def _active_webhooks(account_ids: set[int]) -> dict[int, list[Webhook]]:
    by_account: dict[int, list[Webhook]] = defaultdict(list)
    for webhook in Webhook.objects.filter(account_id__in=account_ids, is_disabled=False):
        by_account[webhook.account_id].append(webhook)
    return by_account


def _notify_assignments(events: list[Event], now: datetime) -> None:
    """A lead handed to someone by someone else (a manager, a bulk action, round robin, an
    import) tells them: one notification per lead, or one per bulk action for its whole batch
    (counted across the dispatcher's batches)."""
    single: list[Notification] = []
    grouped: dict[tuple[int, int, int], int] = defaultdict(int)
    for event in events:
        if event.name != EventName.LEAD_ASSIGNED or event.subject_id is None:
            continue
        if event.subject_id == event.actor_id:
            continue
        if event.bulk_action_id is not None:
            grouped[(event.account_id, event.subject_id, event.bulk_action_id)] += 1
            continue
        single.append(
            Notification(
                account_id=event.account_id,
                user_id=event.subject_id,
                kind=NotificationKind.ASSIGNED,
                lead_id=event.lead_id,
                actor_id=event.actor_id,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(single)
    for (account_id, user_id, bulk_action_id), count in grouped.items():
        key = f"bulk:{bulk_action_id}"
        updated = Notification.objects.filter(
            user_id=user_id, kind=NotificationKind.ASSIGNED, key=key
        ).update(count=F("count") + count)
        if not updated:
            actor_id = next(e.actor_id for e in events if e.bulk_action_id == bulk_action_id)
            Notification.objects.create(
                account_id=account_id,
                user_id=user_id,
                kind=NotificationKind.ASSIGNED,
                bulk_action_id=bulk_action_id,
                actor_id=actor_id,
                count=count,
                key=key,
                created_at=now,
            )
