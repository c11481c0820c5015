"""Writes of the statistics app: exporting them, which the sensitive-actions log records, and
computing the statistics figures again from the leads."""

from django.db import transaction

from leadcrew.access.actor import Actor
from leadcrew.access.policy import ensure_may_export
from leadcrew.accounts.models import Account
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.stats.models import FiguresRebuild
from leadcrew.stats.selectors import Statistics, StatisticsRequest, statistics_get


def statistics_export(*, actor: Actor, request: StatisticsRequest) -> Statistics:
    """The statistics to export as a file, after the export toggle (docs/access-rules.md); the
    export is logged, with one row per group as its count."""
    ensure_may_export(actor)
    with transaction.atomic():
        statistics = statistics_get(actor=actor, request=request)
        sensitive_action_record(
            actor=actor,
            action=SensitiveActionType.EXPORT,
            count=len(statistics.groups),
            details={
                "what": "statistics",
                "scope": statistics.scope.value,
                "from": statistics.period.first.isoformat(),
                "to": statistics.period.last.isoformat(),
                "group_by": statistics.group_by.value,
                "team_id": request.team_id,
                "user_id": request.user_ref,
                "pipeline_id": request.pipeline_id,
            },
        )
    return statistics


def figures_rebuild(account_id: int | None = None) -> int:
    """Computes the statistics figures of one account (by default every account) again from
    its leads, each account in one statement of the database (a trigger on FiguresRebuild),
    all in one transaction. Needed only after writing to the leads with the triggers off
    (docs/operations.md); answers how many accounts were done."""
    accounts = Account.objects.order_by("pk")
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    with transaction.atomic():
        done = FiguresRebuild.objects.bulk_create(
            FiguresRebuild(account_id=pk) for pk in accounts.values_list("pk", flat=True)
        )
    return len(done)
