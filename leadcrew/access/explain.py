"""Why may a user see, edit, assign or place a lead: the policy's own reason functions, asked
about one lead (the lead page's "who can see this", GET /leads/{id}/access).

Nothing here decides anything: every verdict is what `see_reasons`, `edit_reasons`,
`assign_reasons` and `place_reasons` answer, gated by seeing exactly as `leads_for` and `can`
gate it, so an explanation cannot disagree with what the user actually gets.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from leadcrew.access.actor import (
    Actor,
    MembershipRow,
    account_memberships,
    actors_for_account,
)
from leadcrew.access.policy import (
    Destination,
    LeadFacts,
    Reason,
    assign_reasons,
    destinations_open_to,
    edit_reasons,
    lead_for,
    place_reasons_among,
    see_reasons,
)
from leadcrew.teams.models import Team

# What each reason code means, for people reading an explanation (and the API's documentation).
REASON_MEANINGS: dict[Reason, str] = {
    Reason.ADMIN: "the user is an admin of the account (or the caller is an account API key)",
    Reason.OWNER: "the user owns the lead (under place: which lets them take it out of its team)",
    Reason.ACCOUNT_SHARED: "privacy is everything_shared: every user sees every lead",
    Reason.TEAM_SHARED: "the user is a member of the lead's team and team_privacy is team_shared",
    Reason.TEAM_MANAGER: "the user manages the lead's team (to see, edit, or take it out of the "
    "team: team_privacy is managers_only or team_shared; to assign: team_assignment is managers)",
    Reason.TEAM_MEMBER: "the user is a member of the lead's team and team_assignment is users "
    "(the team's unassigned leads, and its assigned leads the user sees)",
    Reason.UNASSIGNED_POOL: "the lead is unassigned and the user may assign it: the pool is "
    "visible to whoever may dispatch it",
    Reason.OPEN_ASSIGNMENT: "the lead is in no team, assignment is everyone, and the user may "
    "edit it or it is unassigned",
    Reason.TARGET_TEAM_MEMBER: "the user may edit the lead and is a member of a team it can be "
    "placed in (its owner, if any, being a member too)",
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Explanation:
    """One user's rights on one lead (`user_id` None: an account API key)."""

    lead_id: int
    user_id: int | None
    see: Verdict
    edit: Verdict
    assign: Verdict
    place: Verdict


@dataclass(frozen=True)
class LeadAccess:
    """The caller's explanation and, for an admin, every active user's."""

    caller: Explanation
    users: list[Explanation] | None


def _verdict(reasons: Iterable[Reason]) -> Verdict:
    return _verdict_of(tuple(dict.fromkeys(reasons)))


@cache
def _verdict_of(reasons: tuple[Reason, ...]) -> Verdict:
    """One shared Verdict per list of reasons (they are few): explaining a lead to every user
    of a large account would otherwise make thousands of equal ones."""
    return Verdict(allowed=bool(reasons), reasons=reasons)


NOT_SEEN = _verdict_of(())
Destinations = Mapping[int | None, Destination]


def place_destinations(
    lead: LeadFacts, destinations: Destinations
) -> dict[int | None, Destination]:
    """Where the lead could be moved: any team but its own, or out of its team if it has one."""
    if lead.team_id is None:
        return {team: d for team, d in destinations.items() if team is not None}
    return {team: d for team, d in destinations.items() if team != lead.team_id}


@dataclass(frozen=True)
class LeadIds:
    """The two ids the rules read, copied off a Lead once: explaining a lead to a thousand
    users reads them tens of thousands of times."""

    owner_id: int | None
    team_id: int | None


def explain(actor: Actor, lead_id: int, lead: LeadFacts, moves: Destinations) -> Explanation:
    """The actor's rights on the lead. `moves`: where the lead could be placed, whoever asks
    (`place_destinations` of every team of the account with its members)."""
    see = see_reasons(actor, lead)
    if not see:
        # Every right needs sight first, as in `leads_for` and `can`: the other rules are not
        # asked (most users of a large account do not see a given lead).
        return Explanation(lead_id, actor.user_id, NOT_SEEN, NOT_SEEN, NOT_SEEN, NOT_SEEN)
    place = place_reasons_among(actor, lead, destinations_open_to(actor, moves))
    return Explanation(
        lead_id=lead_id,
        user_id=actor.user_id,
        see=_verdict(see),
        edit=_verdict(edit_reasons(actor, lead)),
        assign=_verdict(assign_reasons(actor, lead)),
        place=_verdict(place),
    )


def account_destinations(
    account_id: int, memberships: Iterable[MembershipRow] | None = None
) -> dict[int | None, Destination]:
    """Every team of the account with its members, then "out of any team": the teams, then
    `account_memberships` unless given."""
    members: dict[int, set[int]] = {
        team_id: set()
        for team_id in Team.objects.filter(account_id=account_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    }
    for user_id, team_id, _ in (
        account_memberships(account_id) if memberships is None else memberships
    ):
        members[team_id].add(user_id)
    destinations: dict[int | None, Destination] = {
        team_id: Destination(team_id, frozenset(users)) for team_id, users in members.items()
    }
    destinations[None] = Destination(team_id=None)
    return destinations


def lead_access(actor: Actor, lead_id: int) -> LeadAccess:
    """The caller's rights on a lead they see (404 otherwise, as for any lead they may not see)
    and, for an admin or an account key, every active user's: in a fixed number of queries."""
    found = lead_for(actor, lead_id)
    lead = LeadIds(owner_id=found.owner_id, team_id=found.team_id)
    memberships = account_memberships(actor.account_id)
    moves = place_destinations(lead, account_destinations(actor.account_id, memberships))
    caller = explain(actor, found.pk, lead, moves)
    if not actor.is_admin:
        return LeadAccess(caller=caller, users=None)
    users = [
        explain(user, found.pk, lead, moves)
        for user in actors_for_account(actor.account, actor.settings, memberships)
    ]
    return LeadAccess(caller=caller, users=users)
