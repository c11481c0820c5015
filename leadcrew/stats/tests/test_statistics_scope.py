"""Who gets which statistics (docs/access-rules.md, "Statistics scope"), on the shared cast.

Every cast lead is created now, open, in the default pipeline's first step, so a lead's
presence in a scope shows as `created_count` over the default period (the last twelve months).
North's leads: mona_north, paula_north, nils_north, nora_north, dora_north, ursula_north and
pool_north (7); South's: paula_south, sam_south, sid_south and pool_south (4); Acme has 18.
"""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadcrew.accounts.models import User
from leadcrew.leads.models import Lead
from leadcrew.teams.models import Team
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db


def ask(cast: Cast, user: User | None, **params: Any) -> Any:
    return Client(headers=cast.headers(user)).get("/api/v2/statistics", params)


def created(cast: Cast, user: User | None, **params: Any) -> int:
    """How many leads the request counts; fails unless it is answered."""
    answer = ask(cast, user, **params)
    assert answer.status_code == 200, answer.content
    return int(answer.json()["totals"]["created_count"])


def refused(cast: Cast, user: User | None, **params: Any) -> bool:
    answer = ask(cast, user, **params)
    assert answer.status_code in (200, 403), answer.content
    if answer.status_code == 403:
        assert answer.json()["type"] == "forbidden_action"
    return bool(answer.status_code == 403)


def test_an_admin_may_ask_for_any_scope(cast: Cast) -> None:
    for admin in (cast.admin, None):  # Ada, then the account's API key
        assert ask(cast, admin).json()["scope"] == "account"
        assert created(cast, admin) == 18  # nothing of Rival
        assert created(cast, admin, scope="team", team_id=cast.north.pk) == 7
        assert created(cast, admin, scope="team", team_id=cast.south.pk) == 4
        assert created(cast, admin, scope="user", user_id=cast.paula.pk) == 3
        assert created(cast, admin, user_id=cast.nils.email) == 2
        assert created(cast, admin, scope="account", team_id=cast.north.pk) == 7  # a filter
        # Ada manages no team, and an API key is nobody.
        assert refused(cast, admin, scope="teams_managed")
    assert created(cast, cast.admin, scope="user") == 1  # Ada's own lead
    missing = ask(cast, None, scope="user")
    assert (missing.status_code, missing.json()["type"]) == (422, "missing_parameter")


def test_a_manager_of_two_teams_gets_each_and_both_but_not_a_third(cast: Cast) -> None:
    cast.join(cast.mona, cast.south, manager=True)
    east = Team.objects.create(account=cast.account, name="East")
    cast.join(cast.sid, east)
    Lead.objects.filter(pk=cast.leads.sid_solo.pk).update(team=east)

    assert created(cast, cast.mona, scope="team", team_id=cast.north.pk) == 7
    assert created(cast, cast.mona, scope="team", team_id=cast.south.pk) == 4
    assert created(cast, cast.mona, scope="teams_managed") == 11  # without mona_solo
    assert ask(cast, cast.mona).json()["scope"] == "teams_managed"  # the widest she has
    assert created(cast, cast.mona) == 11
    assert refused(cast, cast.mona, scope="team", team_id=east.pk)
    assert refused(cast, cast.mona, team_id=east.pk)
    assert refused(cast, cast.mona, scope="account")
    # Sid's figures for her: his South lead, not his lead in East.
    assert created(cast, cast.mona, scope="user", user_id=cast.sid.pk) == 1


