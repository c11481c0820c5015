"""Reads of the activities app: the account's activity types, and activity reports."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from django.db import connections
from django.db.models import Case, F, Q, QuerySet, When

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import User
from leadcrew.activities.models import ActivityType
from leadcrew.core.errors import Code, Forbidden
from leadcrew.leads.models import Lead, Status
from leadcrew.stats.expressions import LocalPeriodStart
from leadcrew.stats.periods import (
    TIME_GROUPINGS,
    Grouping,
    Period,
    period_label,
    period_starts,
    requested_period,
)
from leadcrew.stats.scope import Scope, ScopeKind, statistics_scope
from leadcrew.teams.models import Team


def activity_types(actor: Actor, *, loggable_only: bool = False) -> QuerySet[ActivityType]:
    """The account's activity types in their order; `loggable_only`: without the disabled."""
    types = ActivityType.objects.filter(account_id=actor.account_id).order_by("position", "id")
    return types.filter(is_disabled=False) if loggable_only else types


# --- Activity reports ------------------------------------------------------------------------

NO_AUTHOR_LABEL = "No author"
NO_TEAM_LABEL = "No team"


class ReportGrouping(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    MEMBER = "member"
    TEAM = "team"
    ACTIVITY = "activity"


@dataclass(frozen=True)
class ActivityReportRequest:
    scope: ScopeKind | None = None
    team_id: int | None = None
    user_ref: int | str | None = None
    date_from: date | None = None
    date_to: date | None = None
    group_by: ReportGrouping = ReportGrouping.MONTH


@dataclass
class ActivityFigures:
    """The figures of one group (or of all): activities per type, and the distinct leads."""

    by_type: dict[int, int] = field(default_factory=dict)
    leads_touched: int = 0  # distinct leads with an activity
    leads_won: int = 0  # ... of which won, closed at or after one of those activities

    @property
    def count(self) -> int:
        return sum(self.by_type.values())


@dataclass(frozen=True)
class ReportGroup:
    key: date | int | None  # the period's first day, an author's, team's or type's id
    label: str
    figures: ActivityFigures


@dataclass(frozen=True)
class ActivityReport:
    scope: ScopeKind
    period: Period
    group_by: ReportGrouping
    types: list[ActivityType]
    totals: ActivityFigures
    groups: list[ReportGroup]


def _key(grouping: ReportGrouping, period: Period) -> F | LocalPeriodStart:
    if grouping == ReportGrouping.MEMBER:
        return F("comments__author_id")
    if grouping == ReportGrouping.TEAM:
        return F("comments__team_id")
    if grouping == ReportGrouping.ACTIVITY:
        return F("comments__activity_id")
    time_grouping = Grouping(grouping.value)
    return LocalPeriodStart(
        "comments__created_at", time_grouping, period.zone, period.start, period.end
    )


def scope_activities(scope: Scope, period: Period, account_id: int) -> QuerySet[Lead]:
    """The activities a report counts, one row per activity over the scope's leads (which the
    caller sees) joined to their comments: logged in the period, by the scope's member if it
    has one, and for the scope's teams if it has some (the team an activity counts for is kept
    when it is logged: see Comment.team). One filter, so one join: the leads are read once,
    for who sees them and whether they were won."""
    logged: dict[str, Any] = {
        "comments__account_id": account_id,
        "comments__activity__isnull": False,
        "comments__created_at__gte": period.start,
        "comments__created_at__lt": period.end,
    }
    if scope.member_id is not None:
        logged["comments__author_id"] = scope.member_id
    if scope.team_ids is not None:
        logged["comments__team_id__in"] = scope.team_ids
    return scope.visible.filter(**logged)


# Won after the activity: the lead is won now, and was closed at or after the activity.
WON_AFTER = Q(status=Status.WON, closed_at__gte=F("comments__created_at"))


def activity_report_get(*, actor: Actor, request: ActivityReportRequest) -> ActivityReport:
    """Activities per type, leads touched and leads won after an activity, per period, member,
    team or activity type, over the scope of lead statistics (the same function decides it,
    with the same refusals). One statement, whatever the number of rows."""
    scope = statistics_scope(
        actor, kind=request.scope, team_id=request.team_id, user_ref=request.user_ref
    )
    grouping = request.group_by
    if grouping == ReportGrouping.TEAM and not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)
    period = requested_period(request.date_from, request.date_to, actor.account.zone)
    time_grouping = grouping.value in {g.value for g in TIME_GROUPINGS}
    starts = period_starts(period, Grouping(grouping.value)) if time_grouping else None
    activities = scope_activities(scope, period, actor.account_id)
    keyed = activities.order_by().annotate(key=_key(grouping, period))
    by_key, totals = _figures(keyed, dated=time_grouping)
    types = list(activity_types(actor))
    if starts is not None:
        time_grouping_ = Grouping(grouping.value)
        groups = [
            ReportGroup(start, period_label(start, time_grouping_), by_key[start])
            for start in starts
        ]
    else:
        groups = _named_groups(actor, grouping, by_key, types)
    return ActivityReport(
        scope=scope.kind,
        period=period,
        group_by=grouping,
        types=types,
        totals=totals,
        groups=groups,
    )


