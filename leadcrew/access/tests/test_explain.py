"""GET /leads/{id}/access, "why can I see this?" (leadcrew.access.explain): readable cases on the
shared cast, then a property on random accounts: the explanation agrees with what the policy's
querysets actually give, for every (user, lead)."""

import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings

from leadcrew.access.actor import actor_for_api_key, actor_for_user, actors_for_account
from leadcrew.access.explain import (
    REASON_MEANINGS,
    account_destinations,
    explain,
    lead_access,
    place_destinations,
)
from leadcrew.access.policy import Action, Reason, leads_for, placeable_in
from leadcrew.access.tests.test_policy_property import World, build, worlds
from leadcrew.accounts.models import Privacy, TeamAssignment, TeamPrivacy, User
from leadcrew.core.errors import NotFound
from leadcrew.leads.services import lead_delete
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

API = "/api/v2"


def access(cast: Cast, user: User | None, lead: str) -> Any:
    """The answer of GET /leads/{id}/access for the cast lead `lead`, as `user` (None: API key)."""
    response = Client().get(f"{API}/leads/{cast.leads[lead].pk}/access", headers=cast.headers(user))
    assert response.status_code == 200, response.content
    return response.json()


def rights(answer: dict[str, Any]) -> dict[str, list[str] | None]:
    """Each action's reasons, or None where it is refused: a whole answer in one comparison."""
    return {
        action: answer[action]["reasons"] if answer[action]["allowed"] else None
        for action in ("see", "edit", "assign", "place")
    }


# --- The caller's own rights ----------------------------------------------------------------


def test_an_owner_sees_and_edits_their_team_lead_but_only_the_manager_dispatches_it(
    cast: Cast,
) -> None:
    # Cast defaults: team_privacy managers_only, team_assignment managers.
    answer = access(cast, cast.nils, "nils_north")

    assert answer["lead_id"] == cast.leads.nils_north.pk
    assert answer["user_id"] == cast.nils.pk
    assert rights(answer) == {
        "see": ["owner"],
        "edit": ["owner"],
        "assign": None,
        "place": ["owner"],  # out of North; South is not his
    }
    assert "users" not in answer


def test_a_manager_holds_their_teams_leads_by_the_team_manager_rule(cast: Cast) -> None:
    assert rights(access(cast, cast.mona, "nils_north")) == {
        "see": ["team_manager"],
        "edit": ["team_manager"],
        "assign": ["team_manager"],
        "place": ["team_manager"],
    }


def test_a_plain_member_under_team_shared_sees_a_teammates_lead_read_only(cast: Cast) -> None:
    cast.configure(team_privacy=TeamPrivacy.TEAM_SHARED, team_assignment=TeamAssignment.USERS)
    assert rights(access(cast, cast.nora, "nils_north")) == {
        "see": ["team_shared"],
        "edit": None,
        "assign": ["team_member"],
        "place": None,
    }


def test_the_pool_outside_teams_is_seen_because_anyone_may_take_it(cast: Cast) -> None:
    assert rights(access(cast, cast.ursula, "pool")) == {
        "see": ["unassigned_pool"],
        "edit": None,
        "assign": ["open_assignment"],
        "place": None,  # she may not edit it, and belongs to no team
    }


def test_a_lead_goes_into_a_team_of_its_editor_by_the_target_team_member_rule(
    cast: Cast,
) -> None:
    assert rights(access(cast, cast.nils, "nils_solo"))["place"] == ["target_team_member"]
    assert rights(access(cast, cast.paula, "paula_solo"))["place"] == ["target_team_member"]


def test_an_admin_is_granted_everything_by_the_admin_rule(cast: Cast) -> None:
    cast.configure(privacy=Privacy.EVERYTHING_SHARED)
    assert rights(access(cast, cast.admin, "pool_north")) == {
        "see": ["admin", "account_shared", "unassigned_pool"],
        "edit": ["admin"],
        "assign": ["admin"],
        "place": ["admin"],
    }
    key = access(cast, None, "pool_north")
    assert key["user_id"] is None
    assert rights(key)["edit"] == ["admin"]


def test_with_the_teams_layer_off_nobody_may_place_a_lead(cast: Cast) -> None:
    cast.configure(teams=False)
    assert rights(access(cast, cast.admin, "nils_north"))["place"] is None
    assert rights(access(cast, cast.nils, "nils_north"))["place"] is None


@pytest.mark.parametrize(("persona", "lead"), [("nils", "sam_south"), ("sid", "nils_north")])
def test_a_lead_the_caller_cannot_see_is_not_found(cast: Cast, persona: str, lead: str) -> None:
    response = Client().get(
        f"{API}/leads/{cast.leads[lead].pk}/access", headers=cast.headers(cast.users[persona])
    )
    assert response.status_code == 404
    assert response.json()["type"] == "record_not_found"


