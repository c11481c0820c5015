"""E-mails: notifications to users (in their language, with a link, only about leads they may
see) and the e-mails of `target_type=email` webhooks. Sent by the worker through Django's
e-mail framework (LEADCREW_EMAIL_URL; the console when unset)."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadcrew.access.actor import actor_for_user
from leadcrew.access.policy import Action, lead_for
from leadcrew.accounts.models import User
from leadcrew.core.errors import ApiError
from leadcrew.events.models import (
    Delivery,
    Event,
    Notification,
    NotificationKind,
    NotificationSettings,
)
from leadcrew.events.periodic import due_today, user_zone

# A notification not e-mailed within this time (e-mail off, a long outage) is not e-mailed late.
EMAIL_WINDOW = timedelta(days=1)


def settings_for(user: User) -> NotificationSettings:
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def wants_email(user: User, kind: str) -> bool:
    prefs = settings_for(user)
    return {
        NotificationKind.ASSIGNED: prefs.email_assigned,
        NotificationKind.REMINDER: prefs.email_reminder,
        NotificationKind.DIGEST: prefs.email_digest,
        NotificationKind.WEBHOOK_DISABLED: True,
    }.get(NotificationKind(kind), False)


def lead_link(lead_id: int) -> str:
    return f"{settings.LEADCREW_SITE_URL}/leads/{lead_id}"


def visible_lead_title(user: User, lead_id: int | None) -> str | None:
    """The lead's title if the user may see it now; None otherwise (nothing is said of it)."""
    if lead_id is None:
        return None
    try:
        return lead_for(actor_for_user(user), lead_id, Action.SEE).title
    except ApiError:
        return None


def _name(user_id: int | None) -> str:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return (user.full_name or user.email) if user else _("Someone")


def notification_text(notification: Notification, user: User) -> tuple[str, str] | None:
    """Subject and body in the active language, or None when it must not be said (the lead
    is out of the user's sight)."""
    kind = notification.kind
    if kind == NotificationKind.ASSIGNED and notification.bulk_action_id is not None:
        count = notification.count
        subject = ngettext(
            "%(count)d lead assigned to you", "%(count)d leads assigned to you", count
        ) % {"count": count}
        body = _("%(actor)s assigned you %(count)d leads at once.") % {
            "actor": _name(notification.actor_id),
            "count": count,
        }
        return subject, f"{body}\n\n{settings.LEADCREW_SITE_URL}/leads?owner=me\n"
    if kind in (NotificationKind.ASSIGNED, NotificationKind.REMINDER):
        title = visible_lead_title(user, notification.lead_id)
        if title is None or notification.lead_id is None:
            return None
        if kind == NotificationKind.ASSIGNED:
            subject = _("Lead assigned to you: %(title)s") % {"title": title}
            body = _("%(actor)s assigned you the lead “%(title)s”.") % {
                "actor": _name(notification.actor_id),
                "title": title,
            }
        else:
            subject = _("Reminder: %(title)s") % {"title": title}
            body = _("Your reminder for the lead “%(title)s” is due.") % {"title": title}
        return subject, f"{body}\n\n{lead_link(notification.lead_id)}\n"
    if kind == NotificationKind.DIGEST:
        return digest_text(notification, user)
    if kind == NotificationKind.WEBHOOK_DISABLED:
        subject = _("A webhook was disabled")
        body = _(
            "The webhook %(webhook)s failed for 3 days and was disabled. Turn it back on in "
            "Admin › Webhooks (or PUT /api/v2/webhooks/<id>/activate) once its receiver works "
            "again."
        ) % {"webhook": notification.text}
        return subject, f"{body}\n\n{settings.LEADCREW_SITE_URL}/settings/webhooks\n"
    return None


