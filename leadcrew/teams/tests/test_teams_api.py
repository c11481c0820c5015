"""/teams: reading, admin writes, memberships, deletion, and the teams layer switch."""

from typing import Any

import pytest

from leadcrew.accounts.models import Account, Edition, User
from leadcrew.leads.models import HistoryAction, LeadHistory
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.api_world import Api, World, as_user, error_type, make_world

pytestmark = pytest.mark.django_db

TEAM_KEYS = {"id", "name", "round_robin", "created_at", "updated_at", "users"}


def member_view(user: User, is_manager: bool) -> dict[str, Any]:
    return {
        "id": user.pk,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "email": user.email,
        "is_manager": is_manager,
    }


def every_team_call(api: Api, team_id: int, user_id: int) -> list[Any]:
    return [
        api.get("/teams"),
        api.get(f"/teams/{team_id}"),
        api.post("/teams", {"name": "New"}),
        api.put(f"/teams/{team_id}", {"name": "Renamed"}),
        api.post(f"/teams/{team_id}/add_member", {"user_id": user_id}),
        api.delete(f"/teams/{team_id}/remove_member", {"user_id": user_id}),
        api.put(f"/teams/{team_id}/settings", {"round_robin": True}),
        api.delete(f"/teams/{team_id}"),
    ]


# --- The teams layer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edition, teams_enabled", [(Edition.ESSENTIALS, False), (Edition.DREAM_TEAM, False)]
)
def test_every_team_endpoint_is_forbidden_while_the_layer_is_off(
    db: None, edition: str, teams_enabled: bool
) -> None:
    world = make_world("Solo", "admin@solo.test", edition=edition, teams_enabled=teams_enabled)
    ann = world.user("ann@solo.test")
    team = world.team("Sales", members=(ann,))
    for api in (world.key, as_user(world.admin), as_user(ann)):
        for response in every_team_call(api, team.pk, ann.pk):
            assert response.status_code == 403, response.json()
            assert error_type(response) == "forbidden_action"
    team.refresh_from_db()
    assert (team.name, team.round_robin) == ("Sales", False)
    assert Membership.objects.filter(team=team, user=ann).exists()
    assert Team.objects.filter(account=world.account).count() == 1


# --- Reading -----------------------------------------------------------------------------------


def test_list_is_a_bare_array_of_the_accounts_teams(acme: World, rival: World) -> None:
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee")
    bob = acme.user("bob@acme.test", first_name="Bob")
    sales = acme.team("Sales", members=(bob,), managers=(ann,))
    support = acme.team("Support")
    rival.team("Theirs")
    for api in (acme.key, as_user(bob)):  # plain users may list teams too
        response = api.get("/teams")
        assert response.status_code == 200
        assert response["X-TOTAL-COUNT"] == "2"
        body = response.json()
        assert [team["id"] for team in body] == [sales.pk, support.pk]
        assert all(set(team) == TEAM_KEYS for team in body)
        assert body[0]["users"] == [member_view(ann, True), member_view(bob, False)]
        assert body[1]["users"] == []
    page = acme.key.get("/teams", limit=1, offset=1)
    assert [team["id"] for team in page.json()] == [support.pk]
    assert page["X-TOTAL-COUNT"] == "2"


def test_one_team(acme: World, rival: World) -> None:
    sales = acme.team("Sales")
    theirs = rival.team("Theirs")
    body = acme.key.get(f"/teams/{sales.pk}").json()
    assert (body["id"], body["name"], body["round_robin"]) == (sales.pk, "Sales", False)
    assert body["created_at"].endswith("Z")
    for path in (f"/teams/{theirs.pk}", "/teams/999999"):
        response = acme.key.get(path)
        assert response.status_code == 404
        assert error_type(response) == "record_not_found"


# --- Creating and renaming ---------------------------------------------------------------------


def test_admins_create_teams(acme: World) -> None:
    response = as_user(acme.admin).post("/teams", {"name": " Sales ", "extra": 1})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == TEAM_KEYS
    assert (body["name"], body["users"]) == ("Sales", [])
    assert Team.objects.get(pk=body["id"]).account_id == acme.account.pk


def test_duplicate_team_names_are_409_with_the_existing_id(acme: World, rival: World) -> None:
    sales = acme.team("Sales")
    response = acme.key.post("/teams", {"name": "sales"})
    assert response.status_code == 409
    assert error_type(response) == "already_exist"
    assert response.json()["id"] == sales.pk
    # Names are unique per account only.
    assert rival.key.post("/teams", {"name": "Sales"}).status_code == 201
    assert Team.objects.filter(account=acme.account).count() == 1


@pytest.mark.parametrize(
    "body, kind",
    [
        ({}, "missing_parameter"),
        ({"name": "  "}, "invalid_parameter"),
        ({"name": "x" * 101}, "invalid_parameter"),
    ],
)
def test_team_name_validation(acme: World, body: dict[str, Any], kind: str) -> None:
    response = acme.key.post("/teams", body)
    assert response.status_code == 422
    assert error_type(response) == kind
    assert response.json()["field"] == "name"
    assert not Team.objects.filter(account=acme.account).exists()


