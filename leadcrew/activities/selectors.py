"""Reads of the activities app: the account's activity types. Reports are in `reports.py`."""

from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.activities.models import ActivityType


def activity_types(actor: Actor, *, loggable_only: bool = False) -> QuerySet[ActivityType]:
    """The account's activity types in their order; `loggable_only`: without the disabled."""
    types = ActivityType.objects.filter(account_id=actor.account_id).order_by("position", "id")
    return types.filter(is_disabled=False) if loggable_only else types
