"""The statistics pages, two tabs over the same scopes: lead statistics (the figures of
/api/v2/statistics) and activity reports (those of /api/v2/statistics/activities), each for the
scopes the reader has, as a chart and tables, and their CSV export."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from leadcrew.access.actor import Actor
from leadcrew.activities.export import activity_report_csv
from leadcrew.activities.models import ActivityType
from leadcrew.activities.selectors import (
    ActivityFigures,
    ActivityReport,
    ActivityReportRequest,
    ReportGroup,
    ReportGrouping,
    activity_report_get,
)
from leadcrew.activities.services import activity_report_export
from leadcrew.core.errors import ApiError, Code, Forbidden, InvalidParameter
from leadcrew.stats.export import statistics_csv
from leadcrew.stats.periods import (
    TIME_GROUPINGS,
    Grouping,
    add_months,
    period_count,
    requested_period,
)
from leadcrew.stats.scope import ScopeKind, may_see_team_figures, statistics_scope
from leadcrew.stats.selectors import Group, StatisticsRequest, statistics_get
from leadcrew.stats.services import statistics_export
from leadcrew.web import admin_labels
from leadcrew.web.admin_forms import StatsForm, show_admin_error
from leadcrew.web.choices import Directory, user_label
from leadcrew.web.templatetags.web import day
from leadcrew.web.views.base import WebRequest, actor_of, directory_of, render_page

ACCOUNT, MANAGED, ME = "account", "managed", "me"
# The page draws one bar per period and lists one row per period: past this many, a day-by-day
# chart over years would freeze the reader's browser. The API lists more (MAX_PERIODS).
CHART_MAX_PERIODS = 400
TEAM_PREFIX, USER_PREFIX = "team-", "user-"


def _allowed(actor: Actor, **scope: Any) -> bool:
    """Whether the scope rules of the statistics (the API's own) grant this scope."""
    try:
        statistics_scope(actor, **scope)
    except ApiError:
        return False
    return True


@dataclass
class ScopeChoices:
    """The "whose figures" offered to the reader, each granted by `statistics_scope`."""

    choices: list[tuple[str, Any]]
    default: str

    @classmethod
    def of(cls, actor: Actor, directory: Directory) -> "ScopeChoices":
        top: list[tuple[str, Any]] = []
        whole = _allowed(actor, kind=ScopeKind.ACCOUNT)
        if whole:
            top.append((ACCOUNT, _("Whole account")))
        if actor.settings.teams_on and _allowed(actor, kind=ScopeKind.TEAMS_MANAGED):
            top.append((MANAGED, _("All the teams I manage")))
        if actor.user_id is not None and _allowed(actor, kind=ScopeKind.USER):
            top.append((ME, _("My own figures")))
        teams = [team for team in directory.teams if may_see_team_figures(actor, team.pk)]
        # A member is offered when a scope granted above covers them: anyone under the
        # account, else the members of the teams granted. The choice is checked again by the
        # same rules when the figures are computed.
        team_ids = {team.pk for team in teams}
        members = [
            user
            for user in directory.users
            if user.pk != actor.user_id and (whole or directory.assignee(user).team_ids & team_ids)
        ]
        choices = list(top)
        if teams:
            offered = [(f"{TEAM_PREFIX}{t.pk}", t.name) for t in teams]
            choices.append((_("Teams"), offered))
        if members:
            people = [(f"{USER_PREFIX}{u.pk}", user_label(u)) for u in members]
            choices.append((_("Members"), people))
        return cls(choices, top[0][0] if top else ME)


def _scope_of(whose: str) -> dict[str, Any]:
    """The scope parameters of the form's "whose figures" (as the API takes them)."""
    if whose == ACCOUNT:
        return {"scope": ScopeKind.ACCOUNT}
    if whose == MANAGED:
        return {"scope": ScopeKind.TEAMS_MANAGED}
    if whose.startswith(TEAM_PREFIX):
        return {"scope": ScopeKind.TEAM, "team_id": int(whose.removeprefix(TEAM_PREFIX))}
    if whose.startswith(USER_PREFIX):
        return {"scope": ScopeKind.USER, "user_ref": int(whose.removeprefix(USER_PREFIX))}
    return {"scope": ScopeKind.USER}


def _request_of(whose: str, data: dict[str, Any]) -> StatisticsRequest:
    """The statistics request of the form's values (as GET /api/v2/statistics takes them)."""
    pipeline = data.get("pipeline")
    return StatisticsRequest(
        **_scope_of(whose),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        group_by=Grouping(data.get("group_by") or Grouping.MONTH),
        pipeline_id=int(pipeline) if pipeline else None,
    )


def _report_request_of(whose: str, data: dict[str, Any]) -> ActivityReportRequest:
    """The activity report request of the form's values (as GET
    /api/v2/statistics/activities takes them)."""
    return ActivityReportRequest(
        **_scope_of(whose),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        group_by=ReportGrouping(data.get("group_by") or ReportGrouping.MONTH),
    )


def group_label(group: Group | ReportGroup, grouping: str) -> str:
    """A group's name in the reader's language: a period, a person, a team or an activity
    type. A lead statistic without a person is a lead without owner; an activity without one
    was logged by an API key."""
    key = group.key
    if isinstance(key, date):
        if grouping == Grouping.MONTH:
            return date_format(key, "YEAR_MONTH_FORMAT")
        if grouping == Grouping.WEEK:
            return _("Week of %(day)s") % {"day": day(key)}
        return day(key)
    if key is None:
        if grouping != Grouping.MEMBER:
            return _("No team")
        if isinstance(group, ReportGroup):
            return _("No author")
        return pgettext("owner", "Unassigned")
    return group.label


def _presets(today: date, params: dict[str, str]) -> list[dict[str, Any]]:
    month = today.replace(day=1)
    presets = [
        (_("This month"), month),
        (_("Last 3 months"), add_months(month, -2)),
        (_("Last 12 months"), add_months(month, -11)),
    ]
    found = []
    for label, first in presets:
        query = {**params, "date_from": first.isoformat(), "date_to": today.isoformat()}
        current = (
            params.get("date_from") == query["date_from"]
            and params.get("date_to") == query["date_to"]
        )
        found.append({"label": label, "url": "?" + urlencode(query), "current": current})
    return found


def _form(
    request: WebRequest, *, activities: bool = False
) -> tuple[StatsForm, ScopeChoices, dict[str, str]]:
    """The filters of a tab, with their defaults; `activities`: the activity report's (its
    groupings, no pipeline)."""
    actor = actor_of(request)
    directory = directory_of(request)
    scopes = ScopeChoices.of(actor, directory)
    today = timezone.localdate()
    # Missing values take the defaults, so the inputs show the period the figures cover.
    defaults = {
        "whose": scopes.default,
        "date_from": add_months(today.replace(day=1), -11).isoformat(),
        "date_to": today.isoformat(),
        "group_by": Grouping.MONTH.value,
    }
    data = QueryDict(mutable=True)
    data.update(defaults)
    for key, values in request.GET.lists():
        if any(values):
            data.setlist(key, values)
    offered = [g.value for g in (ReportGrouping if activities else Grouping)]
    groupings = [
        (value, GROUPING_LABELS[value])
        for value in offered
        if value != Grouping.TEAM or actor.settings.teams_on
    ]
    form = StatsForm(
        data,
        scopes=scopes.choices,
        groupings=groupings,
        pipelines=[] if activities else directory.pipelines,
    )
    params = {
        key: str(data[key])
        for key in ("whose", "date_from", "date_to", "group_by", "pipeline")
        if data.get(key)
    }
    return form, scopes, params


GROUPING_LABELS: dict[str, Any] = {
    **{grouping.value: label for grouping, label in admin_labels.GROUPING_LABELS.items()},
    ReportGrouping.ACTIVITY.value: pgettext_lazy("group by", "Activity type"),
}
TIME_VALUES = {grouping.value for grouping in TIME_GROUPINGS}
# What the tabs carry from one to the other (a grouping only where the other tab has it).
SHARED = ("whose", "date_from", "date_to")
SHARED_GROUPINGS = {g.value for g in Grouping}


def _tabs(params: dict[str, str], current: str) -> list[dict[str, Any]]:
    """The tabs Leads | Activities, each keeping the scope and period chosen."""
    kept = {key: params[key] for key in SHARED if key in params}
    if params.get("group_by") in SHARED_GROUPINGS:
        kept["group_by"] = params["group_by"]
    query = "?" + urlencode(kept) if kept else ""
    return [
        {
            "label": label,
            "url": reverse(name) + query,
            "current": name == current,
        }
        for name, label in (
            ("web:stats", pgettext("statistics", "Leads")),
            ("web:stats_activities", pgettext("statistics", "Activities")),
        )
    ]


def _base_context(
    request: WebRequest, form: StatsForm, params: dict[str, str], tab: str
) -> dict[str, Any]:
    return {
        "form": form,
        "presets": _presets(timezone.localdate(), params),
        "currency": actor_of(request).account.currency,
        "may_export": directory_of(request).may_export,
        "tabs": _tabs(params, tab),
    }


@login_required
@require_GET
def stats_page(request: WebRequest) -> HttpResponse:
    actor = actor_of(request)
    form, scopes, params = _form(request)
    context = _base_context(request, form, params, "web:stats")
    if form.is_valid():
        wanted = _request_of(form.cleaned_data["whose"] or scopes.default, form.cleaned_data)
        try:
            _check_drawable(actor, wanted.date_from, wanted.date_to, wanted.group_by)
            statistics = statistics_get(actor=actor, request=wanted)
        except ApiError as error:
            show_admin_error(form, error, aliases=_FIELD_ALIASES)
        else:
            grouping = statistics.group_by
            rows = [{"group": g, "label": group_label(g, grouping)} for g in statistics.groups]
            context |= {
                "statistics": statistics,
                "rows": rows,
                "by_period": grouping in TIME_GROUPINGS,
                "group_heading": GROUPING_LABELS[grouping],
                "chart": _chart(rows),
                "export_url": reverse("web:stats_export") + "?" + urlencode(params),
                "last_day": statistics.period.last,
                "first_day": statistics.period.first,
            }
    return render_page(request, "web/stats/stats.html", context)


def _check_drawable(
    actor: Actor, date_from: date | None, date_to: date | None, grouping: str
) -> None:
    """Refuses, before any query, a range with more periods than the page can draw."""
    if grouping not in TIME_VALUES:
        return
    period = requested_period(date_from, date_to, actor.account.zone)
    count = period_count(period, Grouping(grouping))
    if count > CHART_MAX_PERIODS:
        raise InvalidParameter("to", Code.TOO_MANY_PERIODS, count=count, max=CHART_MAX_PERIODS)


# The API's parameter names, as the form calls them.
_FIELD_ALIASES = {
    "from": "date_from",
    "to": "date_to",
    "team_id": "whose",
    "user_id": "whose",
    "pipeline_id": "pipeline",
}


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the chart draws: counts per group (the table below carries every figure)."""
    figures = [row["group"].figures for row in rows]
    return {
        "labels": [row["label"] for row in rows],
        "series": [
            {"label": _("Created"), "data": [f.created_count for f in figures], "color": "#1f4fd1"},
            {"label": _("Won"), "data": [f.won_count for f in figures], "color": "#146c43"},
            {"label": _("Lost"), "data": [f.lost_count for f in figures], "color": "#b42318"},
            {
                "label": _("Cancelled"),
                "data": [f.cancelled_count for f in figures],
                "color": "#8a94a6",
            },
        ],
    }


@login_required
@require_GET
def stats_export(request: WebRequest) -> HttpResponse:
    """The page's figures as CSV: the API's export (and its log entry and toggle)."""
    actor = actor_of(request)
    form, scopes, _params = _form(request)
    if not form.is_valid():
        # The page shows what to fix, in place.
        return HttpResponseRedirect(reverse("web:stats") + "?" + request.GET.urlencode())
    wanted = _request_of(form.cleaned_data["whose"] or scopes.default, form.cleaned_data)
    try:
        exported = statistics_export(actor=actor, request=wanted)
    except Forbidden as error:
        return render(request, "403.html", {"message": error.text()}, status=403)
    except ApiError as error:
        return render(request, "403.html", {"message": error.text()}, status=400)
    response = HttpResponse(statistics_csv(exported), content_type="text/csv; charset=utf-8")
    first, last = exported.period.first, exported.period.last
    name = f"statistics-{first.isoformat()}-{last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The Activities tab --------------------------------------------------------------------

# The colours of the activity types that have none, in turn.
PALETTE = ("#1f4fd1", "#146c43", "#8a3ffc", "#b54708", "#0e7490", "#8a94a6")


@login_required
@require_GET
def activity_stats_page(request: WebRequest) -> HttpResponse:
    """The activity report of /api/v2/statistics/activities, over the same scopes, refusals
    and periods as the lead statistics."""
    actor = actor_of(request)
    form, scopes, params = _form(request, activities=True)
    context = _base_context(request, form, params, "web:stats_activities")
    if form.is_valid():
        wanted = _report_request_of(form.cleaned_data["whose"] or scopes.default, form.cleaned_data)
        try:
            _check_drawable(actor, wanted.date_from, wanted.date_to, wanted.group_by)
            report = activity_report_get(actor=actor, request=wanted)
        except ApiError as error:
            show_admin_error(form, error, aliases=_FIELD_ALIASES)
        else:
            grouping = report.group_by
            rows = [
                {"group": g, "label": group_label(g, grouping), "cells": _cells(report, g.figures)}
                for g in report.groups
            ]
            context |= {
                "report": report,
                "rows": rows,
                "total_cells": _cells(report, report.totals),
                "by_period": grouping.value in TIME_VALUES,
                "group_heading": GROUPING_LABELS[grouping],
                "chart": _activity_chart(report, rows),
                "export_url": reverse("web:stats_activities_export") + "?" + urlencode(params),
                "last_day": report.period.last,
                "first_day": report.period.first,
            }
    return render_page(request, "web/stats/activities.html", context)


def _cells(report: ActivityReport, figures: ActivityFigures) -> list[tuple[ActivityType, int]]:
    """A group's count of each activity type, in the account's order."""
    return [(kind, figures.by_type.get(kind.pk, 0)) for kind in report.types]


def _activity_chart(report: ActivityReport, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Activities per group, one stacked series per activity type."""
    return {
        "labels": [row["label"] for row in rows],
        "stacked": True,
        "series": [
            {
                "label": kind.name,
                "data": [row["cells"][index][1] for row in rows],
                "color": kind.color or PALETTE[index % len(PALETTE)],
            }
            for index, kind in enumerate(report.types)
        ],
    }


@login_required
@require_GET
def activity_stats_export(request: WebRequest) -> HttpResponse:
    """The Activities tab's report as CSV: the API's export (its toggle and log entry)."""
    actor = actor_of(request)
    form, scopes, _params = _form(request, activities=True)
    if not form.is_valid():
        # The page shows what to fix, in place.
        url = reverse("web:stats_activities") + "?" + request.GET.urlencode()
        return HttpResponseRedirect(url)
    wanted = _report_request_of(form.cleaned_data["whose"] or scopes.default, form.cleaned_data)
    try:
        report = activity_report_export(actor=actor, request=wanted)
    except Forbidden as error:
        return render(request, "403.html", {"message": error.text()}, status=403)
    except ApiError as error:
        return render(request, "403.html", {"message": error.text()}, status=400)
    response = HttpResponse(activity_report_csv(report), content_type="text/csv; charset=utf-8")
    first, last = report.period.first, report.period.last
    name = f"activities-{first.isoformat()}-{last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
