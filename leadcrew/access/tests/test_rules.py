"""The access rules of docs/access-rules.md, one by one, on the shared cast (leadcrew.testing.cast).

Each test opens only the setting its rule needs from `LOCKED` (where only admins and owners get
anything), and asserts whole sets of leads, so that what a persona must not get is checked as
carefully as what they must. Every answer is asked twice, of the predicate (`can`) and of the
database filter (`leads_for`, `assignable_to`, `placeable_in`), and the two must agree.
"""

from typing import Any

import pytest

from leadcrew.access.policy import (
    Action,
    Reason,
    assign_reasons,
    assignable_to,
    can,
    lead_for,
    leads_for,
    place_reasons,
    placeable_in,
    see_reasons,
)
from leadcrew.accounts.models import (
    Assignment,
    Edition,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
)
from leadcrew.core.errors import Forbidden, NotFound
from leadcrew.leads.models import Lead
from leadcrew.teams.models import Team
from leadcrew.testing.cast import ACME_LEADS, Cast

pytestmark = pytest.mark.django_db

LOCKED: dict[str, Any] = {
    "privacy": Privacy.ADMINS_ONLY,
    "assignment": Assignment.ADMINS_ONLY,
    "team_privacy": TeamPrivacy.ADMINS_ONLY,
    "team_assignment": TeamAssignment.ADMINS,
}
ALL = set(ACME_LEADS)
POOLS = {"pool", "pool_north", "pool_south"}


def locked(**opened: Any) -> dict[str, Any]:
    """`LOCKED`, with the settings a test opens."""
    return {**LOCKED, **opened}


def owned_by(*personas: str) -> set[str]:
    return {name for name, (owner, _) in ACME_LEADS.items() if owner in personas}


def in_team(team: str | None) -> set[str]:
    return {name for name, (_, lead_team) in ACME_LEADS.items() if lead_team == team}


NORTH = in_team("North")
SOUTH = in_team("South")


def granted(cast: Cast, user: User | None, action: Action = Action.SEE) -> set[str]:
    """The leads `user` (None: the API key) may see, edit or assign, by predicate and filter."""
    actor = cast.actor(user)
    by_filter = cast.names(leads_for(actor, action))
    by_predicate = {name for name, lead in cast.leads.items() if can(actor, action, lead)}
    assert by_filter == by_predicate, f"{action}: filter {by_filter} != predicate {by_predicate}"
    return by_filter


def sees(cast: Cast, user: User | None) -> set[str]:
    return granted(cast, user, Action.SEE)


def edits(cast: Cast, user: User | None) -> set[str]:
    return granted(cast, user, Action.EDIT)


def assignable(cast: Cast, user: User | None, to: User | None) -> set[str]:
    """The leads `user` may give to `to` (None: unassign), by predicate and filter."""
    actor = cast.actor(user)
    target = cast.assignee(to) if to is not None else None
    by_filter = cast.names(assignable_to(actor, target))
    by_predicate = {
        name for name, lead in cast.leads.items() if can(actor, Action.ASSIGN, lead, target)
    }
    assert by_filter == by_predicate, f"to {to}: filter {by_filter} != predicate {by_predicate}"
    return by_filter


def may_assign(cast: Cast, user: User | None, lead: str, to: User | None) -> bool:
    return lead in assignable(cast, user, to)


def placeable(cast: Cast, user: User | None, team: Team | None) -> set[str]:
    """The leads `user` may put in `team` (None: take out of its team), by predicate and filter."""
    actor = cast.actor(user)
    destination = cast.destination(team)
    by_filter = cast.names(placeable_in(actor, destination))
    by_predicate = {
        name for name, lead in cast.leads.items() if can(actor, Action.PLACE, lead, destination)
    }
    assert by_filter == by_predicate, f"in {team}: filter {by_filter} != predicate {by_predicate}"
    return by_filter


def may_place(cast: Cast, user: User | None, lead: str, team: Team | None) -> bool:
    return lead in placeable(cast, user, team)


# --- See, rule 1: V is admin ---------------------------------------------------------------


@pytest.mark.parametrize("settings", [LOCKED, {}], ids=["locked", "cast defaults"])
def test_an_admin_sees_and_edits_every_lead_of_their_account_whatever_the_settings(
    cast: Cast, settings: dict[str, Any]
) -> None:
    cast.configure(**settings)
    assert sees(cast, cast.admin) == ALL
    assert edits(cast, cast.admin) == ALL
    assert granted(cast, cast.admin, Action.ASSIGN) == ALL


