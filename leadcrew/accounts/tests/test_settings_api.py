"""/account/settings: the settings of docs/access-rules.md, the edition, name, time zone,
currency."""

from typing import get_args

import pytest

from leadcrew.accounts import schemas
from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Locale,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
)
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.api_world import World, as_user, error_type, make_world

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "name": "Acme",
    "time_zone": "UTC",
    "currency": "EUR",
    "edition": "dream_team",
    "privacy": "everything_shared",
    "assignment": "everyone",
    "teams_enabled": True,
    "team_privacy": "managers_only",
    "team_assignment": "managers",
    "only_admins_export_leads": False,
    "only_admins_delete_leads": False,
}


def stored(world: World) -> Account:
    return Account.objects.get(pk=world.account.pk)


def test_the_accepted_values_are_the_models_choices() -> None:
    assert set(get_args(schemas.EditionIn)) == set(Edition.values)
    assert set(get_args(schemas.PrivacyIn)) == set(Privacy.values)
    assert set(get_args(schemas.AssignmentIn)) == set(Assignment.values)
    assert set(get_args(schemas.TeamPrivacyIn)) == set(TeamPrivacy.values)
    assert set(get_args(schemas.TeamAssignmentIn)) == set(TeamAssignment.values)
    assert set(get_args(schemas.LocaleIn)) == set(Locale.values)


def test_admins_read_the_settings(acme: World) -> None:
    for api in (acme.key, as_user(acme.admin)):
        response = api.get("/account/settings")
        assert response.status_code == 200
        body = response.json()
        assert {key: body[key] for key in DEFAULTS} == DEFAULTS
        assert body["id"] == acme.account.pk


def test_plain_users_may_neither_read_nor_change_the_settings(acme: World) -> None:
    api = as_user(acme.user("ann@acme.test"))
    assert error_type(api.get("/account/settings")) == "unauthorized_non_admin"
    response = api.put("/account/settings", {"privacy": "admins_only", "name": "Mine"})
    assert response.status_code == 401
    assert error_type(response) == "unauthorized_non_admin"
    account = stored(acme)
    assert (account.privacy, account.name) == ("everything_shared", "Acme")


def test_any_subset_of_the_settings_changes(acme: World) -> None:
    changes = {
        "name": "Acme Corp",
        "time_zone": "Europe/Paris",
        "currency": "usd",
        "privacy": "admins_only",
        "assignment": "admins_only",
        "team_privacy": "team_shared",
        "team_assignment": "users",
        "only_admins_export_leads": True,
        "only_admins_delete_leads": True,
        "not_a_setting": "ignored",
    }
    response = acme.key.put("/account/settings", changes)
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "USD"
    assert body["name"] == "Acme Corp"
    assert body["team_assignment"] == "users"
    account = stored(acme)
    assert (account.time_zone, account.privacy, account.only_admins_delete_leads) == (
        "Europe/Paris",
        "admins_only",
        True,
    )
    # A second change touches only what it names.
    body = acme.key.put("/account/settings", {"privacy": "everything_shared"}).json()
    assert body["privacy"] == "everything_shared"
    assert body["assignment"] == "admins_only"


@pytest.mark.parametrize(
    "changes, status, field",
    [
        ({"time_zone": "Mars/Olympus"}, 422, "time_zone"),
        ({"currency": "EURO"}, 422, "currency"),
        ({"currency": "E1R"}, 422, "currency"),
        ({"edition": "platinum"}, 422, "edition"),
        ({"privacy": "nobody"}, 422, "privacy"),
        ({"team_assignment": "robots"}, 422, "team_assignment"),
        ({"name": ""}, 422, "name"),
        ({"name": "   "}, 422, "name"),
        ({"name": "A\x00"}, 422, "name"),
        ({"teams_enabled": "perhaps"}, 400, "teams_enabled"),
    ],
)
def test_invalid_settings_change_nothing(
    acme: World, changes: dict[str, object], status: int, field: str
) -> None:
    before = acme.key.get("/account/settings").json()
    response = acme.key.put("/account/settings", {"privacy": "admins_only", **changes})
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert acme.key.get("/account/settings").json() == before


def test_teams_need_the_dream_team_edition(db: None) -> None:
    solo = make_world("Solo", "admin@solo.test", edition=Edition.ESSENTIALS)
    for changes in (
        {"teams_enabled": True},
        {"only_admins_export_leads": True},
        {"edition": "essentials", "teams_enabled": True},
    ):
        response = solo.key.put("/account/settings", {"privacy": "admins_only", **changes})
        assert response.status_code == 403
        assert error_type(response) == "forbidden_action"
        assert response.json()["code"] == "dream_team_only"
        assert response.json()["field"] in changes
        account = stored(solo)
        assert (account.teams_enabled, account.privacy) == (False, "everything_shared")
    # Upgrading and turning teams on in one request is fine.
    body = solo.key.put("/account/settings", {"edition": "dream_team", "teams_enabled": True})
    assert body.json()["teams_enabled"] is True


def test_switching_down_turns_the_teams_layer_off_and_keeps_the_teams(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    sales = acme.team("Sales", managers=(ann,))
    acme.key.put("/account/settings", {"only_admins_export_leads": True})
    body = acme.key.put("/account/settings", {"edition": "essentials"}).json()
    assert body["teams_enabled"] is False
    assert body["only_admins_export_leads"] is False
    # The very next request sees the layer off…
    assert error_type(acme.key.get("/teams")) == "forbidden_action"
    assert acme.key.get(f"/users/{ann.pk}").json()["teams"] == []
    # …and nothing was deleted: switching back up restores the team and its manager.
    assert Team.objects.filter(pk=sales.pk).exists()
    acme.key.put("/account/settings", {"edition": "dream_team", "teams_enabled": True})
    assert acme.key.get(f"/users/{ann.pk}").json()["teams"] == [
        {"id": sales.pk, "name": "Sales", "is_manager": True}
    ]
    assert Membership.objects.filter(team=sales, user=ann, is_manager=True).exists()


def test_turning_teams_off_applies_to_the_next_request_of_every_user(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    acme.team("Sales", members=(ann,))
    ann_api = as_user(ann)  # the token was issued before the change
    assert ann_api.get("/teams").status_code == 200
    assert acme.key.put("/account/settings", {"teams_enabled": False}).status_code == 200
    assert error_type(ann_api.get("/teams")) == "forbidden_action"
    acme.key.put("/account/settings", {"teams_enabled": True})
    assert ann_api.get("/teams").status_code == 200


def test_settings_stay_in_their_account(acme: World, rival: World) -> None:
    acme.key.put("/account/settings", {"privacy": "admins_only", "name": "Changed"})
    rival_settings = rival.key.get("/account/settings").json()
    assert (rival_settings["privacy"], rival_settings["name"]) == ("everything_shared", "Rival")
