"""One resolver of references (core/lookups): a user, team, pipeline or step named by id or by
e-mail / name means the same on every path, and a reference that names nothing of the actor's
account (a boolean, a unicode digit, a NUL byte, an id out of range, another account's record)
is an invalid parameter named after its field."""

from typing import Any

import pytest

from leadcrew.access.actor import Actor, actor_for_user
from leadcrew.accounts.models import User
from leadcrew.core.errors import Code, Forbidden, InvalidParameter
from leadcrew.core.lookups import (
    MAX_ID,
    pipeline_lookup,
    step_lookup,
    team_lookup,
    user_lookup,
)
from leadcrew.leads.models import Lead, Pipeline, Step
from leadcrew.testing.api_world import World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> World:
    return make_world("Acme", "admin@acme.test")


@pytest.fixture
def rival() -> World:
    return make_world("Rival", "admin@rival.test")


def user_one(world: World) -> User:
    """User #1, in `world`'s account: what a boolean `true` would have named."""
    one = User.objects.filter(pk=1).first()
    if one is None:
        one = User.objects.create(pk=1, account=world.account, email="one@acme.test")
    assert one.account_id == world.account.pk
    return one


def actor_of(world: World) -> Actor:
    return actor_for_user(world.admin, world.account)


def refused(lookup: Any, actor: Actor, ref: Any, **kwargs: Any) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as caught:
        lookup(actor, ref, **kwargs)
    return caught.value


# --- Users ------------------------------------------------------------------------------------


def test_a_user_by_id_or_by_email_in_any_case(acme: World) -> None:
    actor = actor_of(acme)
    ada = acme.admin
    assert user_lookup(actor, ada.pk) == ada
    assert user_lookup(actor, str(ada.pk)) == ada
    assert user_lookup(actor, f"  {ada.pk} ") == ada
    assert user_lookup(actor, "ADMIN@Acme.TEST") == ada


@pytest.mark.parametrize(
    "ref",
    [
        True,  # an int to Python, 1 to a lax JSON parser: no record
        False,
        0,
        -1,
        MAX_ID + 1,
        str(MAX_ID + 1),
        "²",  # "²".isdigit() is true
        "١",  # an Arabic-Indic one
        "admin@acme.test\x00",
        "\x00",
        "",
        "   ",
        "a" * 250 + "@acme.test",  # longer than any e-mail address
        "nobody@acme.test",
    ],
)
def test_what_names_no_user_is_an_invalid_parameter(acme: World, ref: Any) -> None:
    error = refused(user_lookup, actor_of(acme), ref, field="owner")
    assert (error.code, error.field) == (Code.UNKNOWN_USER, "owner")


def test_a_boolean_never_names_user_one(acme: World) -> None:
    actor, one = actor_of(acme), user_one(acme)
    assert user_lookup(actor, 1) == one
    assert refused(user_lookup, actor, True).code == Code.UNKNOWN_USER


def test_another_accounts_user_is_unknown_by_id_and_by_email(acme: World, rival: World) -> None:
    actor = actor_of(acme)
    for ref in (rival.admin.pk, str(rival.admin.pk), rival.admin.email):
        assert refused(user_lookup, actor, ref).code == Code.UNKNOWN_USER


# --- Teams ------------------------------------------------------------------------------------


def test_a_team_by_id_or_by_name_in_any_case(acme: World, rival: World) -> None:
    north = acme.team("North")
    actor = actor_of(acme)
    assert team_lookup(actor, north.pk) == north
    assert team_lookup(actor, "north") == north
    assert team_lookup(actor, " NORTH ") == north
    theirs = rival.team("North")
    error = refused(team_lookup, actor, theirs.pk)
    assert (error.code, error.field) == (Code.UNKNOWN_TEAM, "team_id")
    assert refused(team_lookup, actor, True).code == Code.UNKNOWN_TEAM


