"""The statistics page: the figures of /api/v2/statistics for the scopes the reader has, as a
chart and tables, and their CSV export."""

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
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from leadcrew.access.actor import Actor
from leadcrew.core.errors import ApiError, Code, Forbidden, InvalidParameter
from leadcrew.stats.export import statistics_csv
from leadcrew.stats.periods import (
    TIME_GROUPINGS,
    Grouping,
    add_months,
    period_count,
    requested_period,
)
from leadcrew.stats.scope import ScopeKind, statistics_scope
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
        teams = [
            team
            for team in directory.teams
            if _allowed(actor, kind=ScopeKind.TEAM, team_id=team.pk)
        ]
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


def _request_of(whose: str, data: dict[str, Any]) -> StatisticsRequest:
    """The statistics request of the form's values (as GET /api/v2/statistics takes them)."""
    scope: dict[str, Any] = {"scope": ScopeKind.USER}
    if whose == ACCOUNT:
        scope = {"scope": ScopeKind.ACCOUNT}
    elif whose == MANAGED:
        scope = {"scope": ScopeKind.TEAMS_MANAGED}
    elif whose.startswith(TEAM_PREFIX):
        scope = {"scope": ScopeKind.TEAM, "team_id": int(whose.removeprefix(TEAM_PREFIX))}
    elif whose.startswith(USER_PREFIX):
        scope = {"scope": ScopeKind.USER, "user_ref": int(whose.removeprefix(USER_PREFIX))}
    pipeline = data.get("pipeline")
    return StatisticsRequest(
        **scope,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        group_by=Grouping(data.get("group_by") or Grouping.MONTH),
        pipeline_id=int(pipeline) if pipeline else None,
    )


def group_label(group: Group, grouping: Grouping) -> str:
    """A group's name in the reader's language: a period, a person or a team."""
    key = group.key
    if isinstance(key, date):
        if grouping == Grouping.MONTH:
            return date_format(key, "YEAR_MONTH_FORMAT")
        if grouping == Grouping.WEEK:
            return _("Week of %(day)s") % {"day": day(key)}
        return day(key)
    if key is None:
        return pgettext("owner", "Unassigned") if grouping == Grouping.MEMBER else _("No team")
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


def _form(request: WebRequest) -> tuple[StatsForm, ScopeChoices, dict[str, str]]:
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
    groupings = [g for g in Grouping if g != Grouping.TEAM or actor.settings.teams_on]
    form = StatsForm(
        data, scopes=scopes.choices, groupings=groupings, pipelines=directory.pipelines
    )
    params = {
        key: str(data[key])
        for key in ("whose", "date_from", "date_to", "group_by", "pipeline")
        if data.get(key)
    }
    return form, scopes, params


@login_required
@require_GET
def stats_page(request: WebRequest) -> HttpResponse:
    actor = actor_of(request)
    form, scopes, params = _form(request)
    context: dict[str, Any] = {
        "form": form,
        "presets": _presets(timezone.localdate(), params),
        "currency": actor.account.currency,
        "may_export": directory_of(request).may_export,
    }
    if form.is_valid():
        wanted = _request_of(form.cleaned_data["whose"] or scopes.default, form.cleaned_data)
        try:
            _check_drawable(actor, wanted)
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
                "group_heading": admin_labels.GROUPING_LABELS[grouping],
                "chart": _chart(rows),
                "export_url": reverse("web:stats_export") + "?" + urlencode(params),
                "last_day": statistics.period.last,
                "first_day": statistics.period.first,
            }
    return render_page(request, "web/stats/stats.html", context)


def _check_drawable(actor: Actor, wanted: StatisticsRequest) -> None:
    """Refuses, before any query, a range with more periods than the page can draw."""
    if wanted.group_by not in TIME_GROUPINGS:
        return
    period = requested_period(wanted.date_from, wanted.date_to, actor.account.zone)
    count = period_count(period, wanted.group_by)
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