def test_a_members_figures_for_a_manager_count_only_the_managed_teams(cast: Cast) -> None:
    # Paula manages North and is a plain member of South; Sam manages South.
    assert created(cast, cast.paula, scope="user", user_id=cast.paula.pk) == 3  # her own: all
    assert created(cast, cast.mona, scope="user", user_id=cast.paula.pk) == 1  # paula_north
    assert created(cast, cast.sam, scope="user", user_id=cast.paula.pk) == 1  # paula_south
    assert created(cast, cast.paula, user_id=cast.nils.pk) == 1  # nils_north, not nils_solo
    assert refused(cast, cast.paula, user_id=cast.sid.pk)  # she does not manage South
    assert refused(cast, cast.paula, scope="team", team_id=cast.south.pk)
    # Ursula left North but her lead stayed there: it counts for North, yet she is no member
    # of a team Mona manages.
    assert refused(cast, cast.mona, user_id=cast.ursula.pk)
    members = ask(cast, cast.mona, group_by="member").json()["groups"]
    assert {group["key"] for group in members} == {
        cast.mona.pk, cast.paula.pk, cast.nils.pk, cast.nora.pk, cast.dora.pk, cast.ursula.pk,
        None,
    }  # fmt: skip


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"privacy": "everything_shared"},
        {"privacy": "everything_shared", "team_privacy": "team_shared"},
        {"team_privacy": "team_shared", "team_assignment": "users"},
    ],
)
def test_a_plain_user_only_ever_gets_their_own_figures(
    cast: Cast, settings: dict[str, Any]
) -> None:
    cast.configure(**settings)
    answer = ask(cast, cast.nils, group_by="member")
    assert answer.json()["scope"] == "user"
    assert [group["key"] for group in answer.json()["groups"]] == [cast.nils.pk]
    assert created(cast, cast.nils) == 2
    assert created(cast, cast.nils, scope="user", team_id=cast.north.pk) == 1  # his, in North
    for params in (
        {"scope": "account"},
        {"scope": "teams_managed"},
        {"scope": "team", "team_id": cast.north.pk},
        {"team_id": cast.north.pk},
        {"user_id": cast.nora.pk},
        {"scope": "user", "user_id": cast.admin.email},
    ):
        assert refused(cast, cast.nils, **params), params


def test_with_the_teams_layer_off_no_team_scope_exists(cast: Cast) -> None:
    cast.configure(teams=False)
    assert refused(cast, None, scope="team", team_id=cast.north.pk)
    assert refused(cast, None, scope="teams_managed")
    assert refused(cast, None, scope="account", team_id=cast.north.pk)
    assert refused(cast, None, group_by="team")
    assert created(cast, None, scope="account") == 18
    # Mona manages nothing while teams are off: her own figures, and no one else's.
    assert ask(cast, cast.mona).json()["scope"] == "user"
    assert created(cast, cast.mona) == 2
    assert refused(cast, cast.mona, scope="teams_managed")
    assert refused(cast, cast.mona, user_id=cast.nils.pk)


def test_a_manager_under_admins_only_team_privacy_counts_only_what_they_see(cast: Cast) -> None:
    """The scope never reaches past what the caller may see (see stats.scope): under
    team_privacy = admins_only Mona still gets North's scope, over her own North lead and
    North's unassigned pool, which she dispatches (team_assignment = managers)."""
    cast.configure(team_privacy="admins_only")
    assert created(cast, cast.mona, scope="team", team_id=cast.north.pk) == 2
    assert created(cast, cast.mona, user_id=cast.nils.pk) == 0
    cast.configure(team_assignment="admins")
    assert created(cast, cast.mona, scope="team", team_id=cast.north.pk) == 1
    assert created(cast, cast.admin, scope="team", team_id=cast.north.pk) == 7


def test_binned_leads_and_other_accounts_never_count(cast: Cast) -> None:
    Lead.objects.filter(pk=cast.leads.nils_north.pk).update(deleted_at=timezone.now())
    assert created(cast, None) == 17
    assert created(cast, cast.nils) == 1
    assert created(cast, cast.mona, scope="team", team_id=cast.north.pk) == 6
    rival_team = ask(cast, None, team_id=cast.rival.north.pk)
    assert (rival_team.status_code, rival_team.json()["type"]) == (422, "invalid_parameter")
    rival_user = ask(cast, None, user_id=cast.rival.rob.pk)
    assert (rival_user.status_code, rival_user.json()["type"]) == (422, "invalid_parameter")