# The activities read once (the WITH) and grouped three ways: per key and type; per key, over
# each (key, lead) once; in all, over each lead once. Counting distinct leads by grouping
# (a hash) rather than count(DISTINCT) (a sort of every activity) halves the time at ten
# million activities. `w` is the lead's id when it was won after the activity: max(w) keeps
# it when any of the lead's activities there was followed by the win.
_THREE_GROUPINGS = """
WITH a (k, t, l, w) AS ({rows}),
key_leads (k, l, w) AS (SELECT k, l, max(w) FROM a GROUP BY k, l)
SELECT 1, k, t, count(*), 0, 0 FROM a GROUP BY k, t
UNION ALL SELECT 2, k, NULL, 0, count(*), count(w) FROM key_leads GROUP BY k
UNION ALL SELECT 3, NULL, NULL, 0, count(*), count(w)
FROM (SELECT l, max(w) AS w FROM key_leads GROUP BY l) AS leads
"""


def _figures(
    keyed: QuerySet[Lead], *, dated: bool
) -> tuple[defaultdict[Any, ActivityFigures], ActivityFigures]:
    """The figures of each key (a period's first day when `dated`) and of all, in one
    statement: three grouped queries would read the activities and their leads three times."""
    rows = keyed.annotate(won_lead=Case(When(WON_AFTER, then=F("pk")))).values_list(
        "key", "comments__activity_id", "pk", "won_lead"
    )
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(_THREE_GROUPINGS.format(rows=sql), params)
        found = cursor.fetchall()
    by_key: defaultdict[Any, ActivityFigures] = defaultdict(ActivityFigures)
    totals = ActivityFigures()
    for part, key, type_id, count, touched, won in found:
        if dated and isinstance(key, str):  # SQLite's dates are text
            key = date.fromisoformat(key[:10])
        if part == 1:
            by_key[key].by_type[type_id] = count
            totals.by_type[type_id] = totals.by_type.get(type_id, 0) + count
        elif part == 2:
            by_key[key].leads_touched, by_key[key].leads_won = touched, won
        else:
            totals.leads_touched, totals.leads_won = touched, won
    return by_key, totals


def _named_groups(
    actor: Actor,
    grouping: ReportGrouping,
    by_key: dict[Any, ActivityFigures],
    types: list[ActivityType],
) -> list[ReportGroup]:
    """Every activity type in its order; or the authors (teams) with an activity, by name,
    those without last."""
    if grouping == ReportGrouping.ACTIVITY:
        return [
            ReportGroup(kind.pk, kind.name, by_key.get(kind.pk, ActivityFigures()))
            for kind in types
        ]
    ids = [key for key in by_key if key is not None]
    if grouping == ReportGrouping.MEMBER:
        users = User.objects.filter(account_id=actor.account_id, pk__in=ids)
        names = {user.pk: user.full_name or user.email for user in users}
        missing = NO_AUTHOR_LABEL
    else:
        teams = Team.objects.filter(account_id=actor.account_id, pk__in=ids)
        names = dict(teams.values_list("pk", "name"))
        missing = NO_TEAM_LABEL
    groups = sorted(
        (ReportGroup(key, names.get(key, str(key)), by_key[key]) for key in ids),
        key=lambda group: (group.label.casefold(), group.key),
    )
    if None in by_key:
        groups.append(ReportGroup(None, missing, by_key[None]))
    return groups