def test_another_accounts_lead_and_a_deleted_lead_are_not_found(cast: Cast) -> None:
    lead_delete(actor=cast.actor(None), lead_id=cast.leads.ada_solo.pk)
    for lead_id in (cast.rival.leads.rex_solo.pk, cast.leads.ada_solo.pk):
        response = Client().get(f"{API}/leads/{lead_id}/access", headers=cast.headers(None))
        assert response.status_code == 404


# --- An admin's answer: every active user ---------------------------------------------------


def test_an_admin_also_gets_every_active_users_rights_and_why(cast: Cast) -> None:
    answer = access(cast, cast.admin, "nils_north")

    by_user = {row["user_id"]: rights(row) for row in answer["users"]}
    active = [user for user in cast.users.values() if not user.is_disabled]
    assert sorted(by_user) == sorted(user.pk for user in active)  # Dora is disabled
    assert by_user[cast.admin.pk]["see"] == ["admin"]
    assert by_user[cast.nils.pk]["see"] == ["owner"]
    assert by_user[cast.mona.pk]["see"] == ["team_manager"]
    assert by_user[cast.paula.pk]["see"] == ["team_manager"]
    for persona in ("nora", "sam", "sid", "ursula"):
        assert by_user[cast.users[persona].pk] == {
            "see": None,
            "edit": None,
            "assign": None,
            "place": None,
        }, persona
    # Each row is exactly what that user would be told themselves.
    assert answer["users"][[u.pk for u in active].index(cast.nils.pk)] == access(
        cast, cast.nils, "nils_north"
    )
    assert access(cast, None, "nils_north")["users"] == answer["users"]


def test_an_admins_answer_costs_the_same_queries_for_any_number_of_users(cast: Cast) -> None:
    def queries() -> int:
        actor = cast.actor(cast.admin)
        with CaptureQueriesContext(connection) as captured:
            lead_access(actor, cast.leads.nils_north.pk)
        return len(captured)

    before = queries()
    for index in range(6):
        user = User.objects.create(account=cast.account, email=f"new{index}@acme.test")
        cast.join(user, cast.north if index % 2 else cast.south, manager=index == 0)
    assert queries() == before


def test_actors_for_account_builds_what_actor_for_user_builds_for_each_active_user(
    cast: Cast,
) -> None:
    account = cast.actor(None).account
    active = User.objects.filter(account=account, is_disabled=False).order_by("pk")
    assert actors_for_account(account) == [actor_for_user(user, account) for user in active]


# --- The reason codes are documented --------------------------------------------------------


def test_every_reason_code_has_a_meaning_and_the_openapi_document_lists_them() -> None:
    assert set(REASON_MEANINGS) == set(Reason)
    document = json.loads(Client().get(f"{API}/openapi.json").content)
    operation = document["paths"]["/api/v2/leads/{id}/access"]["get"]
    for code in Reason:
        assert f"`{code}`" in operation["description"]
    schemas = document["components"]["schemas"]
    assert sorted(schemas["Reason"]["enum"]) == sorted(Reason)


# --- The property: an explanation agrees with what the policy gives -------------------------


def explanation_failures(world: World) -> list[str]:
    built = build(world)
    failures: list[str] = []
    destinations = account_destinations(built.account.pk)
    actors = [*actors_for_account(built.account), actor_for_api_key(built.account)]
    active = [user for user in built.users if not user.is_disabled]
    if actors[:-1] != [actor_for_user(user, built.account) for user in active]:
        failures.append("actors_for_account disagrees with actor_for_user")
    for actor in actors:
        granted = {
            action: set(leads_for(actor, action).values_list("pk", flat=True))
            for action in (Action.SEE, Action.EDIT, Action.ASSIGN)
        }
        for lead in built.leads:
            if lead.deleted_at is not None:
                continue
            moves = place_destinations(lead, destinations)
            said = explain(actor, lead.pk, lead, moves)
            placeable = any(
                placeable_in(actor, destination).filter(pk=lead.pk).exists()
                for destination in moves.values()
            )
            for action, verdict, truth in (
                ("see", said.see, lead.pk in granted[Action.SEE]),
                ("edit", said.edit, lead.pk in granted[Action.EDIT]),
                ("assign", said.assign, lead.pk in granted[Action.ASSIGN]),
                ("place", said.place, placeable),
            ):
                if verdict.allowed != truth or verdict.allowed != bool(verdict.reasons):
                    failures.append(f"user {actor.user_id}, lead {lead.pk}: {action} {verdict}")
    return failures


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_the_explanation_agrees_with_the_policy_on_random_accounts(world: World) -> None:
    with transaction.atomic():
        failures = explanation_failures(world)
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures[:20])


def test_a_deleted_lead_has_no_explanation(cast: Cast) -> None:
    lead_delete(actor=cast.actor(None), lead_id=cast.leads.pool.pk)
    with pytest.raises(NotFound):
        lead_access(cast.actor(cast.admin), cast.leads.pool.pk)
