"""Representative leads: the rules read only a lead's owner and team, and of those only whether
they are the actor, someone else or nobody, one of the actor's teams (which one matters),
another team or none. So one made-up lead of each kind answers for every real lead of that kind,
without reading any: the privacy preview weighs each kind by its count, and the pages offer
bulk choices that the rules allow for at least one kind.

Other users' ids and other teams' ids never change a verdict, so a sentinel id (`ELSEWHERE`,
matching no user and no team) stands for all of them.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from leadcrew.access.actor import Actor

# An owner or team id no row has: "someone else" / "another team".
ELSEWHERE = -1


@dataclass(frozen=True)
class LeadKind:
    """A representative lead: what the rules read of it."""

    owner_id: int | None
    team_id: int | None


def lead_kinds(actor: Actor) -> Iterator[LeadKind]:
    """One lead of every kind the rules tell apart for this actor: owned by them, by someone
    else or by nobody; in one of their teams, in another team or in none."""
    teams: list[int | None] = [None]
    if actor.settings.teams_on:
        teams += [ELSEWHERE, *sorted(actor.member_team_ids)]
    for team_id in teams:
        for owner_id in (actor.user_id, None, ELSEWHERE):
            yield LeadKind(owner_id, team_id)
