"""The notifications the clock makes: a reminder falling due tells its lead's owner once, and
a user who asked for it gets one digest of their to-do a day, at LEADCREW_DIGEST_HOUR in their
time zone. E-mailed by the worker through a real SMTP server, in the user's language, never
about a lead the user may not see."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from leadcrew import cli
from leadcrew.accounts.models import Account, Privacy, User
from leadcrew.events.models import Notification, NotificationKind, NotificationSettings
from leadcrew.events.periodic import make_digests, notify_due_reminders
from leadcrew.events.tasks import email_notifications
from leadcrew.events.tests.conftest import Inbox, admin_actor, body, key_actor
from leadcrew.events.tests.test_webhooks import run_worker
from leadcrew.leads import services
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import World, make_world

DAY = date(2026, 12, 7)


@pytest.fixture
def world(transactional_db: None, settings: Any) -> World:
    settings.LEADCREW_DIGEST_HOUR = 7
    made = make_world("Acme", "admin@acme.test")
    Account.objects.filter(pk=made.account.pk).update(time_zone="Europe/Paris")
    made.account.refresh_from_db()
    return made


def utc(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def remind(world: World, owner: User, title: str, day: date, at: time | None) -> Lead:
    return services.lead_create(
        actor=admin_actor(world),
        data={"title": title, "user_id": owner.pk, "remind_date": day, "remind_time": at},
    )


def email_them() -> None:
    """What the scheduler's tick does after making notifications: ask the worker to send."""
    email_notifications.enqueue()
    run_worker()


def reminders_of(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=NotificationKind.REMINDER))


def test_a_reminder_tells_its_owner_once_when_it_falls_due(world: World, inbox: Inbox) -> None:
    bob = world.user("bob@acme.test", locale="fr")
    # 09:00 in Paris is 08:00 UTC in December.
    lead = remind(world, bob, "Call Dupont", DAY, time(9, 0))
    run_worker()  # the assignment's own e-mail
    inbox.messages.clear()
    assert notify_due_reminders(utc(7, 59)) == 0
    assert notify_due_reminders(utc(8, 0)) == 1
    assert notify_due_reminders(utc(8, 1)) == 0
    assert notify_due_reminders(utc(12, 0)) == 0
    email_them()
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["bob@acme.test"]
    assert message["Subject"] == "Rappel\u00a0: Call Dupont"
    assert f"/leads/{lead.pk}" in body(message)
    assert [n.lead_id for n in reminders_of(bob)] == [lead.pk]


def test_a_moved_reminder_is_announced_again_at_its_new_time(world: World) -> None:
    bob = world.user("bob@acme.test")
    lead = remind(world, bob, "Call Dupont", DAY, time(9, 0))
    assert notify_due_reminders(utc(8, 0)) == 1
    services.lead_update(
        actor=admin_actor(world),
        lead_id=lead.pk,
        data={"remind_date": DAY, "remind_time": time(15, 0)},
    )
    assert notify_due_reminders(utc(13, 0)) == 0
    assert notify_due_reminders(utc(14, 0)) == 1
    assert len(reminders_of(bob)) == 2


def test_no_reminder_for_closed_unassigned_or_long_past_leads(world: World) -> None:
    bob = world.user("bob@acme.test")
    won = remind(world, bob, "Won", DAY, time(9, 0))
    services.lead_update(actor=admin_actor(world), lead_id=won.pk, data={"status": "won"})
    remind(world, bob, "Last week", DAY - timedelta(days=7), time(9, 0))
    services.lead_create(
        actor=key_actor(world),
        data={"title": "Nobody's", "remind_date": DAY, "remind_time": time(9, 0)},
    )
    gone = world.user("gone@acme.test")
    remind(world, gone, "Gone's", DAY, time(9, 0))
    User.objects.filter(pk=gone.pk).update(is_disabled=True)
    assert notify_due_reminders(utc(10, 0)) == 0
    assert not Notification.objects.filter(kind=NotificationKind.REMINDER).exists()