def test_rename(acme: World) -> None:
    sales = acme.team("Sales")
    support = acme.team("Support")
    response = acme.key.put(f"/teams/{sales.pk}", {"name": "Field sales"})
    assert response.status_code == 200
    assert response.json()["name"] == "Field sales"
    # Its own name in another case is fine; another team's name is not.
    assert acme.key.put(f"/teams/{sales.pk}", {"name": "FIELD SALES"}).status_code == 200
    response = acme.key.put(f"/teams/{sales.pk}", {"name": "support"})
    assert response.status_code == 409
    assert response.json()["id"] == support.pk
    assert Team.objects.get(pk=sales.pk).name == "FIELD SALES"


def test_plain_users_and_managers_cannot_write_teams(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test")
    sales = acme.team("Sales", managers=(ann,))
    for response in every_team_call(as_user(ann), sales.pk, bob.pk)[2:]:
        assert response.status_code == 401, response.json()
        assert error_type(response) == "unauthorized_non_admin"
    sales.refresh_from_db()
    assert (sales.name, sales.round_robin) == ("Sales", False)
    assert list(Membership.objects.filter(team=sales).values_list("user_id", "is_manager")) == [
        (ann.pk, True)
    ]
    assert list(Team.objects.filter(account=acme.account)) == [sales]


def test_another_accounts_team_is_not_found_for_writes(acme: World, rival: World) -> None:
    ron = rival.user("ron@rival.test")
    theirs = rival.team("Theirs", members=(ron,))
    for response in every_team_call(acme.key, theirs.pk, ron.pk)[3:]:
        assert response.status_code == 404, response.json()
        assert error_type(response) == "record_not_found"
    theirs.refresh_from_db()
    assert (theirs.name, theirs.round_robin) == ("Theirs", False)
    assert Membership.objects.filter(team=theirs, user=ron).exists()


# --- Members -----------------------------------------------------------------------------------


def test_add_members_by_id_or_email_and_change_the_manager_flag(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test")
    sales = acme.team("Sales")
    path = f"/teams/{sales.pk}/add_member"
    response = acme.key.post(path, {"user_id": ann.pk})
    assert response.status_code == 200
    assert response.json()["users"] == [member_view(ann, False)]
    body = acme.key.post(path, {"user_id": "BOB@acme.test", "is_manager": True}).json()
    assert {(u["id"], u["is_manager"]) for u in body["users"]} == {(ann.pk, False), (bob.pk, True)}
    # Adding again changes the flag; without the flag it stays as it was.
    acme.key.post(path, {"user_id": ann.pk, "is_manager": True})
    acme.key.post(path, {"user_id": str(bob.pk)})
    assert set(Membership.objects.filter(team=sales).values_list("user_id", "is_manager")) == {
        (ann.pk, True),
        (bob.pk, True),
    }
    acme.key.post(path, {"user_id": bob.pk, "is_manager": False})
    assert not Membership.objects.get(team=sales, user=bob).is_manager
    assert Membership.objects.filter(team=sales).count() == 2


def test_add_member_refuses_unknown_users_and_other_accounts_users(
    acme: World, rival: World
) -> None:
    sales = acme.team("Sales")
    for ref in (rival.admin.pk, rival.admin.email, 999_999, "ghost@acme.test", 2**70, ""):
        response = acme.key.post(f"/teams/{sales.pk}/add_member", {"user_id": ref})
        assert response.status_code == 422, ref
        assert error_type(response) == "invalid_parameter"
        assert response.json()["field"] == "user_id"
    response = acme.key.post(f"/teams/{sales.pk}/add_member", {"is_manager": True})
    assert error_type(response) == "missing_parameter"
    assert not Membership.objects.filter(team=sales).exists()


def test_remove_member_keeps_their_leads_in_the_team(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test")
    sales = acme.team("Sales", members=(ann, bob))
    lead = acme.lead("Big deal", owner=ann, team=sales)
    response = acme.key.delete(f"/teams/{sales.pk}/remove_member", {"user_id": ann.email})
    assert response.status_code == 200
    assert response.json()["users"] == [member_view(bob, False)]
    lead.refresh_from_db()
    assert (lead.team_id, lead.owner_id) == (sales.pk, ann.pk)
    assert User.objects.filter(pk=ann.pk).exists()
    # Not a member any more: an invalid parameter, and nothing else changes.
    response = acme.key.delete(f"/teams/{sales.pk}/remove_member", {"user_id": ann.pk})
    assert response.status_code == 422
    assert response.json()["field"] == "user_id"
    assert Membership.objects.filter(team=sales, user=bob).exists()


def test_remove_member_accepts_query_parameters(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    sales = acme.team("Sales", members=(ann,))
    response = acme.key.client.delete(f"/api/v2/teams/{sales.pk}/remove_member?user_id={ann.pk}")
    assert response.status_code == 200
    assert response.json()["users"] == []


def test_memberships_show_on_the_user(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    sales = acme.team("Sales")
    acme.key.post(f"/teams/{sales.pk}/add_member", {"user_id": ann.pk, "is_manager": True})
    assert acme.key.get(f"/users/{ann.pk}").json()["teams"] == [
        {"id": sales.pk, "name": "Sales", "is_manager": True}
    ]


# --- Settings ----------------------------------------------------------------------------------


def test_round_robin_setting(acme: World) -> None:
    sales = acme.team("Sales")
    response = acme.key.put(f"/teams/{sales.pk}/settings", {"round_robin": True})
    assert response.status_code == 200
    assert response.json()["round_robin"] is True
    assert Team.objects.get(pk=sales.pk).round_robin
    assert (
        acme.key.put(f"/teams/{sales.pk}/settings", {"round_robin": False}).json()["round_robin"]
        is False
    )
    assert acme.key.put(f"/teams/{sales.pk}/settings", {"round_robin": "x"}).status_code == 400


# --- Deleting ----------------------------------------------------------------------------------


def test_deleting_a_team_keeps_its_leads_and_users_and_logs_each_lead(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test")
    sales = acme.team("Sales", members=(ann,), managers=(bob,))
    support = acme.team("Support", members=(ann,))
    in_sales = [acme.lead(f"Deal {n}", owner=ann, team=sales) for n in range(3)]
    unassigned = acme.lead("Pool", team=sales)
    elsewhere = acme.lead("Support case", owner=ann, team=support)
    untouched = acme.lead("No team", owner=bob)

    response = as_user(acme.admin).delete(f"/teams/{sales.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"id": sales.pk}

    assert not Team.objects.filter(pk=sales.pk).exists()
    assert not Membership.objects.filter(team_id=sales.pk).exists()
    assert User.objects.filter(pk__in=[ann.pk, bob.pk]).count() == 2
    for lead in [*in_sales, unassigned]:
        owner = lead.owner_id
        lead.refresh_from_db()
        assert lead.deleted_at is None
        assert (lead.team_id, lead.owner_id) == (None, owner)
        history = LeadHistory.objects.filter(lead=lead, action=HistoryAction.TEAM)
        assert list(history.values_list("old_value", "new_value", "actor_id")) == [
            ("Sales", None, acme.admin.pk)
        ]
        assert history.get().account_id == acme.account.pk
    elsewhere.refresh_from_db()
    assert elsewhere.team_id == support.pk
    assert not LeadHistory.objects.filter(lead__in=[elsewhere, untouched]).exists()
    assert Membership.objects.filter(team=support, user=ann).exists()
    assert acme.key.get(f"/teams/{sales.pk}").status_code == 404


def test_deleting_with_the_account_key_logs_no_user(acme: World) -> None:
    sales = acme.team("Sales")
    lead = acme.lead("Deal", team=sales)
    assert acme.key.delete(f"/teams/{sales.pk}").status_code == 200
    row = LeadHistory.objects.get(lead=lead)
    assert (row.actor_id, row.action, row.old_value) == (None, "team", "Sales")


def test_deleting_an_empty_team(acme: World) -> None:
    sales = acme.team("Sales")
    assert acme.key.delete(f"/teams/{sales.pk}").json() == {"id": sales.pk}
    assert not LeadHistory.objects.exists()


def test_deleting_leaves_other_accounts_alone(acme: World, rival: World) -> None:
    sales = acme.team("Sales")
    theirs = rival.team("Sales")
    their_lead = rival.lead("Theirs", team=theirs)
    assert acme.key.delete(f"/teams/{sales.pk}").status_code == 200
    their_lead.refresh_from_db()
    assert their_lead.team_id == theirs.pk
    assert not LeadHistory.objects.filter(lead=their_lead).exists()


def test_a_plain_users_refused_delete_changes_nothing(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    sales = acme.team("Sales", managers=(ann,))
    lead = acme.lead("Deal", owner=ann, team=sales)
    response = as_user(ann).delete(f"/teams/{sales.pk}")
    assert response.status_code == 401
    assert error_type(response) == "unauthorized_non_admin"
    lead.refresh_from_db()
    assert lead.team_id == sales.pk
    assert Team.objects.filter(pk=sales.pk).exists()
    assert not LeadHistory.objects.exists()


def test_teams_layer_off_then_on_keeps_teams(acme: World) -> None:
    sales = acme.team("Sales")
    Account.objects.filter(pk=acme.account.pk).update(teams_enabled=False)
    assert acme.key.delete(f"/teams/{sales.pk}").status_code == 403
    Account.objects.filter(pk=acme.account.pk).update(teams_enabled=True)
    assert acme.key.get(f"/teams/{sales.pk}").status_code == 200
