"""The pipeline board, the unassigned pool and the to-do list."""

import html
import re
from collections.abc import Callable
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.accounts.models import User
from leadcrew.leads.models import Step
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _steps(cast: Cast) -> list[Step]:
    return list(
        Step.objects.filter(account=cast.account, pipeline__is_default=True).order_by("position")
    )


def test_pipeline_columns_count_only_visible_leads(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get("/pipeline")
    assert page.status_code == 200
    first = page.context["columns"][0]
    assert first["count"] == 3  # his two leads, and the pool outside teams he may hand out
    movable = {card["lead"].pk: card["movable"] for card in first["cards"]}
    assert movable == {
        cast.leads.nils_north.pk: True,
        cast.leads.nils_solo.pk: True,
        cast.leads.pool.pk: False,  # unassigned: it keeps its step until someone owns it
    }


def test_pipeline_cards_are_movable_only_when_editable(login: Login, cast: Cast) -> None:
    cast.configure(team_privacy="team_shared")
    page = login(cast.nils).get("/pipeline")
    movable = {card["lead"].pk: card["movable"] for card in page.context["columns"][0]["cards"]}
    assert movable[cast.leads.nora_north.pk] is False
    assert movable[cast.leads.nils_north.pk] is True
    assert movable[cast.leads.pool_north.pk] is False  # shared with him, but unassigned


def test_moving_a_card(login: Login, cast: Cast) -> None:
    steps = _steps(cast)
    lead = cast.leads.nils_north
    client = login(cast.nils)
    response = client.post(
        f"/leads/{lead.pk}/step",
        {"step": steps[2].pk, "next": "/pipeline"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board",
    )
    assert response.status_code == 200
    assert '"path": "/pipeline"' in response["HX-Location"]
    lead.refresh_from_db()
    assert lead.step_id == steps[2].pk
    board = client.get("/pipeline", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board")
    assert board.text.lstrip().startswith('<div id="board"')


def test_moving_a_read_only_card_is_refused(login: Login, cast: Cast) -> None:
    cast.configure(team_privacy="team_shared")
    steps = _steps(cast)
    lead = cast.leads.nora_north
    client = login(cast.nils)
    response = client.post(f"/leads/{lead.pk}/step", {"step": steps[2].pk, "next": "/pipeline"})
    assert response.status_code == 303
    lead.refresh_from_db()
    assert lead.step_id == steps[0].pk
    assert "You may see this lead but not change it." in client.get("/pipeline").text
    hidden = cast.leads.sam_south
    assert client.post(f"/leads/{hidden.pk}/step", {"step": steps[2].pk}).status_code == 404


def test_the_pool_shows_what_the_user_may_hand_out(login: Login, cast: Cast) -> None:
    nils = login(cast.nils).get("/unassigned")
    assert [row["lead"].pk for row in nils.context["rows"]] == [cast.leads.pool.pk]
    assert nils.context["rows"][0]["may_take"]
    mona = login(cast.mona).get("/unassigned")
    rows = {row["lead"].pk: row for row in mona.context["rows"]}
    assert set(rows) == {cast.leads.pool.pk, cast.leads.pool_north.pk}
    assert rows[cast.leads.pool_north.pk]["may_assign"]
    # Whom to: the people offered as one types, for that lead.
    north = {cast.mona, cast.paula, cast.nils, cast.nora}
    offered = login(cast.mona).get(
        "/people/options", {"for": "lead", "lead": str(cast.leads.pool_north.pk), "user_id": ""}
    )
    assert set(re.findall(r'<option value="([^"]*)">', html.unescape(offered.text))) == {
        f"{u.full_name or u.email} ({u.email})" for u in north
    }
    hidden = login(cast.mona).get(
        "/people/options", {"for": "lead", "lead": str(cast.leads.sam_south.pk)}
    )
    assert hidden.status_code == 404  # a lead she does not see


def test_a_pool_lead_is_assigned_to_a_person_typed(login: Login, cast: Cast) -> None:
    lead = cast.leads.pool_north
    client = login(cast.mona)
    typed = f"{cast.paula.full_name} ({cast.paula.email})"
    client.post(f"/leads/{lead.pk}/owner", {"user_id": typed, "next": "/unassigned"})
    lead.refresh_from_db()
    assert lead.owner_id == cast.paula.pk


def test_take_a_lead_from_the_pool(login: Login, cast: Cast) -> None:
    lead = cast.leads.pool
    client = login(cast.nils)
    response = client.post(
        f"/leads/{lead.pk}/owner",
        {"user_id": cast.nils.pk, "next": "/unassigned"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="pool",
    )
    assert '"target": "#pool"' in response["HX-Location"]
    lead.refresh_from_db()
    assert lead.owner_id == cast.nils.pk
    pool = client.get("/unassigned", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pool")
    assert "Owner changed." in pool.text
    assert pool.context["rows"] == []


def test_todo_lists_my_reminders_due_first(login: Login, cast: Cast) -> None:
    actor = cast.actor(cast.nils)
    today = timezone.localdate()
    lead_update(
        actor=actor,
        lead_id=cast.leads.nils_solo.pk,
        data={"status": "standby", "remind_date": today + timedelta(days=3)},
    )
    lead_update(
        actor=actor,
        lead_id=cast.leads.nils_north.pk,
        data={"remind_date": date(2020, 1, 1), "remind_time": time(9, 15)},
    )
    page = login(cast.nils).get("/todo")
    assert page.status_code == 200
    assert [lead.pk for lead in page.context["page"].leads] == [
        cast.leads.nils_north.pk,
        cast.leads.nils_solo.pk,
    ]
    assert "Due" in page.text


def _pool_titles(page: object) -> list[str]:
    return [row["lead"].title for row in page.context["rows"]]  # type: ignore[attr-defined]


def test_the_pool_is_filtered_by_team_step_tag_and_words(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    pool, north, south = cast.leads.pool, cast.leads.pool_north, cast.leads.pool_south
    every = set(_pool_titles(client.get("/unassigned")))
    assert every == {pool.title, north.title, south.title}
    assert _pool_titles(client.get(f"/unassigned?team={cast.north.pk}")) == [north.title]
    lead_update(actor=cast.actor(cast.admin), lead_id=south.pk, data={"tags": ["hot"]})
    assert _pool_titles(client.get("/unassigned?tags=hot")) == [south.title]
    assert _pool_titles(client.get("/unassigned", {"q": north.title})) == [north.title]
    for step in _steps(cast)[:2]:
        wanted = {lead.title for lead in (pool, north, south) if lead.step_id == step.pk}
        assert set(_pool_titles(client.get(f"/unassigned?step={step.pk}"))) == wanted
    # The filters keep to the pool: owned leads of that step stay out.
    assert all(
        row["lead"].owner_id is None for row in client.get("/unassigned?owner=me").context["rows"]
    )


@pytest.mark.parametrize("who", ["admin", "mona", "nils"])
def test_the_pool_counts_what_it_shows_from_the_tallies(login: Login, cast: Cast, who: str) -> None:
    client = login(getattr(cast, who))
    for query in ["", f"?team={cast.north.pk}", "?status=todo", "?q=Pool"]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/unassigned{query}")
        assert page.context["count"] == len(page.context["rows"]), query
        counted = [q["sql"] for q in queries if 'COUNT(*) FROM (SELECT "leads_lead"' in q["sql"]]
        # Words are not in the tallies: only then are the pool's leads counted.
        assert bool(counted) == (query == "?q=Pool"), query


def test_the_pool_sorts_by_its_column_headings(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    amounts = {cast.leads.pool: 300, cast.leads.pool_north: 100, cast.leads.pool_south: 200}
    for lead, amount in amounts.items():
        lead_update(actor=cast.actor(cast.admin), lead_id=lead.pk, data={"amount": amount})
    page = client.get("/unassigned")
    heading = page.context["sort_headers"]["amount"]
    assert heading["sort"] == ""
    largest_first = client.get(heading["url"])
    assert [row["lead"].amount for row in largest_first.context["rows"]] == [300, 200, 100]
    again = largest_first.context["sort_headers"]["amount"]
    assert again["sort"] == "descending"
    smallest_first = client.get(again["url"])
    assert [row["lead"].amount for row in smallest_first.context["rows"]] == [100, 200, 300]
    assert 'aria-sort="ascending"' in smallest_first.text


def test_the_pool_links_to_dispatching_several_leads_at_once(login: Login, cast: Cast) -> None:
    page = login(cast.admin).get(f"/unassigned?team={cast.north.pk}")
    url = page.context["dispatch_url"]
    assert url.startswith("/leads?") and "owner=none" in url and f"team={cast.north.pk}" in url
    listed = login(cast.admin).get(url)
    assert [lead.pk for lead in listed.context["page"].leads] == [cast.leads.pool_north.pk]


def test_a_tampered_pool_filter_is_no_error(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    for query in ("team=999999", "step=abc", "order=nope&direction=sideways", "team=" + "9" * 40):
        assert client.get(f"/unassigned?{query}").status_code == 200


def test_a_pool_lead_is_sent_to_a_team_the_policy_allows(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    rows = {row["lead"].pk: row for row in client.get("/unassigned").context["rows"]}
    lead = cast.leads.pool
    assert {team.pk for team in rows[lead.pk]["teams"]} == {cast.north.pk, cast.south.pk}
    north_lead = rows[cast.leads.pool_north.pk]
    assert cast.north.pk not in {team.pk for team in north_lead["teams"]}  # not its own team
    response = client.post(
        f"/leads/{lead.pk}/team",
        {"team_id": cast.south.pk, "next": "/unassigned"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="pool",
    )
    assert '"target": "#pool"' in response["HX-Location"]
    lead.refresh_from_db()
    assert lead.team_id == cast.south.pk and lead.owner_id is None


def test_the_pool_offers_no_team_the_reader_may_not_place_in(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get("/unassigned")
    for row in page.context["rows"]:
        assert cast.south.pk not in {team.pk for team in row["teams"]}


def test_the_admins_columns_from_the_figures_are_the_open_leads_counted(
    login: Login, cast: Cast
) -> None:
    # An admin's columns are read from the open pipeline's figures, not counted: after a lead
    # changes step and another goes to the bin, they still say what counting would.
    from leadcrew.access.actor import actor_for_user
    from leadcrew.leads.models import OPEN_STATUSES, Lead
    from leadcrew.leads.services import lead_delete

    admin = actor_for_user(cast.admin)
    second = _steps(cast)[1]
    for lead, amount in ((cast.leads.nils_north, "1234.50"), (cast.leads.pool, "99.99")):
        lead_update(actor=admin, lead_id=lead.pk, data={"amount": Decimal(amount)})
    lead_update(actor=admin, lead_id=cast.leads.nils_north.pk, data={"step": second.pk})
    lead_delete(actor=admin, lead_id=cast.leads.nils_solo.pk)
    for mine in (False, True):
        page = login(cast.admin).get("/pipeline" + ("?mine=1" if mine else ""))
        assert page.status_code == 200
        for column in page.context["columns"]:
            open_leads = Lead.objects.filter(
                account=cast.account,
                deleted_at__isnull=True,
                status__in=OPEN_STATUSES,
                step_id=column["step"].pk,
            )
            if mine:
                open_leads = open_leads.filter(owner=cast.admin)
            assert column["count"] == open_leads.count(), column["step"].name
            amounts = [lead.amount or 0 for lead in open_leads]
            assert column["amount"] == sum(amounts), column["step"].name
