"""The access rules of docs/access-rules.md, through the HTTP API, for every combination of the five
settings and every kind of user of the shared cast.

The expected answers come from `Oracle`, a plain restatement of §4 written for this test alone:
it shares no code with leadcrew.access, so a mistake in the policy cannot hide in both.
"""

import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.leads.models import Lead
from leadcrew.teams.models import Membership
from leadcrew.testing.cast import Cast

PRIVACY = ("everything_shared", "admins_only")
ASSIGNMENT = ("everyone", "admins_only")
TEAMS = (True, False)
TEAM_PRIVACY = ("admins_only", "managers_only", "team_shared")
TEAM_ASSIGNMENT = ("admins", "managers", "users")
COMBINATIONS = list(itertools.product(PRIVACY, ASSIGNMENT, TEAMS, TEAM_PRIVACY, TEAM_ASSIGNMENT))
if connection.vendor != "sqlite":
    # The API layer does not change with the database, and the property test proves the
    # policy's filter on each one: a quarter of the combinations keeps the second run short.
    COMBINATIONS = COMBINATIONS[::4]
PERSONAS = ("ada", "mona", "paula", "nils", "sam", "sid", "ursula", None)  # None: the API key
TARGETS = ("nils", "ursula", "dora", None)


@dataclass(frozen=True)
class Oracle:
    """docs/access-rules.md, word for word, over plain values."""

    privacy: str
    assignment: str
    teams_on: bool
    team_privacy: str
    team_assignment: str
    members: dict[int, set[int]]  # team id -> member ids (managers included)
    managers: dict[int, set[int]]  # team id -> manager ids
    active: set[int]
    admins: set[int]

    def team(self, lead: Lead) -> int | None:
        return lead.team_id if self.teams_on else None

    def sees_by_role(self, v: int | None, lead: Lead) -> bool:
        team = self.team(lead)
        return (
            v is None  # an account key acts as an admin
            or v in self.admins
            or lead.owner_id == v
            or self.privacy == "everything_shared"
            or (team is not None and v in self.members[team] and self.team_privacy == "team_shared")
            or (
                team is not None
                and v in self.managers[team]
                and self.team_privacy in ("managers_only", "team_shared")
            )
        )

    def sees(self, v: int | None, lead: Lead) -> bool:
        return self.sees_by_role(v, lead) or (
            lead.owner_id is None and self.may_assign(v, lead, None)
        )

    def edits(self, v: int | None, lead: Lead) -> bool:
        team = self.team(lead)
        return (
            v is None
            or v in self.admins
            or lead.owner_id == v
            or (
                team is not None
                and v in self.managers[team]
                and self.team_privacy in ("managers_only", "team_shared")
            )
        )

    def may_assign(self, v: int | None, lead: Lead, target: int | None) -> bool:
        """May V give L to `target` (None: to anyone at all, or unassign it)?"""
        if target is not None and target not in self.active:
            return False
        if v is None or v in self.admins:
            return True
        team = self.team(lead)
        if team is not None:
            target_fits = target is None or target in self.members[team]
            # A lead V cannot see is answered "not found": only the pool is dispatched unseen.
            seen = lead.owner_id is None or self.sees_by_role(v, lead)
            by_manager = self.team_assignment == "managers" and v in self.managers[team] and seen
            # Assign 2 for members: the team's pool, and the assigned leads they see.
            by_member = self.team_assignment == "users" and v in self.members[team] and seen
            return (by_manager or by_member) and target_fits
        return self.assignment == "everyone" and (lead.owner_id is None or self.edits(v, lead))

    def places(self, v: int | None, lead: Lead, team_id: int) -> bool:
        if not self.teams_on:
            return False
        if v is None or v in self.admins:
            return True
        return (
            self.edits(v, lead)
            and v in self.members[team_id]
            and (lead.owner_id is None or lead.owner_id in self.members[team_id])
        )


