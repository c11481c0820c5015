"""The statistics page's Activities tab: the report of GET /statistics/activities over the scopes
of lead statistics, refused exactly where lead statistics are, counting only the activities on
leads the reader sees by people in the scope; its chart, table and CSV export."""

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadcrew.accounts.models import User
from leadcrew.activities.models import ActivityType
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.models import Lead
from leadcrew.leads.services import comment_create
from leadcrew.teams.services import team_member_remove
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]

ROW = re.compile(r'<tr data-key="([^"]*)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r'data-field="([\w-]+)" data-value="([^"]*)"')


def _table(html: str) -> dict[str, dict[str, str]]:
    """The figures table of the page: group key -> field -> raw value."""
    return {key: dict(CELL.findall(body)) for key, body in ROW.findall(html)}


def _log(cast: Cast, who: User, lead: Lead, activity: str = "Call", text: str = "Done") -> None:
    kind = ActivityType.objects.get(account=cast.account, name=activity)
    comment_create(
        actor=cast.actor(who), lead_id=lead.pk, data={"content": text, "activity_id": kind.pk}
    )


@pytest.fixture
def logged(cast: Cast) -> Cast:
    """Calls and meetings across North, South and leads outside teams."""
    _log(cast, cast.nils, cast.leads.nils_north)
    _log(cast, cast.nils, cast.leads.nils_north, "Meeting")
    _log(cast, cast.nils, cast.leads.nils_solo)
    _log(cast, cast.mona, cast.leads.mona_north)
    _log(cast, cast.sam, cast.leads.sam_south)
    _log(cast, cast.admin, cast.leads.ada_solo, text="The admin's secret plan")
    return cast


def _stats_refusal(client: Client, path: str) -> tuple[int, Any, list[str]]:
    response = client.get(path)
    form = response.context["form"]
    shown = "statistics" in response.context or "report" in response.context
    return response.status_code, shown, sorted(form.errors.get("whose", []))


@pytest.mark.parametrize(
    ("who", "whose"),
    [
        ("nils", "account"),
        ("nils", "managed"),
        ("nils", "team-{north}"),
        ("nils", "user-{mona}"),
        ("mona", "account"),
        ("mona", "team-{south}"),
        ("mona", "user-{sid}"),
        ("mona", "team-999999"),
        ("mona", "user-abc"),
    ],
)
def test_a_tampered_scope_is_refused_exactly_as_on_the_leads_tab(
    login: Login, cast: Cast, who: str, whose: str
) -> None:
    client = login(getattr(cast, who))
    ids = {"north": cast.north.pk, "south": cast.south.pk, "mona": cast.mona.pk}
    ids["sid"] = cast.sid.pk
    query = f"?whose={whose.format(**ids)}"
    leads = _stats_refusal(client, "/stats" + query)
    activities = _stats_refusal(client, "/stats/activities" + query)
    assert activities == leads
    status, shown, errors = activities
    assert status == 200 and not shown
    assert errors == ["You may not see these figures: pick one of the choices offered."]
    # The export of a refused scope exports nothing: back to the page, which says why.
    export = client.get("/stats/activities/export" + query)
    assert export.status_code == 302 and export["Location"].startswith("/stats/activities?")
    assert not SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).exists()


def test_the_scopes_offered_are_those_of_the_leads_tab(login: Login, cast: Cast) -> None:
    for who in (cast.admin, cast.mona, cast.nils):
        client = login(who)
        leads = client.get("/stats").context["form"].fields["whose"].choices
        activities = client.get("/stats/activities").context["form"].fields["whose"].choices
        assert activities == leads


def test_a_plain_user_gets_only_their_own_activities(login: Login, logged: Cast) -> None:
    page = login(logged.nils).get("/stats/activities?group_by=member")
    assert page.status_code == 200
    report = page.context["report"]
    assert report.scope == "user"
    table = _table(page.text)
    assert set(table) == {str(logged.nils.pk)}
    assert table[str(logged.nils.pk)]["count"] == "3"
    assert "secret" not in page.text


def test_a_manager_gets_their_team_and_one_member_in_it(login: Login, logged: Cast) -> None:
    client = login(logged.mona)
    call = ActivityType.objects.get(account=logged.account, name="Call")
    team = client.get(f"/stats/activities?whose=team-{logged.north.pk}&group_by=member")
    table = _table(team.text)
    # North's activities only: Nils's on his North lead and Mona's; not his lead outside teams,
    # not South's.
    assert {key: row["count"] for key, row in table.items()} == {
        str(logged.nils.pk): "2",
        str(logged.mona.pk): "1",
    }
    assert table[str(logged.mona.pk)][f"type-{call.pk}"] == "1"
    member = client.get(f"/stats/activities?whose=user-{logged.nils.pk}&group_by=member")
    assert _table(member.text) == {str(logged.nils.pk): table[str(logged.nils.pk)]}
    managed = client.get("/stats/activities?whose=managed&group_by=team")
    assert set(_table(managed.text)) == {str(logged.north.pk)}