def test_no_team_while_the_teams_layer_is_off(acme: World) -> None:
    north = acme.team("North")
    acme.account.teams_enabled = False
    acme.account.save(update_fields=["teams_enabled"])
    with pytest.raises(Forbidden) as caught:
        team_lookup(actor_of(acme), north.pk)
    assert caught.value.code == Code.TEAMS_OFF


# --- Pipelines and steps ----------------------------------------------------------------------


def _pipeline(world: World, name: str, steps: list[str], position: int) -> Pipeline:
    pipeline = Pipeline.objects.create(account=world.account, name=name, position=position)
    for index, step in enumerate(steps):
        Step.objects.create(account=world.account, pipeline=pipeline, name=step, position=index)
    return pipeline


def test_a_pipeline_by_id_or_by_name(acme: World, rival: World) -> None:
    actor = actor_of(acme)
    sales = acme.default_pipeline()
    assert pipeline_lookup(actor, sales.pk) == sales
    assert pipeline_lookup(actor, "SALES") == sales
    error = refused(pipeline_lookup, actor, rival.default_pipeline().pk)
    assert (error.code, error.field) == (Code.UNKNOWN_PIPELINE, "pipeline_id")
    assert refused(pipeline_lookup, actor, True).code == Code.UNKNOWN_PIPELINE


def test_a_step_name_several_pipelines_use_means_the_default_pipelines(acme: World) -> None:
    actor = actor_of(acme)
    sales = acme.default_pipeline()
    # Listed before the default pipeline: the name still means the default pipeline's step.
    Pipeline.objects.filter(pk=sales.pk).update(position=5)
    renewals = _pipeline(acme, "Renewals", ["Qualified", "Signed"], position=0)
    qualified = sales.steps.get(name="Qualified")
    assert step_lookup(actor, "qualified") == qualified
    assert step_lookup(actor, "Qualified", pipeline=renewals).pipeline_id == renewals.pk
    assert step_lookup(actor, "Signed") == renewals.steps.get(name="Signed")
    assert step_lookup(actor, str(qualified.pk)) == qualified


def test_another_accounts_step_is_unknown(acme: World, rival: World) -> None:
    theirs = rival.first_step()
    error = refused(step_lookup, actor_of(acme), theirs.pk)
    assert (error.code, error.field) == (Code.UNKNOWN_STEP, "step")
    assert refused(step_lookup, actor_of(acme), "²").code == Code.UNKNOWN_STEP


# --- Through the API: the divergence this module ended ---------------------------------------


@pytest.mark.parametrize("body", [{"user_id": True}, {"user_id": False}, {"user_id": 1.0}])
def test_a_boolean_user_id_never_gives_a_lead_to_user_one(
    acme: World, body: dict[str, Any]
) -> None:
    one = user_one(acme)
    response = acme.key.post("/leads", {"title": "x", "description": "", **body})
    assert response.status_code in (400, 422), response.content
    assert response.json()["field"] == "user_id"
    assert not Lead.objects.filter(account=acme.account, title="x").exists()
    # The same request naming user #1 for real gives them the lead.
    named = acme.key.post("/leads", {"title": "y", "description": "", "user_id": 1})
    assert named.status_code == 201, named.content
    assert Lead.objects.get(account=acme.account, title="y").owner_id == one.pk


def test_a_boolean_id_names_nothing_in_any_body(acme: World) -> None:
    north = acme.team("North")
    lead = acme.lead("Deal")
    for body in (
        {"action": "place_in_team", "ids": [lead.pk], "team_id": True},
        {"action": "star", "ids": [True]},
        {"action": "assign", "ids": [lead.pk], "user_id": True},
    ):
        response = acme.key.post("/leads/bulk", body)
        assert response.status_code == 400, (body, response.content)
    assert north.pk  # the team exists: only the boolean was refused
    members = acme.key.post(f"/teams/{north.pk}/add_member", {"user_id": True})
    assert members.status_code == 400, members.content