def oracle_for(cast: Cast, combination: tuple[str, str, bool, str, str]) -> Oracle:
    privacy, assignment, teams_on, team_privacy, team_assignment = combination
    members: dict[int, set[int]] = {team.pk: set() for team in cast.teams.values()}
    managers: dict[int, set[int]] = {team.pk: set() for team in cast.teams.values()}
    for membership in Membership.objects.filter(account=cast.account):
        members[membership.team_id].add(membership.user_id)
        if membership.is_manager:
            managers[membership.team_id].add(membership.user_id)
    users = User.objects.filter(account=cast.account)
    return Oracle(
        privacy=privacy,
        assignment=assignment,
        teams_on=teams_on,
        team_privacy=team_privacy,
        team_assignment=team_assignment,
        members=members,
        managers=managers,
        active={user.pk for user in users if not user.is_disabled},
        admins={user.pk for user in users if user.is_admin},
    )


def answer(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A write whose effects are rolled back, so every check starts from the same cast."""
    with transaction.atomic():
        response = getattr(client, method)(
            path, json.dumps(body or {}), content_type="application/json"
        )
        transaction.set_rollback(True)
    return response


def expected(allowed: bool, seen: bool) -> int:
    return 200 if allowed else (403 if seen else 404)


# Hundreds of requests for each of the combinations: minutes in all.
@pytest.mark.slow
@pytest.mark.parametrize(
    "combination", COMBINATIONS, ids=["-".join(map(str, combo)) for combo in COMBINATIONS]
)
def test_every_rule_through_the_api(
    cast: Cast, combination: tuple[str, str, bool, str, str]
) -> None:
    privacy, assignment, teams_on, team_privacy, team_assignment = combination
    cast.configure(
        privacy=privacy,
        assignment=assignment,
        teams=teams_on,
        team_privacy=team_privacy,
        team_assignment=team_assignment,
    )
    oracle = oracle_for(cast, combination)
    leads = list(cast.leads.values())
    missing = Client(headers=cast.headers()).get("/api/v2/leads/999999999").json()

    for persona in PERSONAS:
        user = cast.users[persona] if persona else None
        v = user.pk if user else None
        client = Client(headers=cast.headers(user))
        who = f"{persona or 'api key'} under {combination}"

        # List and its count: exactly the leads the rules let V see, and nothing of Rival.
        listing = client.get("/api/v2/leads?include_unassigned=true&limit=1000")
        visible = {lead.pk for lead in leads if oracle.sees(v, lead)}
        assert {row["id"] for row in listing.json()} == visible, who
        assert listing["X-TOTAL-COUNT"] == str(len(visible)), who

        for number, lead in enumerate(leads):
            seen = lead.pk in visible
            what = f"{who}, lead {cast.lead_name(lead)}"
            path = f"/api/v2/leads/{lead.pk}"

            detail = client.get(path)
            assert detail.status_code == (200 if seen else 404), what
            if not seen:
                assert detail.json() == missing, what  # the same body as a lead that never was

            update = answer(client, "put", path, {"title": "Renamed"})
            assert update.status_code == expected(seen and oracle.edits(v, lead), seen), what

            # Each lead goes to another kind of target: a North member, a user in no team, a
            # disabled user, or nobody (unassigning it).
            target = TARGETS[number % len(TARGETS)]
            target_id = cast.users[target].pk if target else None
            assign = answer(client, "post", f"{path}/assign", {"user_id": target_id})
            if target == "dora" and seen:
                assert assign.status_code == 422, what  # a disabled user is nobody's assignee
            else:
                allowed = seen and oracle.may_assign(v, lead, target_id)
                assert assign.status_code == expected(allowed, seen), f"{what}, to {target}"

            place = answer(client, "put", path, {"team_id": cast.north.pk})
            allowed = seen and oracle.places(v, lead, cast.north.pk)
            assert place.status_code == expected(allowed, seen), f"{what}, into North"


def test_a_disabled_users_token_is_refused_everywhere(cast: Cast) -> None:
    client = Client(headers=cast.headers(cast.dora))
    for path in ("/api/v2/leads", f"/api/v2/leads/{cast.leads.dora_north.pk}", "/api/v2/ping"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["type"] == "unauthorized_disabled_token"


def test_a_setting_change_shows_on_the_very_next_request(cast: Cast) -> None:
    client = Client(headers=cast.headers(cast.nils))
    before = client.get("/api/v2/leads?include_unassigned=true")
    cast.configure(team_privacy="team_shared")
    after = client.get("/api/v2/leads?include_unassigned=true")
    gained = {row["id"] for row in after.json()} - {row["id"] for row in before.json()}
    assert cast.names(gained) >= {"mona_north", "nora_north", "paula_north"}
