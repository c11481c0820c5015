"""Statistics (docs/access-rules.md) over the leads of a scope (`stats.scope`), computed by the
database. When the scope is every lead of the account, narrowed to teams and/or one owner, they
are summed from the figures the database keeps per day (`stats.figures`); otherwise they are
counted over the leads: one grouped pass with conditional aggregates for the leads created in
the period, one for the leads closed in it, one for the open pipeline. Both give the same
answer to the cent.

Money is summed as integer cents and rounded once, half up, where a division is needed (the
weighted pipeline, the average sales cycle), so every figure is exact to the cent.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import User
from leadcrew.core.errors import Code, Forbidden
from leadcrew.core.lookups import pipeline_lookup
from leadcrew.core.replicas import reads_from_replica
from leadcrew.leads.models import CLOSED_STATUSES, OPEN_STATUSES, Lead, Status, Step
from leadcrew.stats.expressions import Cents, LocalPeriodStart, MillisecondsBetween
from leadcrew.stats.figures import Level, day_sums, figures_level, open_sums
from leadcrew.stats.periods import (
    TIME_GROUPINGS,
    Grouping,
    Period,
    period_label,
    period_starts,
    requested_period,
)
from leadcrew.stats.scope import ScopeKind, statistics_scope
from leadcrew.teams.models import Team

MS_PER_DAY = 86_400_000
UNASSIGNED_LABEL = "Unassigned"
NO_TEAM_LABEL = "No team"

GroupKey = date | int | None


@dataclass(frozen=True)
class StatisticsRequest:
    scope: ScopeKind | None = None
    team_id: int | None = None
    user_ref: int | str | None = None
    date_from: date | None = None
    date_to: date | None = None
    group_by: Grouping = Grouping.MONTH
    pipeline_id: int | None = None


def _divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, exactly (both are non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def cents_to_money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


@dataclass
class Figures:
    """The figures of one group (or of all): raw integer sums, read through the properties."""

    created_count: int = 0
    created_cents: int = 0
    won_count: int = 0
    won_cents: int = 0
    lost_count: int = 0
    cancelled_count: int = 0
    won_cycle_ms: int = 0  # summed over won leads, from created_at to closed_at

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            *(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True))
        )

    @property
    def created_amount(self) -> Decimal:
        return cents_to_money(self.created_cents)

    @property
    def won_amount(self) -> Decimal:
        return cents_to_money(self.won_cents)

    @property
    def conversion_rate(self) -> float | None:
        closed = self.won_count + self.lost_count + self.cancelled_count
        return self.won_count / closed if closed else None

    @property
    def average_sales_cycle_days(self) -> Decimal | None:
        """In days, to the hundredth."""
        if not self.won_count:
            return None
        hundredths = _divide_half_up(self.won_cycle_ms * 100, self.won_count * MS_PER_DAY)
        return Decimal(hundredths).scaleb(-2)


@dataclass(frozen=True)
class Group:
    key: GroupKey  # the period's first day, an owner's id or a team's id; None: no owner/team
    label: str
    figures: Figures


@dataclass(frozen=True)
class StepFigures:
    step_id: int
    step: str
    count: int
    amount: Decimal
    weighted_amount: Decimal


@dataclass(frozen=True)
class Statistics:
    scope: ScopeKind
    period: Period
    group_by: Grouping
    totals: Figures
    groups: list[Group]
    pipeline: list[StepFigures] = field(default_factory=list)


@reads_from_replica
def statistics_get(
    *, actor: Actor, request: StatisticsRequest, use_figures: bool = True
) -> Statistics:
    """The statistics of a request, read from the figures kept per day when they hold the
    scope's leads (`stats.figures`), else counted over the leads; `use_figures` False always
    counts (both ways give the same answer: the tests compare them)."""
    scope = statistics_scope(
        actor, kind=request.scope, team_id=request.team_id, user_ref=request.user_ref
    )
    grouping = request.group_by
    if grouping == Grouping.TEAM and not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)
    period = requested_period(request.date_from, request.date_to, actor.account.zone)
    # Listing the periods first refuses an oversized range before any query runs.
    starts = period_starts(period, grouping) if grouping in TIME_GROUPINGS else None
    steps = _pipeline_steps(actor, request.pipeline_id)
    step_ids = [step.pk for step in steps] if request.pipeline_id is not None else None
    level = figures_level(actor, scope, step_ids) if use_figures else None
    if level is not None:
        by_key = _figures_from_days(level, period, grouping)
        pipeline = _pipeline_from_figures(level, steps)
    else:
        leads = scope.leads
        if step_ids is not None:
            leads = leads.filter(step_id__in=step_ids)
        by_key = _figures_by_key(leads, period, grouping)
        pipeline = _open_pipeline(leads, steps)
    if starts is not None:
        groups = [Group(start, period_label(start, grouping), by_key[start]) for start in starts]
    else:
        groups = _named_groups(actor, grouping, by_key)
    return Statistics(
        scope=scope.kind,
        period=period,
        group_by=grouping,
        totals=sum(by_key.values(), Figures()),
        groups=groups,
        pipeline=pipeline,
    )


def _pipeline_steps(actor: Actor, pipeline_id: int | None) -> list[Step]:
    """The steps of the chosen pipeline (by default the default one), in order."""
    steps = Step.objects.filter(account_id=actor.account_id).order_by("position", "id")
    if pipeline_id is None:
        return list(steps.filter(pipeline__is_default=True))
    return list(steps.filter(pipeline=pipeline_lookup(actor, pipeline_id)))


def _group_key(column: str, period: Period, grouping: Grouping) -> F | LocalPeriodStart:
    if grouping == Grouping.MEMBER:
        return F("owner_id")
    if grouping == Grouping.TEAM:
        return F("team_id")
    return LocalPeriodStart(column, grouping, period.zone, period.start, period.end)


def _figures_by_key(
    leads: QuerySet[Lead], period: Period, grouping: Grouping
) -> defaultdict[GroupKey, Figures]:
    """Two grouped passes: a lead counts as created in the period of its created_at, and as
    won, lost or cancelled in the period of its closed_at. Rows are counted as COUNT(*) (or, under
    a filter, COUNT of the never-null status), not COUNT(id): the id is not in the covering
    index of a team's statistics, and reading it would send every counted lead to the table."""
    figures: defaultdict[GroupKey, Figures] = defaultdict(Figures)
    created = leads.filter(created_at__gte=period.start, created_at__lt=period.end)
    for row in _grouped(created, _group_key("created_at", period, grouping)).annotate(
        count=Count("*"), cents=Sum(Cents("amount"))
    ):
        group = figures[row["key"]]
        group.created_count, group.created_cents = row["count"], _int(row["cents"])
    closed = leads.filter(
        status__in=CLOSED_STATUSES, closed_at__gte=period.start, closed_at__lt=period.end
    )
    won, lost, cancelled = Q(status=Status.WON), Q(status=Status.LOST), Q(status=Status.CANCELLED)
    for row in _grouped(closed, _group_key("closed_at", period, grouping)).annotate(
        won=Count("status", filter=won),
        won_cents=Sum(Cents("amount"), filter=won),
        lost=Count("status", filter=lost),
        cancelled=Count("status", filter=cancelled),
        cycle_ms=Sum(MillisecondsBetween("created_at", "closed_at"), filter=won),
    ):
        group = figures[row["key"]]
        group.won_count, group.won_cents = row["won"], _int(row["won_cents"])
        group.lost_count, group.cancelled_count = row["lost"], row["cancelled"]
        group.won_cycle_ms = _int(row["cycle_ms"])
    return figures