def test_an_account_api_key_acts_as_an_admin_of_its_own_account(cast: Cast) -> None:
    cast.configure(**LOCKED)
    assert sees(cast, None) == ALL
    assert edits(cast, None) == ALL
    assert may_assign(cast, None, "pool_north", cast.ursula)


# --- See, rule 2: V is O -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mona", "paula", "nils", "nora", "sam", "sid", "ursula"])
def test_a_user_sees_and_edits_the_leads_they_own_and_nothing_else_when_all_is_locked(
    cast: Cast, persona: str
) -> None:
    cast.configure(**LOCKED)
    user = cast.users[persona]
    assert sees(cast, user) == owned_by(persona)
    assert edits(cast, user) == owned_by(persona)
    assert granted(cast, user, Action.ASSIGN) == set()


# --- See, rule 3: privacy = everything_shared ----------------------------------------------


def test_under_everything_shared_every_user_sees_every_lead_even_inside_teams(cast: Cast) -> None:
    cast.configure(**locked(privacy=Privacy.EVERYTHING_SHARED))
    for persona in ("mona", "nils", "sid", "ursula"):
        assert sees(cast, cast.users[persona]) == ALL


def test_seeing_never_implies_editing(cast: Cast) -> None:
    cast.configure(**locked(privacy=Privacy.EVERYTHING_SHARED))
    assert sees(cast, cast.nils) == ALL
    assert edits(cast, cast.nils) == owned_by("nils")
    assert edits(cast, cast.ursula) == owned_by("ursula")


# --- See, rule 4: member of T under team_shared --------------------------------------------


def test_under_team_shared_a_member_sees_teammates_leads_read_only(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.TEAM_SHARED))
    # The whole of North, including the lead of Ursula who left it and the disabled Dora's.
    assert sees(cast, cast.nils) == owned_by("nils") | NORTH
    assert edits(cast, cast.nils) == owned_by("nils")
    assert sees(cast, cast.sid) == owned_by("sid") | SOUTH
    assert edits(cast, cast.sid) == owned_by("sid")


def test_team_rights_cover_the_leads_in_the_team_not_the_leads_of_its_members(
    cast: Cast,
) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.TEAM_SHARED))
    assert "nils_solo" not in sees(cast, cast.nora)
    assert "nils_solo" not in sees(cast, cast.mona)
    # ...while a lead placed in North is North's, whoever owns it.
    assert "ursula_north" in sees(cast, cast.nora)


