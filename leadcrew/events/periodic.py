"""The notifications the clock makes, run by the scheduler at each tick: a reminder falling due
tells the lead's owner, and a user who asked for it gets a daily digest of their to-do. Each is
made once (Notification.key, and a conditional UPDATE for the digest's day) however many
schedulers run; the worker e-mails them (notify.email_pending)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from leadcrew.access.actor import actor_for_user
from leadcrew.access.policy import system_leads
from leadcrew.accounts.models import User
from leadcrew.events.models import Notification, NotificationKind, NotificationSettings
from leadcrew.leads.models import Lead, Status
from leadcrew.leads.selectors import todo_leads

# A reminder that passed longer ago than this (the scheduler was stopped) is not announced late.
REMINDER_WINDOW = timedelta(days=1)


def reminder_key(lead_id: int, instant: datetime) -> str:
    """One notification per lead and reminder instant: moving the reminder makes a new one."""
    return f"reminder:{lead_id}:{int(instant.timestamp())}"


def notify_due_reminders(now: datetime | None = None) -> int:
    """Tells each owner of an open lead whose reminder has just fallen due. A reminder already
    announced (a notification made since its instant) is skipped. Answers how many were made."""
    now = now or timezone.now()
    announced = Notification.objects.filter(
        kind=NotificationKind.REMINDER,
        user_id=OuterRef("owner_id"),
        lead_id=OuterRef("pk"),
        created_at__gte=OuterRef("next_action_at"),
    )
    due = (
        system_leads()
        .filter(
            owner__isnull=False,
            owner__is_disabled=False,
            status__in=[Status.TODO, Status.STANDBY],
            next_action_at__lte=now,
            next_action_at__gt=now - REMINDER_WINDOW,
        )
        .exclude(Exists(announced))
        .values_list("pk", "account_id", "owner_id", "next_action_at")
    )
    made = Notification.objects.bulk_create(
        [
            Notification(
                account_id=account_id,
                user_id=owner_id,
                kind=NotificationKind.REMINDER,
                lead_id=lead_id,
                key=reminder_key(lead_id, instant),
                created_at=now,
            )
            for lead_id, account_id, owner_id, instant in due
            if instant is not None
        ],
        ignore_conflicts=True,
    )
    return len(made)


def digest_hour() -> int:
    return int(settings.LEADCREW_DIGEST_HOUR)


def user_zone(user: User) -> ZoneInfo:
    """The user's own time zone, or their account's."""
    if user.time_zone:
        try:
            return ZoneInfo(user.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return user.account.zone


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)


def make_digests(now: datetime | None = None) -> int:
    """A digest notification for each user who asked for one, once per day of their own time
    zone, from LEADCREW_DIGEST_HOUR on: how many of their to-do's leads are due by the end of
    that day (nothing is made when none is). The day is claimed first (a conditional UPDATE),
    so two schedulers never make it twice. Answers how many were made."""
    now = now or timezone.now()
    wanted = NotificationSettings.objects.filter(
        email_digest=True, user__is_disabled=False
    ).select_related("user__account")
    made = 0
    for prefs in wanted:
        user = prefs.user
        zone = user_zone(user)
        local = now.astimezone(zone)
        day = local.date()
        if local.hour < digest_hour() or prefs.digest_sent_on == day:
            continue
        claimed = (
            NotificationSettings.objects.filter(pk=prefs.pk, email_digest=True)
            .exclude(digest_sent_on=day)
            .update(digest_sent_on=day)
        )
        if not claimed:
            continue
        due = due_today(user, day, zone).count()
        if not due:
            continue
        _, created = Notification.objects.get_or_create(
            user=user,
            kind=NotificationKind.DIGEST,
            key=f"digest:{day.isoformat()}",
            defaults={"account_id": user.account_id, "count": due, "created_at": now},
        )
        made += created
    return made


def due_today(user: User, day: date, zone: ZoneInfo) -> QuerySet[Lead]:
    """The user's to-do leads (those they may see) whose reminder falls by the end of `day`,
    the most overdue first."""
    actor = actor_for_user(user)
    return (
        todo_leads(actor)
        .filter(next_action_at__lt=end_of_day(day, zone))
        .order_by("next_action_at", "pk")
    )