def test_a_reminder_of_a_lead_taken_away_is_not_emailed(world: World, inbox: Inbox) -> None:
    Account.objects.filter(pk=world.account.pk).update(privacy=Privacy.ADMINS_ONLY)
    bob = world.user("bob@acme.test")
    lead = remind(world, bob, "Secret deal", DAY, time(9, 0))
    run_worker()
    inbox.messages.clear()
    assert notify_due_reminders(utc(8, 0)) == 1
    # Handed to someone else before the worker runs: Bob may no longer see it.
    services.lead_update(
        actor=admin_actor(world), lead_id=lead.pk, data={"user_id": world.admin.pk}
    )
    email_them()
    assert inbox.messages == []
    assert len(reminders_of(bob)) == 1  # kept, but never shown (see the bell's tests)


def opt_in(user: User) -> None:
    NotificationSettings.objects.update_or_create(user=user, defaults={"email_digest": True})


def test_the_digest_goes_out_once_a_day_at_the_hour_of_each_time_zone(
    world: World, inbox: Inbox
) -> None:
    paris = world.user("paris@acme.test", locale="fr")  # the account's zone
    york = world.user("york@acme.test", time_zone="America/New_York")
    for user in (paris, york):
        opt_in(user)
        remind(world, user, f"Call back ({user.email})", DAY, time(15, 0))
    run_worker()
    inbox.messages.clear()
    assert make_digests(utc(5, 59)) == 0  # 06:59 in Paris
    assert make_digests(utc(6, 0)) == 1  # 07:00 in Paris, 01:00 in New York
    assert make_digests(utc(6, 30)) == 0
    assert make_digests(utc(12, 0)) == 1  # 07:00 in New York
    assert make_digests(utc(20, 0)) == 0
    email_them()
    subjects = {recipients[0]: message["Subject"] for recipients, message in inbox.messages}
    assert subjects == {
        "paris@acme.test": "Votre liste de choses à faire aujourd’hui\u00a0: 1 opportunité",
        "york@acme.test": "Your to-do today: 1 lead",
    }
    # The next day, again once.
    assert make_digests(utc(6, 0, DAY + timedelta(days=1))) == 1
    assert make_digests(utc(7, 0, DAY + timedelta(days=1))) == 0


def test_the_digest_is_opt_in_and_lists_only_the_users_own_to_do(
    world: World, inbox: Inbox
) -> None:
    bob = world.user("bob@acme.test")
    carol = world.user("carol@acme.test")
    opt_in(bob)
    mine = remind(world, bob, "Bob's overdue", DAY - timedelta(days=2), time(9, 0))
    remind(world, bob, "Bob's next week", DAY + timedelta(days=7), time(9, 0))
    remind(world, carol, "Carol's today", DAY, time(9, 0))  # Carol did not opt in
    admins = services.lead_create(
        actor=admin_actor(world),
        data={"title": "Admin's today", "remind_date": DAY, "remind_time": time(9, 0)},
    )
    run_worker()
    inbox.messages.clear()
    assert make_digests(utc(9, 0)) == 1
    email_them()
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["bob@acme.test"]
    text = body(message)
    assert f"/leads/{mine.pk}" in text and "Bob's overdue" in text
    assert "next week" not in text and "Carol" not in text and f"/leads/{admins.pk}" not in text
    assert "/todo" in text


def test_no_digest_when_nothing_is_due(world: World) -> None:
    bob = world.user("bob@acme.test")
    opt_in(bob)
    remind(world, bob, "Next week", DAY + timedelta(days=7), time(9, 0))
    assert make_digests(utc(9, 0)) == 0
    assert not Notification.objects.filter(user=bob, kind=NotificationKind.DIGEST).exists()
    # Nothing is retried for that day.
    assert NotificationSettings.objects.get(user=bob).digest_sent_on == DAY


def test_the_scheduler_tick_makes_the_notifications_the_worker_emails(
    world: World, inbox: Inbox
) -> None:
    bob = world.user("bob@acme.test")
    local = timezone.now().astimezone(world.account.zone)
    # The last quarter hour, today in the account's zone: already due.
    remind(world, bob, "Due now", local.date(), time(local.hour, local.minute // 15 * 15))
    run_worker()
    inbox.messages.clear()
    cli.scheduler_tick()
    run_worker()
    assert len(reminders_of(bob)) == 1
    assert [message["Subject"] for _, message in inbox.messages] == ["Reminder: Due now"]