def in_app_text(
    notification: Notification, titles: dict[int, str], names: dict[int, str]
) -> tuple[str, str | None] | None:
    """The line of the bell's list, in the active language, and the path it opens (None: none).
    `titles` holds the leads the reader may see now: a notification about another lead is
    not shown at all."""
    kind = notification.kind
    actor = names.get(notification.actor_id or 0) or _("Someone")
    if kind == NotificationKind.ASSIGNED and notification.bulk_action_id is not None:
        text = ngettext(
            "%(actor)s assigned you %(count)d lead at once.",
            "%(actor)s assigned you %(count)d leads at once.",
            notification.count,
        ) % {"actor": actor, "count": notification.count}
        return text, "/leads?owner=me"
    if kind in (NotificationKind.ASSIGNED, NotificationKind.REMINDER):
        title = titles.get(notification.lead_id or 0)
        if title is None:
            return None
        if kind == NotificationKind.ASSIGNED:
            text = _("%(actor)s assigned you the lead “%(title)s”.") % {
                "actor": actor,
                "title": title,
            }
        else:
            text = _("Your reminder for the lead “%(title)s” is due.") % {"title": title}
        return text, f"/leads/{notification.lead_id}"
    if kind == NotificationKind.DIGEST:
        text = ngettext(
            "Your daily digest: %(count)d lead to do.",
            "Your daily digest: %(count)d leads to do.",
            notification.count,
        ) % {"count": notification.count}
        return text, "/todo"
    if kind == NotificationKind.WEBHOOK_DISABLED:
        text = _("The webhook %(webhook)s failed for 3 days and was disabled.") % {
            "webhook": notification.text
        }
        return text, "/settings/webhooks"
    return None


DIGEST_LINES = 20


def digest_day(notification: Notification) -> date:
    return date.fromisoformat(notification.key.removeprefix("digest:"))


def digest_text(notification: Notification, user: User) -> tuple[str, str] | None:
    """The day's to-do as it is when the e-mail goes out (only leads the user may see), the
    most overdue first; None when nothing is left to do."""
    due = due_today(user, digest_day(notification), user_zone(user))
    leads = list(due[: DIGEST_LINES + 1])
    if not leads:
        return None
    count = len(leads) if len(leads) <= DIGEST_LINES else due.count()
    subject = ngettext(
        "Your to-do today: %(count)d lead", "Your to-do today: %(count)d leads", count
    ) % {"count": count}
    lines = [
        ngettext(
            "%(count)d lead of yours has a reminder due by tonight:",
            "%(count)d leads of yours have a reminder due by tonight:",
            count,
        )
        % {"count": count},
        "",
    ]
    for lead in leads[:DIGEST_LINES]:
        lines.append(f"- {lead.title}\n  {lead_link(lead.pk)}")
    if count > DIGEST_LINES:
        lines.append(_("…and %(more)d more.") % {"more": count - DIGEST_LINES})
    lines += ["", _("Your whole to-do list:"), f"{settings.LEADCREW_SITE_URL}/todo"]
    return subject, "\n".join(lines) + "\n"


def email_pending(now: datetime | None = None) -> int:
    """E-mails the notifications not e-mailed yet, each once (claimed by a conditional
    UPDATE), to users who asked for that kind. A bulk action's notification waits until every
    event of the action is dispatched, so that its count is whole."""
    now = now or timezone.now()
    undispatched = Event.objects.filter(
        bulk_action_id=OuterRef("bulk_action_id"), dispatched_at__isnull=True
    )
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - EMAIL_WINDOW,
            kind__in=[
                NotificationKind.ASSIGNED,
                NotificationKind.REMINDER,
                NotificationKind.DIGEST,
                NotificationKind.WEBHOOK_DISABLED,
            ],
        )
        .exclude(Exists(undispatched))
        .order_by("id")
    )
    sent = 0
    for notification in pending.select_related("user")[:500]:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not claimed:
            continue
        user = notification.user
        if user.is_disabled or not wants_email(user, notification.kind):
            continue
        with translation.override(user.locale):
            text = notification_text(notification, user)
        if text is None:
            continue
        send_mail(text[0], text[1], None, [user.email])
        sent += 1
    return sent


def webhook_email(delivery: Delivery) -> tuple[str, str]:
    """The e-mail of a `target_type=email` webhook: the event and its object, in English (the
    address is not a user's, so no language is known)."""
    data = delivery.data or {}
    title = data.get("title") or data.get("name") or ""
    subject = f"[leadcrew] {delivery.event_name}" + (f": {title}" if title else "")
    lines = [f"Event: {delivery.event_name}"]
    if delivery.event.lead_id is not None:
        lines.append(f"Lead: {title}")
        lines.append(lead_link(delivery.event.lead_id))
    for key in ("status", "step", "pipeline", "amount", "currency"):
        if data.get(key) is not None:
            lines.append(f"{key}: {data[key]}")
    return subject[:200], "\n".join(lines) + "\n"
