"""The worker's tasks (Django's tasks framework, queued in the database by django-tasks-db).

A task's arguments are ids: what it does is read from the database when it runs, so a task
run twice, late or by two workers at once changes nothing twice."""

from django.tasks import task

from leadcrew.events import dispatch


@task()
def dispatch_events() -> int:
    """Turns committed events into deliveries and notifications, then asks for their sending."""
    total = 0
    webhooks: set[int] = set()
    while True:
        count, touched = dispatch.dispatch_batch()
        total += count
        webhooks |= touched
        if count < dispatch.BATCH:
            break
    for webhook_id in sorted(webhooks):
        deliver_webhook.enqueue(webhook_id)
    if total:
        email_notifications.enqueue()
    return total


@task()
def deliver_webhook(webhook_id: int) -> int:
    """Sends the due deliveries of one webhook, each lane in order."""
    from leadcrew.events.delivery import deliver_due

    return deliver_due(webhook_id)


@task()
def email_notifications() -> int:
    """E-mails the notifications waiting for it."""
    from leadcrew.events.notify import email_pending

    return email_pending()


def upkeep() -> int:
    """Run by the scheduler at each tick (a plain function, not a task: it must run even when
    no worker does): also makes the notifications of due reminders and of the day's digests.
    Answers how many events wait for dispatch."""
    from datetime import timedelta

    from django.utils import timezone

    from leadcrew.events.delivery import purge_old_deliveries, release_stale_claims
    from leadcrew.events.models import Event
    from leadcrew.events.periodic import make_digests, notify_due_reminders

    release_stale_claims()
    purge_old_deliveries()
    # Due reminders and the day's digests become notifications here; the worker e-mails them.
    if notify_due_reminders() + make_digests():
        email_notifications.enqueue()
    # A commit's kick enqueues the dispatch at once: an event older than a few seconds and not
    # dispatched lost its kick (a crash between the commit and the enqueue).
    late = Event.objects.filter(
        dispatched_at__isnull=True, created_at__lt=timezone.now() - timedelta(seconds=10)
    ).count()
    if late:
        dispatch_events.enqueue()
    return late