def _figures_from_days(
    level: Level, period: Period, grouping: Grouping
) -> defaultdict[GroupKey, Figures]:
    """The same figures as `_figures_by_key`, summed from the figures kept per day."""
    figures: defaultdict[GroupKey, Figures] = defaultdict(Figures)
    for key, sums in day_sums(level, period, grouping).items():
        figures[key] = Figures(**sums)
    return figures


def _grouped(leads: QuerySet[Lead], key: F | LocalPeriodStart) -> QuerySet[Any, Any]:
    return leads.order_by().annotate(key=key).values("key")


def _int(value: Any) -> int:
    """An integer sum as the driver returns it (PostgreSQL sums bigints as numeric)."""
    return int(value) if value is not None else 0


def _named_groups(actor: Actor, grouping: Grouping, by_key: dict[GroupKey, Figures]) -> list[Group]:
    """Member or team groups with a figure, by name; leads without owner (or team) last."""
    ids = [key for key in by_key if isinstance(key, int)]
    if grouping == Grouping.MEMBER:
        users = User.objects.filter(account_id=actor.account_id, pk__in=ids)
        names = {user.pk: user.full_name or user.email for user in users}
        missing = UNASSIGNED_LABEL
    else:
        teams = Team.objects.filter(account_id=actor.account_id, pk__in=ids)
        names = dict(teams.values_list("pk", "name"))
        missing = NO_TEAM_LABEL
    groups = sorted(
        (Group(key, names.get(key, str(key)), by_key[key]) for key in ids),
        key=lambda group: (group.label.casefold(), group.key),
    )
    if None in by_key:
        groups.append(Group(None, missing, by_key[None]))
    return groups


def _open_pipeline(leads: QuerySet[Lead], steps: list[Step]) -> list[StepFigures]:
    """Open leads per step now, whatever the period; weighted amount = amount × probability /
    100, summed exactly (in ten-thousandths) and rounded once to the cent."""
    weighted = ExpressionWrapper(Cents("amount") * F("probability"), BigIntegerField())
    rows = (
        leads.filter(status__in=OPEN_STATUSES, step_id__in=[step.pk for step in steps])
        .order_by()
        .values("step_id")
        .annotate(count=Count("*"), cents=Sum(Cents("amount")), weighted=Sum(weighted))
    )
    by_step = {row["step_id"]: row for row in rows}
    return [_step_figures(step, by_step.get(step.pk)) for step in steps]


def _pipeline_from_figures(level: Level, steps: list[Step]) -> list[StepFigures]:
    """The same as `_open_pipeline`, summed from the open figures kept per step."""
    by_step = open_sums(level)
    return [_step_figures(step, by_step.get(step.pk)) for step in steps]


def _step_figures(step: Step, row: Mapping[str, Any] | None) -> StepFigures:
    row = row or {"count": 0, "cents": 0, "weighted": 0}
    return StepFigures(
        step_id=step.pk,
        step=step.name,
        count=row["count"],
        amount=cents_to_money(_int(row["cents"])),
        weighted_amount=cents_to_money(_divide_half_up(_int(row["weighted"]), 100)),
    )
