"""Reading the sensitive-actions log: admins only, one account's entries, newest first."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.core.errors import Code, InvalidParameter
from leadcrew.core.lookups import user_lookup


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def sensitive_action_list(
    *,
    actor: Actor,
    action: SensitiveActionType | None = None,
    user_ref: int | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[SensitiveAction]:
    """The account's entries, filtered by type, by the user who acted (id or e-mail) and by
    days, both included. Days are the account's, as everywhere dates are read."""
    ensure_admin(actor)
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidParameter("to", Code.END_BEFORE_START)
    entries = SensitiveAction.objects.filter(account_id=actor.account_id)
    if action is not None:
        entries = entries.filter(action=action)
    if user_ref is not None:
        entries = entries.filter(actor_id=user_lookup(actor, user_ref).pk)
    zone = actor.account.zone
    if date_from is not None:
        entries = entries.filter(created_at__gte=_day_start(date_from, zone))
    if date_to is not None:
        entries = entries.filter(created_at__lt=_day_start(date_to + timedelta(days=1), zone))
    return entries.select_related("actor").order_by("-created_at", "-id")
