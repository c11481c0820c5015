"""The compact view: what each reader sees, filters, paging, and bulk actions with undo."""

import html
import re
from collections.abc import Callable
from datetime import date
from itertools import pairwise

import pytest
from django.db.models import Count
from django.test import Client

from leadcrew.access.branches import see_branches
from leadcrew.access.policy import leads_for
from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkAction
from leadcrew.leads.models import Status
from leadcrew.leads.selectors import ordered
from leadcrew.leads.services import LeadWrite, lead_create
from leadcrew.testing.cast import Cast
from leadcrew.web import paging
from leadcrew.web.paging import keyset_page

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def titles(cast: Cast, html: str) -> set[str]:
    """Names of the cast's leads (both accounts) that appear in a page."""
    found = {name for name, lead in cast.leads.items() if f">{lead.title}<" in html}
    found |= {
        "rival." + name for name, lead in cast.rival.leads.items() if f">{lead.title}<" in html
    }
    return found


def test_a_member_sees_exactly_the_leads_the_policy_gives_them(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get("/leads")
    assert page.status_code == 200
    expected = cast.names(leads_for(cast.actor(cast.nils)))
    assert titles(cast, page.text) == expected
    assert "sam_south" not in titles(cast, page.text)


def test_an_admin_sees_every_lead_of_the_account_and_none_of_another(
    login: Login, cast: Cast
) -> None:
    found = titles(cast, login(cast.admin).get("/leads").text)
    assert found == set(cast.leads)


def test_filters(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    north = titles(cast, client.get(f"/leads?team={cast.north.pk}").text)
    assert north == {name for name in cast.leads if name.endswith("_north")}
    assert titles(cast, client.get("/leads?owner=none").text) == {
        "pool",
        "pool_north",
        "pool_south",
    }
    assert titles(cast, client.get(f"/leads?owner={cast.sid.pk}").text) == {"sid_south", "sid_solo"}
    assert titles(cast, client.get("/leads?q=nils").text) == {"nils_north", "nils_solo"}
    assert titles(cast, client.get("/leads?status=won").text) == set()


def test_an_unknown_filter_value_is_ignored_not_an_error(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get(f"/leads?owner={cast.rival.rex.pk}&team=abc&order=nope")
    assert page.status_code == 200


def test_keyset_pages_cover_every_lead_once(login: Login, cast: Cast) -> None:
    actor = cast.actor(cast.admin)
    for i in range(60):
        lead_create(actor=actor, data={"title": f"Bulk lead {i:02d}", "amount": i})
    client = login(cast.admin)
    seen: list[str] = []
    url = "/leads?q=Bulk+lead&order=amount&direction=asc"
    pages = 0
    while url:
        page = client.get(url)
        pages += 1
        seen += [t for t in page.text.split(">") if t.startswith("Bulk lead")]
        url = page.context.get("next_url", "")
    assert pages == 2
    assert [t.split("<")[0] for t in seen] == [f"Bulk lead {i:02d}" for i in range(60)]
    # And back.
    second = client.get("/leads?q=Bulk+lead&order=amount&direction=asc").context["next_url"]
    back = client.get(client.get(second).context["previous_url"])
    assert "Bulk lead 00" in back.text
    assert "Bulk lead 50" not in back.text


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_pages_by_reminder_follow_each_other_for_a_member(
    login: Login, cast: Cast, direction: str
) -> None:
    """The first page of a member's list is merged from the branches of what they see (the
    leads with a reminder, then those without), the next ones read after a cursor: together
    they are the member's leads in the list's order, each once, nulls last both ways."""
    actor = cast.actor(cast.sam)
    for i in range(60):
        data: LeadWrite = {"title": f"Call {i:02d}", "amount": i}
        if i % 3:
            data |= {"status": "standby", "remind_date": date(2031, 1, 1 + i % 7)}
        lead_create(actor=actor, data=data)
    assert see_branches(actor) is not None  # what a member sees comes in branches
    client = login(cast.sam)
    shown: list[int] = []
    url = f"/leads?order=next_action&direction={direction}"
    while url:
        page = client.get(url)
        shown += [lead.pk for lead in page.context["page"].leads]
        url = page.context.get("next_url", "")
    expected = ordered(leads_for(actor), "next_action", direction).values_list("pk", flat=True)
    assert shown == list(expected)


def test_htmx_asks_for_the_list_region_only(login: Login, cast: Cast) -> None:
    page = login(cast.admin).get(
        "/leads?status=todo", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="lead-list"
    )
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="lead-list"')
    assert "<header" not in page.text


def test_bulk_assign_selected_then_undo(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    ids = [cast.leads.nils_solo.pk, cast.leads.sid_solo.pk]
    response = client.post(
        "/leads/bulk",
        {"action": "assign", "scope": "selected", "ids": ids, "user_id": cast.ursula.pk},
    )
    assert response.status_code == 303
    bulk = BulkAction.objects.get()
    assert response["Location"] == f"/leads?bulk={bulk.pk}"
    page = client.get(response["Location"])
    assert "2 of 2 leads assigned" in page.text
    assert f'action="/bulk/{bulk.pk}/undo"' in page.text
    cast.leads.nils_solo.refresh_from_db()
    assert cast.leads.nils_solo.owner_id == cast.ursula.pk

    undone = client.post(f"/bulk/{bulk.pk}/undo")
    assert undone.status_code == 303
    page = client.get(undone["Location"])
    assert "Undone: 2 leads put back as they were" in page.text
    assert f'action="/bulk/{bulk.pk}/undo"' not in page.text
    cast.leads.nils_solo.refresh_from_db()
    assert cast.leads.nils_solo.owner_id == cast.nils.pk


def test_bulk_by_filter_places_every_matching_lead_and_says_who_was_skipped(
    login: Login, cast: Cast
) -> None:
    client = login(cast.mona)  # manages North
    response = client.post(
        "/leads/bulk",
        {"action": "place_in_team", "scope": "matching", "team_id": cast.north.pk, "q": "solo"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="lead-list",
    )
    assert response.status_code == 200
    location = response["HX-Location"]
    assert '"target": "#lead-list"' in location
    bulk = BulkAction.objects.get()
    assert bulk.matched == 1  # mona_solo: the only "solo" lead she sees
    assert bulk.changed == 1


def test_bulk_reports_skipped_leads_and_why(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    ids = [cast.leads.pool.pk, cast.leads.nils_solo.pk]
    response = client.post(
        "/leads/bulk",
        {"action": "move_to_step", "scope": "selected", "ids": ids, "new_step": _step(cast, 1)},
    )
    page = client.get(response["Location"])
    assert "1 of 2 leads moved to the step" in page.text
    assert "1 lead: they are unassigned" in page.text


def _step(cast: Cast, position: int) -> int:
    from leadcrew.leads.models import Step

    return Step.objects.get(account=cast.account, pipeline__is_default=True, position=position).pk


def test_bulk_errors_keep_the_selection_and_name_the_field(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    ids = [cast.leads.nils_solo.pk]
    page = client.post(
        "/leads/bulk",
        {"action": "set_status", "scope": "selected", "ids": ids, "new_status": Status.STANDBY},
    )
    assert page.status_code == 200
    assert "Standby needs a reminder date." in page.text
    assert f'value="{ids[0]}" data-lead-checkbox checked' in page.text
    nothing = client.post("/leads/bulk", {"action": "star", "scope": "selected"})
    assert "Select at least one lead" in nothing.text
    assert not BulkAction.objects.exists()


def test_bulk_never_touches_a_lead_the_user_cannot_see(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    hidden = [cast.leads.sam_south.pk, cast.rival.leads.rob_solo.pk]
    response = client.post("/leads/bulk", {"action": "star", "scope": "selected", "ids": hidden})
    page = client.get(response["Location"])
    assert "0 of 0 leads starred" in page.text
    cast.leads.sam_south.refresh_from_db()
    assert not cast.leads.sam_south.starred


def test_the_bulk_bar_offers_only_what_the_user_may_do(login: Login, cast: Cast) -> None:
    cast.configure(
        assignment="admins_only", only_admins_delete_leads=True, only_admins_export_leads=True
    )
    page = login(cast.nils).get("/leads")
    form = page.context["bulk_form"]
    actions = [value for value, _ in form.fields["action"].choices]
    assert "assign" not in actions
    assert "delete" not in actions
    assert "place_in_team" in actions  # his own leads, to North
    teams = [value for value, _ in form.fields["team_id"].choices]
    assert str(cast.north.pk) in teams
    assert str(cast.south.pk) not in teams
    assert "Export as CSV" not in page.text

    admin = login(cast.admin).get("/leads").context["bulk_form"]
    assert {"assign", "delete"} <= {value for value, _ in admin.fields["action"].choices}


def picked(client: Client, picker: str, typed: str = "") -> list[str]:
    """The options a person picker's list gets for what is typed."""
    field = {"owner": "owner", "assign": "user_id"}[picker]
    page = client.get("/people/options", {"for": picker, field: typed})
    assert page.status_code == 200
    return re.findall(r'<option value="([^"]*)"></option>', html.unescape(page.text))


def test_bulk_assign_offers_a_manager_their_teams_members(login: Login, cast: Cast) -> None:
    cast.configure(assignment="admins_only")
    client = login(cast.sam)
    assert "assign" in [
        value for value, _ in client.get("/leads").context["bulk_form"].fields["action"].choices
    ]
    offered = picked(client, "assign")
    people = {f"{u.full_name or u.email} ({u.email})" for u in (cast.sam, cast.sid, cast.paula)}
    assert set(offered) == {"Nobody (unassign)", *people}
    assert picked(client, "assign", cast.sid.email) == [
        "Nobody (unassign)",
        f"{cast.sid.full_name} ({cast.sid.email})",
    ]


def test_the_owner_picker_finds_people_by_any_word_of_their_name_or_e_mail(
    login: Login, cast: Cast
) -> None:
    client = login(cast.nils)
    sid = f"{cast.sid.full_name} ({cast.sid.email})"
    assert picked(client, "owner", cast.sid.full_name.upper()) == ["Me", "Unassigned only", sid]
    assert picked(client, "owner", sid) == ["Me", "Unassigned only", sid]  # once picked
    assert picked(client, "owner", "nobody-is-called-so") == ["Me", "Unassigned only"]
    rival = f"{cast.rival.rex.full_name or cast.rival.rex.email}"
    assert not [option for option in picked(client, "owner") if rival in option]
    assert client.get("/people/options", {"for": "everyone"}).status_code == 404


def test_the_owner_filter_reads_a_name_an_e_mail_an_id_or_its_own_words(
    login: Login, cast: Cast
) -> None:
    client = login(cast.admin)
    sid = {"sid_south", "sid_solo"}
    for typed in (f"{cast.sid.full_name} ({cast.sid.email})", cast.sid.email, cast.sid.pk):
        page = client.get("/leads", {"owner": typed})
        assert titles(cast, page.text) == sid, typed
        assert f'value="{cast.sid.full_name} ({cast.sid.email})"' in html.unescape(page.text)
    pool = {"pool", "pool_north", "pool_south"}
    assert titles(cast, client.get("/leads", {"owner": "Unassigned only"}).text) == pool
    page = client.get("/leads", {"owner": "none"})
    assert titles(cast, page.text) == pool
    assert 'value="Unassigned only"' in page.text


def test_words_only_one_person_holds_name_them(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    page = client.get("/leads", {"owner": cast.sid.email.split("@")[0]})
    assert titles(cast, page.text) == {"sid_south", "sid_solo"}
    for n in (1, 2):
        User.objects.create(account=cast.admin.account, email=f"jo{n}@acme.test", first_name="Jo")
    crowd = client.get("/leads", {"owner": "Jo"})
    assert "Several people match “Jo”: pick one from the list." in html.unescape(crowd.text)


def test_an_owner_nobody_is_called_is_said_and_not_applied(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    page = client.get("/leads", {"owner": "Zed Nobody"})
    assert page.status_code == 200
    assert "No one in this account is called “Zed Nobody”." in page.text
    assert "The owner filter is not applied." in page.text
    other_account = client.get("/leads", {"owner": cast.rival.rex.email})
    assert "No one in this account is called" in other_account.text


def test_bulk_assign_to_a_person_typed_by_name(login: Login, cast: Cast) -> None:
    ids = [cast.leads.pool.pk]
    page = login(cast.admin).post(
        "/leads/bulk",
        {
            "action": "assign",
            "scope": "selected",
            "ids": ids,
            "user_id": f"{cast.ursula.full_name} ({cast.ursula.email})",
        },
    )
    assert page.status_code == 303  # to the list, showing the bulk action's result
    cast.leads.pool.refresh_from_db()
    assert cast.leads.pool.owner_id == cast.ursula.pk


def test_export_csv_of_the_selection(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    response = client.post(
        "/leads/export",
        {"scope": "selected", "ids": [cast.leads.nils_solo.pk, cast.leads.sam_south.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert cast.leads.nils_solo.title in body
    assert cast.leads.sam_south.title not in body


def test_export_refused_by_the_toggle(login: Login, cast: Cast) -> None:
    cast.configure(only_admins_export_leads=True)
    page = login(cast.nils).post("/leads/export", {"scope": "matching"})
    assert page.status_code == 200
    assert "Only admins may export in this account." in page.text


def test_someone_elses_bulk_action_is_not_shown_nor_undone(login: Login, cast: Cast) -> None:
    admin = login(cast.admin)
    admin.post(
        "/leads/bulk", {"action": "star", "scope": "selected", "ids": [cast.leads.nils_solo.pk]}
    )
    bulk = BulkAction.objects.get()
    nils = login(cast.nils)
    assert "leads starred" not in nils.get(f"/leads?bulk={bulk.pk}").text
    assert nils.post(f"/bulk/{bulk.pk}/undo").status_code == 404


def test_a_forged_bulk_choice_is_refused_lead_by_lead(login: Login, cast: Cast) -> None:
    # South is not offered to Nils (he is not a member); posted anyway, nothing moves.
    client = login(cast.nils)
    response = client.post(
        "/leads/bulk",
        {
            "action": "place_in_team",
            "scope": "selected",
            "ids": [cast.leads.nils_solo.pk],
            "team_id": cast.south.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["bulk_form"].errors["team_id"]
    assert not BulkAction.objects.exists()


@pytest.mark.parametrize("order", ["next_action", "amount", "alphabetically", "last_update"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_paging_back_retraces_the_pages_forward(cast: Cast, order: str, direction: str) -> None:
    """Half the leads have no next action (nulls come last both ways), amounts repeat (ties are
    broken by id): "previous" from each page gives back exactly the page before it."""
    actor = cast.actor(cast.admin)
    for i in range(23):
        data: LeadWrite = {"title": f"Paged {i % 7}", "amount": i % 4}
        if i % 2:
            data |= {"status": "standby", "remind_date": date(2031, 1, 1 + i % 5)}
        lead_create(actor=actor, data=data)
    leads = leads_for(actor).filter(title__startswith="Paged")
    forward = [keyset_page(leads, order, direction, size=5)]
    while forward[-1].next_cursor is not None:
        forward.append(keyset_page(leads, order, direction, after=forward[-1].next_cursor, size=5))
    assert sum(len(page.leads) for page in forward) == 23
    for earlier, later in pairwise(forward):
        back = keyset_page(leads, order, direction, before=later.previous_cursor, size=5)
        assert [lead.pk for lead in back.leads] == [lead.pk for lead in earlier.leads]


def test_the_first_page_reads_a_fixed_number_of_queries_whatever_its_leads(
    login: Login, cast: Cast
) -> None:
    """Its leads are read with only the columns the list shows: a column it shows but does not
    read would cost a query per lead."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.sam)
    client.get("/leads")
    with CaptureQueriesContext(connection) as few:
        client.get("/leads")
    actor = cast.actor(cast.sam)
    for i in range(20):
        lead_create(
            actor=actor,
            data={"title": f"More {i}", "tags": ["t"], "amount": i, "team_id": cast.south.pk},
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/leads")
    assert "More 19" in page.text and "Sam" in page.text
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("by_step", [False, True])
def test_a_long_list_is_counted_up_to_the_cap(
    login: Login, cast: Cast, monkeypatch: pytest.MonkeyPatch, by_step: bool
) -> None:
    """Past the cap the list says "N+" rather than counting every lead. Unfiltered, the total
    is read from the place tally; filtered by step, the branches of the visibility rule are
    counted together, up to one more than the cap."""
    actor = cast.actor(cast.mona)
    assert see_branches(actor) is not None  # the per-branch path
    leads = leads_for(actor)  # the web list has the pool
    query: dict[str, str] = {}
    if by_step:
        per_step = leads.order_by().values_list("step_id").annotate(n=Count("pk"))
        step_id = max(per_step, key=lambda row: row[1])[0]
        leads, query = leads.filter(step_id=step_id), {"step": str(step_id)}
    client = login(cast.mona)
    exact = client.get("/leads", query).context["count"]
    assert exact == leads.count() > 2
    for cap, shown in ((exact, (exact, False)), (exact - 1, (exact - 1, True)), (1, (1, True))):
        monkeypatch.setattr(paging, "COUNT_CAP", cap)
        page = client.get("/leads", query).context
        assert (page["count"], page["capped"]) == shown, cap
