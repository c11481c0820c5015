"""Statistics read from the figures the database keeps per day (stats.models), instead of from
the scope's leads: a few hundred rows for a year of an account, whatever its number of leads.

They answer a request when its scope is "every live lead of the account", narrowed to some
teams and/or one owner: whenever the caller sees every lead of the account (an admin, an
account API key, anyone under "everything shared"), and for team scopes whenever they see every
lead of those teams (a manager where managers see their teams, a member where teams are
shared). Any other scope is a part of the account the figures do not follow lead by lead (a
plain user's own figures, a manager who sees only some of a team's leads): it is counted over
the leads the caller sees (`stats.selectors`). Days are those of the account's time zone, the
one statistics use; the figures are computed again whenever it changes.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from leadcrew.access.actor import Actor
from leadcrew.access.policy import LeadIds, see_reasons, sees_every_lead
from leadcrew.stats.models import EVERY, NONE, DayFigures, OpenFigures
from leadcrew.stats.periods import TIME_GROUPINGS, Grouping, Period, period_start
from leadcrew.stats.scope import Scope

DAY_SUMS = (
    "created_count",
    "created_cents",
    "won_count",
    "won_cents",
    "lost_count",
    "cancelled_count",
    "won_cycle_ms",
)


@dataclass(frozen=True)
class Level:
    """The rows of the figures one request reads: each lead counts once at every level."""

    account_id: int
    team_ids: tuple[int, ...] | None  # None: every team, unless grouping by team
    member_id: int | None  # None: every owner, unless grouping by member
    step_ids: list[int] | None  # None: every step

    def rows(self, grouping: Grouping | None) -> Q:
        where = Q(account_id=self.account_id)
        if self.team_ids is not None:
            where &= Q(team_id__in=self.team_ids)
        elif grouping == Grouping.TEAM:
            where &= Q(team_id__gte=NONE)
        else:
            where &= Q(team_id=EVERY)
        if self.member_id is not None:
            where &= Q(owner_id=self.member_id)
        elif grouping == Grouping.MEMBER:
            where &= Q(owner_id__gte=NONE)
        else:
            where &= Q(owner_id=EVERY)
        if self.step_ids is not None:
            where &= Q(step_id__in=self.step_ids)
        return where


def _sees_whole_team(actor: Actor, team_id: int) -> bool:
    """Whether the policy shows the actor every lead of the team: whoever sees a lead of it
    that someone else owns sees it by a role in the team or in the account, never by the
    lead's owner, and so sees them all (the figures' property test holds this to the policy
    on random accounts)."""
    # A lead of the team owned by nobody the actor could be (no user has id 0).
    return bool(see_reasons(actor, LeadIds(owner_id=0, team_id=team_id)))


def figures_level(actor: Actor, scope: Scope, step_ids: list[int] | None) -> Level | None:
    """The figures' rows that hold exactly the scope's leads, or None when they cannot. A
    scope is the leads the actor sees, narrowed to `team_ids` (when not None) and to
    `member_id`: when the actor sees every lead of the account, or of each of those teams,
    that is every lead of the account so narrowed."""
    if sees_every_lead(actor, assigned_only=False) or (
        scope.team_ids is not None
        and all(_sees_whole_team(actor, team_id) for team_id in scope.team_ids)
    ):
        return Level(actor.account_id, scope.team_ids, scope.member_id, step_ids)
    return None


def day_sums(level: Level, period: Period, grouping: Grouping) -> dict[Any, dict[str, int]]:
    """Raw sums per group with a lead created or closed in the period, by group key: the first
    day of the period for a time grouping, an owner's or a team's id (None: none)."""
    column = {Grouping.MEMBER: "owner_id", Grouping.TEAM: "team_id"}.get(grouping, "day")
    rows: QuerySet[Any, Any] = (
        DayFigures.objects.filter(level.rows(grouping), day__gte=period.first, day__lte=period.last)
        .order_by()
        .values(column)
        .annotate(**{f"{name}_sum": Sum(name) for name in DAY_SUMS})
        .values_list(column, *(f"{name}_sum" for name in DAY_SUMS))
    )
    found: dict[Any, dict[str, int]] = {}
    for key, *values in rows:
        if grouping in TIME_GROUPINGS:
            key = period_start(key, grouping)
        elif key == NONE:
            key = None
        sums = found.setdefault(key, dict.fromkeys(DAY_SUMS, 0))
        for name, value in zip(DAY_SUMS, values, strict=True):
            sums[name] += int(value)
    # Rows whose leads all went elsewhere stay at zero: no group for them.
    return {
        key: sums
        for key, sums in found.items()
        if sums["created_count"] or sums["won_count"] + sums["lost_count"] + sums["cancelled_count"]
    }


def open_sums(level: Level) -> dict[int, dict[str, int]]:
    """Per step: open leads, their amount in cents, and cents × probability summed."""
    rows = (
        OpenFigures.objects.filter(level.rows(None))
        .order_by()
        .values("step_id")
        .annotate(count=Sum("count"), cents=Sum("cents"), weighted=Sum("weighted"))
    )
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        sums[row["step_id"]] = {name: int(row[name]) for name in ("count", "cents", "weighted")}
    return dict(sums)


# A lead's owner and team as the figures' rows hold them: NONE where the lead has none.
_ON_FIGURES = {
    "owner_id": ("owner_id", None),
    "owner_id__in": ("owner_id__in", None),
    "team_id": ("team_id", None),
    "team_id__in": ("team_id__in", None),
    "owner__isnull": ("owner_id", NONE),
    "team__isnull": ("team_id", NONE),
    "pk__in": ("pk__in", None),  # only empty: the rules' "no lead" (NOTHING)
}


def on_figures(condition: Q) -> Q | None:
    """A condition on a lead's owner and team (the access rules' filters) as the same
    condition on the figures' rows of one team and one owner; None when it reads anything
    else. A lead without owner (team) is in the rows of owner (team) NONE, which no lead's
    owner (team) equals: each lookup keeps its meaning, NULLs included."""
    children: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            translated = on_figures(child)
            if translated is None:
                return None
            children.append(translated)
            continue
        if not isinstance(child, tuple):
            return None
        lookup, value = child
        if lookup not in _ON_FIGURES or (lookup == "pk__in" and value):
            return None
        column, none = _ON_FIGURES[lookup]
        if none is None:
            children.append((column, value))
        else:  # isnull: True is the NONE rows, False every other
            children.append(Q((column, none)) if value else ~Q((column, none)))
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


def open_sums_where(
    account_id: int, condition: Q, step_ids: list[int]
) -> dict[int, dict[str, int]] | None:
    """`open_sums` of the open leads of the account in these steps that meet `condition` (one
    on their owner and team: `on_figures`), from the figures' rows of one team and one owner;
    None when the condition reads anything else."""
    where = on_figures(condition)
    if where is None:
        return None
    rows = (
        OpenFigures.objects.filter(
            where,
            account_id=account_id,
            team_id__gte=NONE,
            owner_id__gte=NONE,
            step_id__in=step_ids,
        )
        .order_by()
        .values("step_id")
        .annotate(count=Sum("count"), cents=Sum("cents"), weighted=Sum("weighted"))
    )
    return {
        row["step_id"]: {name: int(row[name]) for name in ("count", "cents", "weighted")}
        for row in rows
    }


def live_leads_per_step(account_id: int) -> dict[int, int]:
    """Per step: the account's live leads, every one counted once on the day it was created
    (steps without any are left out)."""
    rows = (
        DayFigures.objects.filter(account_id=account_id, team_id=EVERY, owner_id=EVERY)
        .order_by()
        .values_list("step_id")
        .annotate(n=Sum("created_count"))
    )
    return {step_id: int(n) for step_id, n in rows if n}