def test_under_managers_only_a_plain_member_sees_only_their_own_leads(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    assert sees(cast, cast.nils) == owned_by("nils")
    assert sees(cast, cast.sid) == owned_by("sid")


def test_under_team_privacy_admins_only_members_and_managers_see_only_their_own_leads(
    cast: Cast,
) -> None:
    cast.configure(**LOCKED)
    assert sees(cast, cast.nils) == owned_by("nils")
    assert sees(cast, cast.mona) == owned_by("mona")
    assert edits(cast, cast.mona) == owned_by("mona")


# --- See, rule 5: manager of T under managers_only or team_shared --------------------------


@pytest.mark.parametrize("team_privacy", [TeamPrivacy.MANAGERS_ONLY, TeamPrivacy.TEAM_SHARED])
def test_a_manager_sees_and_edits_every_lead_of_the_team_they_manage(
    cast: Cast, team_privacy: str
) -> None:
    cast.configure(**locked(team_privacy=team_privacy))
    assert sees(cast, cast.mona) == owned_by("mona") | NORTH
    assert edits(cast, cast.mona) == owned_by("mona") | NORTH
    assert sees(cast, cast.sam) == owned_by("sam") | SOUTH
    assert edits(cast, cast.sam) == owned_by("sam") | SOUTH


# --- See, rule 6: the unassigned pool, for whoever may dispatch it -------------------------


def test_the_pool_outside_teams_shows_to_everyone_when_everyone_may_assign(cast: Cast) -> None:
    cast.configure(**locked(assignment=Assignment.EVERYONE))
    for persona in ("mona", "nils", "sid", "ursula"):
        assert sees(cast, cast.users[persona]) == owned_by(persona) | {"pool"}
    assert see_reasons(cast.actor(cast.ursula), cast.leads.pool) == [Reason.UNASSIGNED_POOL]


def test_the_pool_outside_teams_shows_to_admins_only_when_only_admins_assign(cast: Cast) -> None:
    cast.configure(**LOCKED)
    for persona in ("mona", "nils", "ursula"):
        assert not sees(cast, cast.users[persona]) & POOLS
    assert sees(cast, cast.admin) >= POOLS


def test_a_manager_sees_the_pool_of_the_team_they_dispatch_even_when_team_privacy_hides_it(
    cast: Cast,
) -> None:
    cast.configure(**locked(team_assignment=TeamAssignment.MANAGERS))
    assert sees(cast, cast.mona) == owned_by("mona") | {"pool_north"}
    assert sees(cast, cast.sam) == owned_by("sam") | {"pool_south"}
    # Paula manages North only; in South she is a plain member.
    assert sees(cast, cast.paula) == owned_by("paula") | {"pool_north"}
    assert sees(cast, cast.nils) == owned_by("nils")


def test_under_team_assignment_users_every_member_dispatches_the_team_pool(cast: Cast) -> None:
    """Assign 2: a plain member of T may dispatch T's unassigned leads, so they see them
    (See 6) even where team privacy hides the team's other leads from them."""
    for team_privacy in TeamPrivacy:
        cast.configure(**locked(team_assignment=TeamAssignment.USERS, team_privacy=team_privacy))
        assert "pool_north" in sees(cast, cast.nils)
        assert may_assign(cast, cast.nils, "pool_north", cast.nils)
        assert "pool_south" not in sees(cast, cast.nils)


def test_under_team_assignment_users_a_member_reassigns_only_the_team_leads_they_see(
    cast: Cast,
) -> None:
    cast.configure(**locked(team_assignment=TeamAssignment.USERS))
    assert "nora_north" not in sees(cast, cast.nils)
    assert not may_assign(cast, cast.nils, "nora_north", cast.nils)
    cast.configure(team_privacy=TeamPrivacy.TEAM_SHARED)
    assert may_assign(cast, cast.nils, "nora_north", cast.nils)


# --- Edit ----------------------------------------------------------------------------------


def test_an_owner_edits_their_leads_under_any_settings(cast: Cast) -> None:
    for settings in (LOCKED, {"privacy": Privacy.EVERYTHING_SHARED}, {"teams": False}):
        cast.configure(**settings)
        assert owned_by("nils") <= edits(cast, cast.nils)
        assert owned_by("ursula") == edits(cast, cast.ursula)


# --- Assign, rule 1: V is admin (any active user of the account) ---------------------------


def test_an_admin_assigns_any_lead_to_any_active_user_and_never_to_a_disabled_one(
    cast: Cast,
) -> None:
    cast.configure(**LOCKED)
    for to in (cast.ursula, cast.sid, cast.nils, cast.admin, None):
        assert assignable(cast, cast.admin, to) == ALL
    assert assignable(cast, cast.admin, cast.dora) == set()


# --- Assign, rule 2: inside a team ---------------------------------------------------------


def test_under_team_assignment_managers_a_manager_assigns_team_leads_to_active_team_members(
    cast: Cast,
) -> None:
    cast.configure(
        **locked(team_privacy=TeamPrivacy.MANAGERS_ONLY, team_assignment=TeamAssignment.MANAGERS)
    )
    for to in (cast.nora, cast.paula, cast.mona, None):
        assert assignable(cast, cast.mona, to) == NORTH
    # Not a member of North (though she owns a lead in it), not in North, disabled:
    assert assignable(cast, cast.mona, cast.ursula) == set()
    assert assignable(cast, cast.mona, cast.sid) == set()
    assert assignable(cast, cast.mona, cast.dora) == set()


def test_under_team_assignment_managers_a_plain_member_cannot_reassign_their_own_team_lead(
    cast: Cast,
) -> None:
    cast.configure(**locked(team_assignment=TeamAssignment.MANAGERS))
    assert not may_assign(cast, cast.nils, "nils_north", cast.nora)
    assert not may_assign(cast, cast.nils, "nils_north", None)


def test_under_team_assignment_users_a_member_assigns_the_team_leads_they_see(
    cast: Cast,
) -> None:
    cast.configure(
        **locked(team_privacy=TeamPrivacy.TEAM_SHARED, team_assignment=TeamAssignment.USERS)
    )
    assert assignable(cast, cast.nils, cast.mona) == NORTH
    assert assignable(cast, cast.nils, None) == NORTH
    assert assignable(cast, cast.nils, cast.ursula) == set()
    assert assignable(cast, cast.nils, cast.dora) == set()
    # Under managers_only Nils sees only his own North lead among the assigned ones, so that
    # and the team's pool are all he may assign.
    cast.configure(team_privacy=TeamPrivacy.MANAGERS_ONLY)
    assert assignable(cast, cast.nils, cast.nora) == {"nils_north", "pool_north"}


def test_under_team_assignment_admins_nobody_but_an_admin_assigns_inside_a_team(
    cast: Cast,
) -> None:
    cast.configure(
        privacy=Privacy.EVERYTHING_SHARED,
        assignment=Assignment.EVERYONE,
        team_privacy=TeamPrivacy.TEAM_SHARED,
        team_assignment=TeamAssignment.ADMINS,
    )
    for persona in ("mona", "nils", "sam", "paula", "ursula"):
        assert not granted(cast, cast.users[persona], Action.ASSIGN) & (NORTH | SOUTH)
    # The team's pool follows the team's rule, not the pool rule of leads outside teams.
    assert not may_assign(cast, cast.nils, "pool_north", cast.nils)
    assert may_assign(cast, cast.admin, "nils_north", cast.nora)


def test_a_manager_cannot_assign_a_team_lead_they_cannot_see(cast: Cast) -> None:
    cast.configure(**locked(team_assignment=TeamAssignment.MANAGERS))
    mona = cast.actor(cast.mona)
    assert may_assign(cast, cast.mona, "pool_north", cast.nils)
    # Team privacy hides Nils's lead from her: assigning it must not be offered either.
    assert assign_reasons(mona, cast.leads.nils_north) == []
    assert not may_assign(cast, cast.mona, "nils_north", cast.nora)
    with pytest.raises(NotFound):
        lead_for(mona, cast.leads.nils_north.pk, Action.ASSIGN)


# --- Assign, rule 3: outside teams ---------------------------------------------------------


def test_outside_teams_with_assignment_everyone_a_user_hands_over_the_leads_they_edit(
    cast: Cast,
) -> None:
    cast.configure(**locked(assignment=Assignment.EVERYONE))
    for to in (cast.sid, cast.ursula, cast.nora, None):
        assert assignable(cast, cast.nils, to) == {"nils_solo", "pool"}
    assert assignable(cast, cast.nils, cast.dora) == set()
    # Seeing a colleague's lead is not enough: it takes the right to edit it.
    cast.configure(privacy=Privacy.EVERYTHING_SHARED)
    assert "mona_solo" in sees(cast, cast.nils)
    assert not may_assign(cast, cast.nils, "mona_solo", cast.nils)


def test_outside_teams_with_assignment_everyone_anyone_takes_a_lead_from_the_pool(
    cast: Cast,
) -> None:
    cast.configure(**locked(assignment=Assignment.EVERYONE))
    assert may_assign(cast, cast.ursula, "pool", cast.ursula)
    assert may_assign(cast, cast.ursula, "pool", cast.sam)
    assert not may_assign(cast, cast.ursula, "pool_north", cast.ursula)


def test_outside_teams_with_assignment_admins_only_only_admins_assign(cast: Cast) -> None:
    cast.configure(**LOCKED)
    assert not may_assign(cast, cast.nils, "nils_solo", cast.sid)
    assert not may_assign(cast, cast.nils, "pool", cast.nils)
    assert may_assign(cast, cast.admin, "nils_solo", cast.sid)


def test_a_disabled_user_is_never_an_assignee(cast: Cast) -> None:
    cast.configure(
        privacy=Privacy.EVERYTHING_SHARED,
        assignment=Assignment.EVERYONE,
        team_privacy=TeamPrivacy.TEAM_SHARED,
        team_assignment=TeamAssignment.USERS,
    )
    for user in (cast.admin, cast.mona, cast.nils, cast.ursula, None):
        assert assignable(cast, user, cast.dora) == set()


# --- Place in a team -----------------------------------------------------------------------


def test_with_the_teams_layer_off_nobody_places_a_lead_not_even_an_admin(cast: Cast) -> None:
    cast.configure(teams=False)
    for user in (cast.admin, None, cast.mona, cast.nils):
        for team in (cast.north, cast.south, None):
            assert placeable(cast, user, team) == set()


def test_an_admin_places_any_lead_in_any_team_or_out_of_it(cast: Cast) -> None:
    cast.configure(**LOCKED)
    for team in (cast.north, cast.south, None):
        assert placeable(cast, cast.admin, team) == ALL


def test_a_user_places_a_lead_they_may_edit_in_a_team_they_belong_to(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.TEAM_SHARED))
    assert placeable(cast, cast.nils, cast.north) == owned_by("nils")
    assert placeable(cast, cast.nils, cast.south) == set()
    # Nils sees Nora's lead but may not edit it, so he may not move it.
    assert "nora_north" in sees(cast, cast.nils)
    assert not may_place(cast, cast.nils, "nora_north", None)


