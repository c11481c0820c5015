"""The lead page: who sees it, who may change what, forms that keep their input."""

import html
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from leadcrew.access.actor import actor_for_user
from leadcrew.access.kinds import LeadKind
from leadcrew.accounts.models import User
from leadcrew.leads.models import Comment, Lead, Status, Step
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast
from leadcrew.web.choices import Directory
from leadcrew.web.forms import person_option
from leadcrew.web.views import lead as lead_views

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _form(cast: Cast, **changes: object) -> dict[str, object]:
    step = Step.objects.filter(account=cast.account, pipeline__is_default=True).order_by("position")
    data: dict[str, object] = {
        "title": "Renamed",
        "description": "Call back",
        "amount": "1200.50",
        "currency": "EUR",
        "probability": "40",
        "status": Status.TODO,
        "step": step[1].pk,
        "tags": "hot, inbound",
        "created_at": "2026-01-05T09:00",
    }
    data.update(changes)
    return data


def test_the_owner_sees_and_edits_their_lead(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_north
    client = login(cast.nils)
    page = client.get(f"/leads/{lead.pk}")
    assert page.status_code == 200
    assert page.context["may_edit"]
    assert "you own it" in page.text
    response = client.post(f"/leads/{lead.pk}", _form(cast))
    assert response.status_code == 303
    lead.refresh_from_db()
    assert (lead.title, str(lead.amount), lead.probability) == ("Renamed", "1200.50", 40)
    assert sorted(lead.tag_rows.values_list("name", flat=True)) == ["hot", "inbound"]
    page = client.get(f"/leads/{lead.pk}")
    assert "Changes saved." in page.text
    assert "Step changed" in page.text and "Amount changed" in page.text


def test_a_lead_the_user_may_not_see_is_not_found(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    for lead in (cast.leads.sam_south, cast.leads.nora_north, cast.rival.leads.rob_solo):
        for url in (f"/leads/{lead.pk}", f"/leads/{lead.pk}/access"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert lead.title not in response.text
        assert client.post(f"/leads/{lead.pk}", _form(cast)).status_code == 404
        assert client.post(f"/leads/{lead.pk}/comments", {"content": "hi"}).status_code == 404
    assert client.get("/leads/999999999").status_code == 404


def test_under_team_shared_a_teammates_lead_is_read_only_with_the_reason(
    login: Login, cast: Cast
) -> None:
    cast.configure(team_privacy="team_shared")
    lead = cast.leads.nora_north
    client = login(cast.nils)
    page = client.get(f"/leads/{lead.pk}")
    assert page.status_code == 200
    assert not page.context["may_edit"]
    assert (
        "You can see this lead because you are in its team, and the team&#x27;s leads are shared "
        "between members; only its owner, the team&#x27;s managers and admins can change it."
    ) in page.text
    assert "Save changes" not in page.text
    assert page.context["form"].fields["title"].disabled
    refused = client.post(f"/leads/{lead.pk}", _form(cast))
    assert refused.status_code == 403
    assert "You may see this lead but not change it." in refused.text
    lead.refresh_from_db()
    assert lead.title != "Renamed"


def test_errors_keep_the_input_and_show_in_place(login: Login, cast: Cast) -> None:
    """The rules are the services' (the API answers the same): the page shows their refusal
    on the field it names, with what was typed."""
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    page = client.post(f"/leads/{lead.pk}", _form(cast, title="Kept", status=Status.STANDBY))
    assert page.status_code == 200
    assert 'value="Kept"' in page.text
    assert page.context["form"].errors["remind_date"] == ["Standby needs a reminder date."]
    page = client.post(
        f"/leads/{lead.pk}", _form(cast, remind_date="2031-01-01", remind_time="09:10")
    )
    errors = page.context["form"].errors
    assert errors["remind_time"] == ["Reminders fall on 15-minute steps (like 09:15)."]
    lead.refresh_from_db()
    assert lead.title != "Kept"


def test_a_currency_is_stored_in_capitals_from_the_page_and_the_api(
    login: Login, cast: Cast
) -> None:
    lead = cast.leads.nils_solo
    assert (
        login(cast.nils).post(f"/leads/{lead.pk}", _form(cast, currency="gbp")).status_code == 303
    )
    lead.refresh_from_db()
    assert lead.currency == "GBP"
    lead_update(actor=cast.actor(cast.nils), lead_id=lead.pk, data={"currency": "usd"})
    lead.refresh_from_db()
    assert lead.currency == "USD"


def _opened(client: Client, lead_id: int) -> dict[str, str]:
    """What the lead's form carries besides its inputs: the version it was opened at and the
    value each field had then."""
    page = client.get(f"/leads/{lead_id}")
    hidden = re.findall(
        r'<input type="hidden" name="((?:opened-)?[a-z_]+)" value="([^"]*)"', page.text
    )
    return {name: html.unescape(value) for name, value in hidden if name != "csrfmiddlewaretoken"}


def test_a_lead_changed_since_the_form_opened_is_not_overwritten(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    opened = _opened(client, lead.pk)
    assert "version" in opened and "opened-amount" in opened
    lead_update(actor=cast.actor(cast.admin), lead_id=lead.pk, data={"amount": Decimal(777)})

    page = client.post(f"/leads/{lead.pk}", {**opened, **_form(cast, title="Mine")})
    assert page.status_code == 409
    assert "Someone changed this lead since you opened it (Amount)" in page.text
    assert 'value="Mine"' in page.text  # what they typed is kept
    lead.refresh_from_db()
    assert (lead.title, lead.amount) != ("Mine", Decimal("1200.50"))
    assert lead.amount == Decimal(777)

    again = _opened(client, lead.pk) | {"version": page.context["lead_version"]}
    assert client.post(f"/leads/{lead.pk}", {**again, **_form(cast)}).status_code == 303


def test_a_change_the_form_does_not_show_is_no_conflict(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_north
    client = login(cast.nils)
    opened = _opened(client, lead.pk)
    lead_update(actor=cast.actor(cast.admin), lead_id=lead.pk, data={"team_id": None})
    assert client.post(f"/leads/{lead.pk}", {**opened, **_form(cast)}).status_code == 303
    lead.refresh_from_db()
    assert (lead.title, lead.team_id) == ("Renamed", None)


def test_a_domain_refusal_shows_on_the_form(login: Login, cast: Cast) -> None:
    lead = cast.leads.pool
    client = login(cast.admin)
    page = client.post(f"/leads/{lead.pk}", _form(cast))  # a new step for an unassigned lead
    assert page.status_code == 200
    assert "An unassigned lead cannot change step: assign it first." in page.text
    bad_currency = client.post(f"/leads/{cast.leads.ada_solo.pk}", _form(cast, currency="E1"))
    assert bad_currency.context["form"].errors["currency"] == ["A three-letter code, like EUR."]


def test_owner_choices_are_only_the_allowed_ones(login: Login, cast: Cast) -> None:
    # Mona manages North: she may give its leads to North's active members only.
    lead = cast.leads.nils_north
    client = login(cast.mona)
    page = client.get(f"/leads/{lead.pk}")
    offered = {v for v, _ in page.context["owner_form"].fields["user_id"].choices}
    north = {cast.mona, cast.paula, cast.nils, cast.nora}
    assert offered == {str(u.pk) for u in north} | {"none"}
    refused = client.post(f"/leads/{lead.pk}/owner", {"user_id": cast.sid.pk})
    assert refused.status_code == 303
    lead.refresh_from_db()
    assert lead.owner_id == cast.nils.pk
    client.post(f"/leads/{lead.pk}/owner", {"user_id": cast.nora.pk})
    lead.refresh_from_db()
    assert lead.owner_id == cast.nora.pk


def test_in_an_account_of_many_people_the_new_owner_is_typed(
    login: Login, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past OWNER_MENU_MAX active people, the page lists none of them: the new owner is typed,
    the people the lead may go to are offered as one types, "Nobody" among them when the lead
    may go back to the pool, and a person or "Nobody" typed is taken."""
    monkeypatch.setattr(lead_views, "OWNER_MENU_MAX", 3)
    lead = cast.leads.nils_north
    client = login(cast.mona)
    page = client.get(f"/leads/{lead.pk}")
    form = page.context["owner_form"]
    assert form.is_picker
    assert 'list="owner-people"' in page.text and '<select name="user_id"' not in page.text
    assert form["user_id"].value() == person_option(cast.nils)
    offered = client.get("/people/options", {"for": "lead", "lead": str(lead.pk), "user_id": ""})
    north = {cast.mona, cast.paula, cast.nils, cast.nora}
    assert set(re.findall(r'<option value="([^"]*)">', html.unescape(offered.text))) == {
        "Nobody (back to the unassigned pool)",
        *(person_option(user) for user in north),
    }
    client.post(f"/leads/{lead.pk}/owner", {"user_id": person_option(cast.nora)})
    lead.refresh_from_db()
    assert lead.owner_id == cast.nora.pk
    client.post(f"/leads/{lead.pk}/owner", {"user_id": "nobody (back to the unassigned pool)"})
    lead.refresh_from_db()
    assert lead.owner_id is None
    # Who may give a lead to no one has no form, as with a menu.
    client.post(f"/leads/{lead.pk}/owner", {"user_id": cast.nils.pk})
    nils_page = login(cast.nils).get(f"/leads/{cast.leads.nils_north.pk}")
    assert nils_page.context["owner_form"] is None


def test_a_member_may_not_reassign_a_team_lead(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get(f"/leads/{cast.leads.nils_north.pk}")
    assert page.context["owner_form"] is None
    assert "You may not change who owns this lead." in page.text


def test_team_choices_follow_the_place_rule(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    offered = {
        v for v, _ in client.get(f"/leads/{lead.pk}").context["team_form"].fields["team_id"].choices
    }
    assert offered == {"", str(cast.north.pk)}  # "Choose a team…": it is in none yet
    client.post(f"/leads/{lead.pk}/team", {"team_id": cast.north.pk})
    lead.refresh_from_db()
    assert lead.team_id == cast.north.pk


def test_comments(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    empty = client.post(f"/leads/{lead.pk}/comments", {"content": "  "})
    assert empty.status_code == 200
    assert "This field is required." in empty.text
    response = client.post(
        f"/leads/{lead.pk}/comments",
        {"content": "Called <b>them</b>"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="comments",
    )
    assert response.status_code == 200
    assert "HX-Location" in response
    region = client.get(f"/leads/{lead.pk}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="comments")
    assert region.text.lstrip().startswith('<section id="comments"')
    assert "Called &lt;b&gt;them&lt;/b&gt;" in region.text
    assert Comment.objects.filter(lead=lead).count() == 1


def test_who_can_see_this_lead(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_north
    assert login(cast.nils).get(f"/leads/{lead.pk}/access").status_code == 200
    page = login(cast.admin).get(f"/leads/{lead.pk}/access")
    users = {row["user"] for row in page.context["rows"]}
    assert users == {cast.admin, cast.nils, cast.mona, cast.paula}
    assert "team manager" in page.text


@pytest.mark.parametrize(
    "settings",
    [
        {"assignment": "everyone", "team_assignment": "managers"},
        {"assignment": "admins_only", "team_assignment": "managers"},
        {"assignment": "admins_only", "team_assignment": "users"},
    ],
)
def test_a_new_lead_is_offered_to_whoever_some_place_allows(
    login: Login, cast: Cast, settings: dict[str, str]
) -> None:
    """The owners offered: the creator, and everyone the rules let them give a lead outside
    teams or in any team they may put it in."""
    cast.configure(teams=True, **settings)
    for user in (cast.admin, cast.mona, cast.nils):
        directory = Directory(actor_for_user(User.objects.get(pk=user.pk)))
        places = [LeadKind(None, None)]
        places += [LeadKind(None, team.pk) for team in directory.teams_for(LeadKind(user.pk, None))]
        expected = {user.pk} | {
            person.pk for place in places for person in directory.owners_for(place)
        }
        page = login(user).get("/leads/new")
        offered = {int(v) for v, _ in page.context["form"].fields["user_id"].choices if v}
        assert offered == expected, user.email


def test_create_a_lead(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    page = client.get("/leads/new")
    assert page.status_code == 200
    owners = {v for v, _ in page.context["form"].fields["user_id"].choices}
    assert str(cast.nils.pk) in owners
    assert str(cast.sid.pk) in owners  # a lead outside teams goes to anyone (assignment=everyone)
    assert {v for v, _ in page.context["form"].fields["team_id"].choices} == {
        "",
        str(cast.north.pk),
    }
    data = _form(cast, title="Globex pilot", user_id=cast.nils.pk, team_id=cast.north.pk)
    del data["created_at"]
    response = client.post("/leads/new", data)
    assert response.status_code == 303
    lead_id = int(response["Location"].rsplit("/", 1)[1])
    page = client.get(f"/leads/{lead_id}")
    assert "Globex pilot" in page.text


def test_create_keeps_the_input_on_error(login: Login, cast: Cast) -> None:
    page = login(cast.nils).post(
        "/leads/new", {"title": "", "description": "Keep me", "amount": "-1"}
    )
    assert page.status_code == 200
    assert "Keep me" in page.text
    assert page.context["form"].errors["title"]
    assert page.context["form"].errors["amount"]


def test_delete_sends_to_the_bin(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    response = client.post(f"/leads/{lead.pk}/delete")
    assert response.status_code == 303
    assert client.get(f"/leads/{lead.pk}").status_code == 404
    cast.configure(only_admins_delete_leads=True)
    other = cast.leads.nils_north
    assert not client.get(f"/leads/{other.pk}").context["may_delete"]
    client.post(f"/leads/{other.pk}/delete")
    assert client.get(f"/leads/{other.pk}").status_code == 200


def test_saving_without_touching_the_dates_keeps_them_to_the_second(
    login: Login, cast: Cast
) -> None:
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    form = client.get(f"/leads/{lead.pk}").context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["created_at"] = form["created_at"].value().strftime("%Y-%m-%dT%H:%M")
    data["title"] = "Only the title changes"
    before = lead.created_at
    assert client.post(f"/leads/{lead.pk}", data).status_code == 303
    lead.refresh_from_db()
    assert lead.title == "Only the title changes"
    assert lead.created_at == before


def test_in_an_account_of_many_people_a_new_lead_s_owner_is_typed(
    login: Login, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past OWNER_MENU_MAX active people, the new lead form lists none of them: the owner is
    typed, the people offered as one types are those the lead may go to in the team chosen,
    and whom the rules refuse is refused on the owner field."""
    monkeypatch.setattr(lead_views, "OWNER_MENU_MAX", 3)
    cast.configure(teams=True, assignment="admins_only", team_assignment="managers")
    client = login(cast.mona)
    page = client.get("/leads/new")
    form = page.context["form"]
    assert form.owner_is_typed
    assert 'list="new-owner-people"' in page.text and '<select name="user_id"' not in page.text
    assert form["user_id"].value() == person_option(cast.mona)

    def offered(team_id: str) -> set[str]:
        answer = client.get("/people/options", {"for": "new", "user_id": "", "team_id": team_id})
        return set(re.findall(r'<option value="([^"]*)">', html.unescape(answer.text)))

    north = {cast.mona, cast.paula, cast.nils, cast.nora}
    assert offered(str(cast.north.pk)) == {person_option(user) for user in north}
    assert offered("") == {person_option(cast.mona)}  # outside teams, only admins give leads
    assert offered(str(cast.south.pk)) == {person_option(cast.mona)}  # not a team of hers

    data = _form(cast, title="Typed owner", user_id=person_option(cast.nora), team_id="")
    del data["created_at"]
    refused = client.post("/leads/new", data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["user_id"] == ["You may not give this lead to that user."]
    unknown = client.post("/leads/new", {**data, "user_id": "Nobody Known"})
    assert "No one in this account is called" in unknown.context["form"].errors["user_id"][0]
    created = client.post("/leads/new", {**data, "team_id": cast.north.pk})
    assert created.status_code == 303
    lead = Lead.objects.get(title="Typed owner")
    assert (lead.owner_id, lead.team_id) == (cast.nora.pk, cast.north.pk)