def test_the_page_shows_the_apis_report(login: Login, client: Client, logged: Cast) -> None:
    today = timezone.localdate()
    page = login(logged.admin).get("/stats/activities?whose=account&group_by=activity")
    table = _table(page.text)
    client.logout()
    api = client.get(
        "/api/v2/statistics/activities",
        {"scope": "account", "group_by": "activity"},
        headers=logged.headers(),
    ).json()
    assert {str(g["key"]): str(g["count"]) for g in api["groups"]} == {
        key: row["count"] for key, row in table.items()
    }
    assert api["to"] == today.isoformat()


def test_the_chart_draws_one_stacked_series_per_activity_type(login: Login, logged: Cast) -> None:
    page = login(logged.admin).get("/stats/activities?whose=account&group_by=member")
    chart = page.context["chart"]
    names = [kind.name for kind in page.context["report"].types]
    assert chart["stacked"] is True
    assert [series["label"] for series in chart["series"]] == names
    assert len(chart["labels"]) == len(page.context["rows"])
    assert 'id="stats-chart-data"' in page.text and "chart.umd.min.js" in page.text


def test_too_many_bars_are_refused_before_any_query(login: Login, cast: Cast) -> None:
    query = "group_by=day&date_from=2020-01-01&date_to=2025-12-31"
    leads = login(cast.admin).get(f"/stats?{query}")
    page = login(cast.admin).get(f"/stats/activities?{query}")
    assert "report" not in page.context
    assert page.context["form"].errors["date_to"] == leads.context["form"].errors["date_to"]
    assert "shorten it or group by a longer period" in page.context["form"].errors["date_to"][0]


def test_the_csv_is_an_export_with_formulas_neutralised(login: Login, logged: Cast) -> None:
    ActivityType.objects.filter(account=logged.account, name="Call").update(name="=HYPERLINK(1)")
    client = login(logged.nils)
    page = client.get("/stats/activities?group_by=activity").text
    assert "/stats/activities/export?" in page and "Download CSV" in page
    response = client.get("/stats/activities/export?whose=me&group_by=activity")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="activities-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["key", "label", "activities", "leads_touched", "leads_won"]
    assert "'=HYPERLINK(1)" in rows[0]
    assert rows[-1][:3] == ["total", "Total", "3"]
    logged_exports = SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT)
    assert logged_exports.get().details["what"] == "activities"

    logged.configure(only_admins_export_leads=True)
    assert "/stats/activities/export?" not in client.get("/stats/activities").text
    assert client.get("/stats/activities/export?whose=me").status_code == 403
    assert logged_exports.count() == 1


def test_the_tabs_keep_the_scope_and_period(login: Login, cast: Cast) -> None:
    client = login(cast.mona)
    query = f"whose=team-{cast.north.pk}&date_from=2026-01-01&date_to=2026-03-31"
    page = client.get(f"/stats?{query}&group_by=week").text
    assert f'href="/stats/activities?whose=team-{cast.north.pk}&amp;date_from=2026-01-01' in page
    activities = client.get(f"/stats/activities?{query}&group_by=activity").text
    assert 'aria-current="page">Activities<' in activities
    # Leads have no "activity type" grouping: the Leads tab drops it.
    assert re.search(r'href="/stats\?whose=[^"]*date_to=2026-03-31"', activities)


def test_french_activities_tab(login: Login, logged: Cast) -> None:
    User.objects.filter(pk=logged.mona.pk).update(locale="fr")
    page = login(logged.mona).get("/stats/activities?group_by=activity").text
    assert "Activités" in page and "Type d’activité" in page
    assert "Télécharger le CSV" in page


def test_a_member_who_left_counts_in_the_team_only_for_the_time_they_were_in_it(
    login: Login, cast: Cast
) -> None:
    nils, north, lead = cast.nils, cast.north, cast.leads.nils_north
    _log(cast, nils, lead)
    team_member_remove(actor=cast.actor(cast.admin), team_id=north.pk, user_ref=nils.pk)
    _log(cast, nils, lead)  # still his lead, but he is no longer in North
    team = _table(
        login(cast.admin).get(f"/stats/activities?whose=team-{north.pk}&group_by=member").text
    )
    assert team[str(nils.pk)]["count"] == "1"
    own = _table(login(nils).get("/stats/activities?group_by=member").text)
    assert own[str(nils.pk)]["count"] == "2"  # his own figures keep both