def test_a_lead_goes_into_a_team_only_with_an_owner_who_belongs_to_it(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    # Paula edits all of North and is a member of South; of North's leads only her own and the
    # unassigned one may follow her there.
    assert placeable(cast, cast.paula, cast.south) == owned_by("paula") | {"pool_north"}
    # Mona edits Paula's North lead, but is not a member of South herself.
    assert not may_place(cast, cast.mona, "paula_north", cast.south)


def test_taking_a_lead_out_of_its_team_takes_the_right_to_edit_it(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    assert placeable(cast, cast.mona, None) == owned_by("mona") | NORTH
    assert may_place(cast, cast.nils, "nils_north", None)
    assert not may_place(cast, cast.nora, "nils_north", None)
    cast.configure(team_privacy=TeamPrivacy.ADMINS_ONLY)
    assert not may_place(cast, cast.mona, "nils_north", None)


# --- A user in several teams gets the union of what each grants ----------------------------


def test_a_user_in_two_teams_gets_the_union_of_what_each_membership_grants(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    assert sees(cast, cast.paula) == owned_by("paula") | NORTH
    cast.configure(team_privacy=TeamPrivacy.TEAM_SHARED)
    # Manager in North, member in South: sees both, edits North and only her own in South.
    assert sees(cast, cast.paula) == owned_by("paula") | NORTH | SOUTH
    assert edits(cast, cast.paula) == owned_by("paula") | NORTH
    cast.configure(team_assignment=TeamAssignment.MANAGERS)
    assert assignable(cast, cast.paula, cast.nils) == NORTH
    assert assignable(cast, cast.paula, cast.sid) == set()
    cast.configure(team_assignment=TeamAssignment.USERS)
    assert assignable(cast, cast.paula, cast.sid) == SOUTH
    assert assignable(cast, cast.paula, cast.paula) == NORTH | SOUTH


# --- The teams layer -----------------------------------------------------------------------


def test_with_the_teams_layer_off_teams_grant_nothing(cast: Cast) -> None:
    cast.configure(
        privacy=Privacy.ADMINS_ONLY,
        assignment=Assignment.EVERYONE,
        team_privacy=TeamPrivacy.TEAM_SHARED,
        team_assignment=TeamAssignment.USERS,
        teams=False,
    )
    # Every lead now counts as outside teams: unassigned ones are the pool of everyone.
    for persona in ("mona", "paula", "nils", "sid"):
        assert sees(cast, cast.users[persona]) == owned_by(persona) | POOLS
        assert edits(cast, cast.users[persona]) == owned_by(persona)


def test_with_the_teams_layer_off_a_team_lead_follows_the_rule_for_leads_outside_teams(
    cast: Cast,
) -> None:
    cast.configure(assignment=Assignment.EVERYONE, teams=False)
    assert may_assign(cast, cast.nils, "nils_north", cast.sid)
    assert may_assign(cast, cast.sid, "pool_north", cast.sid)
    assert not may_assign(cast, cast.mona, "nils_north", cast.nora)


def test_the_essentials_edition_has_no_teams_layer_and_switching_back_restores_it(
    cast: Cast,
) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    assert sees(cast, cast.mona) == owned_by("mona") | NORTH
    cast.configure(edition=Edition.ESSENTIALS)
    assert sees(cast, cast.mona) == owned_by("mona")
    cast.configure(teams=True)
    assert sees(cast, cast.mona) == owned_by("mona") | NORTH
    # Data was kept all along: the leads never lost their team.
    assert Lead.objects.filter(pk=cast.leads.nils_north.pk, team=cast.north).exists()


# --- A change applies to the very next request ---------------------------------------------


def test_a_settings_change_applies_to_the_next_request(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    during_request = cast.actor(cast.mona)
    cast.configure(team_privacy=TeamPrivacy.ADMINS_ONLY)
    assert sees(cast, cast.mona) == owned_by("mona")
    # A request under way keeps the settings it started with: the actor is computed once.
    assert cast.names(leads_for(during_request)) == owned_by("mona") | NORTH
    cast.configure(privacy=Privacy.EVERYTHING_SHARED)
    assert sees(cast, cast.mona) == ALL


def test_a_membership_change_applies_to_the_next_request(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.MANAGERS_ONLY))
    cast.join(cast.ursula, cast.south, manager=True)
    assert sees(cast, cast.ursula) == owned_by("ursula") | SOUTH
    cast.join(cast.ursula, cast.south, manager=False)
    assert sees(cast, cast.ursula) == owned_by("ursula")
    cast.leave(cast.mona, cast.north)
    assert sees(cast, cast.mona) == owned_by("mona")


# --- Nothing crosses accounts; what may not be seen does not exist -------------------------


def test_nothing_crosses_accounts_even_when_everything_is_shared(cast: Cast) -> None:
    wide_open: dict[str, Any] = {
        "privacy": Privacy.EVERYTHING_SHARED,
        "assignment": Assignment.EVERYONE,
        "team_privacy": TeamPrivacy.TEAM_SHARED,
        "team_assignment": TeamAssignment.USERS,
    }
    cast.configure(**wide_open)
    cast.rival.configure(**wide_open)
    for user in (None, *cast.users.values()):
        assert sees(cast, user) <= ALL  # a Rival lead would show as "rival.<name>"
    for user in (None, cast.rival.rex, cast.rival.rita, cast.rival.rob):
        assert cast.names(leads_for(cast.rival.actor(user))) == {
            f"rival.{name}" for name in cast.rival.leads
        }
    # Acme's North is not Rival's North, though they share a name: Rival's members are not
    # members of any Acme team. (Users of another account never reach the rules at all: the
    # services resolve a user id within the actor's account, and answer "not found".)
    assert not assignable(cast, cast.mona, cast.rival.rob) & (NORTH | SOUTH)


def test_a_lead_the_actor_may_not_see_is_not_found_exactly_like_a_missing_one(
    cast: Cast,
) -> None:
    cast.configure(**LOCKED)
    nils = cast.actor(cast.nils)
    missing_id = max(lead.pk for lead in cast.rival.leads.values()) + 1000
    errors = []
    for lead_id in (cast.leads.sam_south.pk, cast.rival.leads.rob_solo.pk, missing_id):
        with pytest.raises(NotFound) as caught:
            lead_for(nils, lead_id)
        errors.append(caught.value.body())
    assert errors[0] == errors[1] == errors[2]


def test_a_lead_the_actor_sees_but_may_not_change_is_forbidden(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.TEAM_SHARED))
    nils = cast.actor(cast.nils)
    assert lead_for(nils, cast.leads.nora_north.pk) == cast.leads.nora_north
    with pytest.raises(Forbidden):
        lead_for(nils, cast.leads.nora_north.pk, Action.EDIT)
    with pytest.raises(Forbidden):
        lead_for(nils, cast.leads.nora_north.pk, Action.ASSIGN)


# --- Why can I see this? Each grant names its rule -----------------------------------------


def test_every_grant_names_the_rule_behind_it(cast: Cast) -> None:
    cast.configure(**locked(team_privacy=TeamPrivacy.TEAM_SHARED))
    leads = cast.leads
    assert see_reasons(cast.actor(cast.admin), leads.nils_north) == [Reason.ADMIN]
    assert see_reasons(cast.actor(cast.nils), leads.nils_north) == [
        Reason.OWNER,
        Reason.TEAM_SHARED,
    ]
    assert see_reasons(cast.actor(cast.nora), leads.nils_north) == [Reason.TEAM_SHARED]
    assert see_reasons(cast.actor(cast.mona), leads.nils_north) == [
        Reason.TEAM_SHARED,
        Reason.TEAM_MANAGER,
    ]
    assert see_reasons(cast.actor(cast.sid), leads.nils_north) == []
    cast.configure(privacy=Privacy.EVERYTHING_SHARED)
    assert see_reasons(cast.actor(cast.sid), leads.nils_north) == [Reason.ACCOUNT_SHARED]
    assert place_reasons(cast.actor(cast.nils), leads.nils_solo, cast.destination(cast.north)) == [
        Reason.TARGET_TEAM_MEMBER
    ]
