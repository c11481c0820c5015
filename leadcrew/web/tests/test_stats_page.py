"""The statistics page: the scopes offered are the API's, and its table is the API's figures."""

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.accounts.models import User
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.services import lead_create, lead_update
from leadcrew.teams.models import Team
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
ROW = re.compile(r'<tr data-key="([^"]*)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r'data-field="(\w+)" data-value="([^"]*)"')
FIELDS = (
    "created_count",
    "created_amount",
    "won_count",
    "won_amount",
    "lost_count",
    "cancelled_count",
    "conversion_rate",
    "average_sales_cycle_days",
)


def _table(html: str) -> dict[str, dict[str, str]]:
    """The figures table of the page: group key -> field -> raw value."""
    return {key: dict(CELL.findall(body)) for key, body in ROW.findall(html)}


def _close_some(cast: Cast) -> None:
    mona = cast.actor(cast.mona)
    for lead, status, amount in (
        (cast.leads.nils_north, "won", "1200.50"),
        (cast.leads.nora_north, "lost", "300"),
        (cast.leads.mona_north, "won", "99.99"),
    ):
        lead_update(actor=mona, lead_id=lead.pk, data={"amount": Decimal(amount), "status": status})


def _same_number(page: str, api: object) -> bool:
    if api is None:
        return page == ""
    return abs(float(page) - float(api)) < 1e-6  # type: ignore[arg-type]


def test_a_manager_picks_a_team_groups_by_member_and_gets_the_apis_figures(
    login: Login, client: Client, cast: Cast
) -> None:
    _close_some(cast)
    today = timezone.localdate()
    first = (today - timedelta(days=40)).isoformat()
    team = cast.north.pk
    response = login(cast.mona).get(
        f"/stats?whose=team-{team}&group_by=member&date_from={first}&date_to={today}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    page = _table(html)

    client.logout()
    api = client.get(
        "/api/v2/statistics",
        {
            "scope": "team",
            "team_id": str(team),
            "group_by": "member",
            "from": first,
            "to": today.isoformat(),
        },
        headers=cast.headers(cast.mona),
    ).json()
    assert api["groups"], "the team has figures"
    assert set(page) == {"" if g["key"] is None else str(g["key"]) for g in api["groups"]}
    for group in api["groups"]:
        row = page["" if group["key"] is None else str(group["key"])]
        for field in FIELDS:
            assert _same_number(row[field], group[field]), (group["label"], field)
    assert "€1,300.49" in html  # the won amount of the totals, formatted for the reader
    assert [s["step"] for s in api["pipeline"]] == [
        s.step for s in response.context["statistics"].pipeline
    ]


def test_scope_choices_follow_the_scope_rules(login: Login, cast: Cast) -> None:
    def offered(user: User) -> set[str]:
        form = login(user).get("/stats").context["form"]
        values = set()
        for value, label in form.fields["whose"].choices:
            if isinstance(label, (list, tuple)):
                values |= {v for v, _ in label}
            else:
                values.add(value)
        return values

    north, south = cast.north.pk, cast.south.pk
    admin = offered(cast.admin)
    assert {"account", f"team-{north}", f"team-{south}", f"user-{cast.nils.pk}"} <= admin
    mona = offered(cast.mona)
    assert "account" not in mona and f"team-{south}" not in mona
    assert {"managed", "me", f"team-{north}", f"user-{cast.nils.pk}"} <= mona
    assert f"user-{cast.sid.pk}" not in mona  # Sid is in South only
    assert offered(cast.nils) == {"me"}


def test_a_forged_scope_is_refused_in_place(login: Login, cast: Cast) -> None:
    response = login(cast.nils).get(f"/stats?whose=team-{cast.north.pk}")
    assert response.status_code == 200
    assert "statistics" not in response.context
    assert response.context["form"].errors["whose"]


def test_a_reversed_period_shows_on_the_field(login: Login, cast: Cast) -> None:
    response = login(cast.admin).get("/stats?date_from=2025-05-01&date_to=2025-04-01")
    errors = response.context["form"].errors
    assert errors["date_to"] == ["The end date cannot be before the start date."]
    assert b'value="01/05/2025"' in response.content  # as the account (UTC) writes dates


def test_the_export_link_follows_the_toggle_and_logs(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    page = client.get("/stats").content.decode()
    assert "/stats/export?" in page
    response = client.get("/stats/export?whose=me&group_by=month")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("key,label,created_count")
    assert SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).count() == 1

    cast.configure(only_admins_export_leads=True)
    assert "/stats/export?" not in client.get("/stats").content.decode()
    assert client.get("/stats/export?whose=me").status_code == 403
    assert SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).count() == 1


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.slow
@pytest.mark.parametrize("who", ["admin", "mona"])
def test_query_counts_do_not_grow_with_the_leads(login: Login, cast: Cast, who: str) -> None:
    admin = cast.actor(cast.admin)

    def add(count: int) -> None:
        for i in range(count):
            lead = lead_create(
                actor=admin,
                data={"title": f"L{i}", "user_id": cast.nils.pk, "team_id": cast.north.pk},
            )
            lead_update(actor=admin, lead_id=lead.pk, data={"status": "won", "amount": i})

    client = login(getattr(cast, who))
    urls = ["/stats", "/stats?group_by=member", "/stats?group_by=day&whose=me"]
    add(5)
    few = [_queries(client, url) for url in urls]
    add(45)
    assert [_queries(client, url) for url in urls] == few


@pytest.mark.parametrize("url", ["/stats", "/stats/activities"])
def test_offering_every_team_reads_the_database_once_for_all(
    login: Login, cast: Cast, url: str
) -> None:
    client = login(cast.admin)
    few = _queries(client, url)
    Team.objects.bulk_create(Team(account=cast.account, name=f"Team {i}") for i in range(20))
    response = client.get(url)
    assert "Team 19" in response.content.decode()
    assert _queries(client, url) == few
