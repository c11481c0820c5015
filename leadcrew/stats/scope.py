"""Whose figures a statistics request may cover (docs/access-rules.md, "Statistics scope"): the one
function that decides it, for lead statistics and activity reports alike.

Scopes:
- `account`: admins (an account API key acts as one);
- `team` (`team_id`): admins, or a manager of that team;
- `teams_managed`: every team the caller manages, consolidated;
- `user` (`user_id`, by default the caller): admins; the member themself, over all their own
  leads; or a manager of a team the member is in, over the member's leads in the teams the
  caller manages.
Without `scope`, `user_id` asks for that user's figures and `team_id` for that team's; with
neither, the caller gets the widest scope they have: the account for an admin, their managed
teams for a manager, else their own figures. A plain user asking for anything else is refused
(403 `forbidden_action`), whatever the privacy settings. With the teams layer off no team
exists: team scopes, a `team_id` and manager rights are all refused or ignored accordingly.
Alongside a scope, `team_id` and `user_id` narrow it (a team's figures for one member, a
member's figures in one team); narrowing never widens what the scope allows.

Decision: the scope is always taken out of what the caller may see (`leads_for`), never
beyond it. §4 says a manager may ask for a managed team's statistics, and also that a lead V
may not see "never shows in any count, total" and that every statistic goes through the one
policy. Both hold when the team's figures are computed over the team's leads the manager may
see: identical to all the team's leads under `team_privacy` `managers_only` or `team_shared`;
under `admins_only` ("only admins can see everything inside teams") a manager still gets the
team scope, but their figures count only what that setting lets them see (their own leads,
and the team's unassigned pool where they dispatch it). The access policy therefore needs no
statistics-specific door.
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.access.policy import leads_for, visible_in_teams
from leadcrew.accounts.models import User
from leadcrew.core.errors import Code, Forbidden, MissingParameter
from leadcrew.core.lookups import team_lookup, user_lookup
from leadcrew.leads.models import Lead
from leadcrew.teams.models import Membership, Team


class ScopeKind(StrEnum):
    ACCOUNT = "account"
    TEAM = "team"
    TEAMS_MANAGED = "teams_managed"
    USER = "user"


@dataclass(frozen=True)
class Scope:
    """Whose figures a request covers, in the parts each kind of statistics needs: lead
    statistics count `leads`; activity reports count the activities logged on `visible` leads
    by `member_id` (anyone when None) for `team_ids` (see leadcrew.activities.selectors)."""

    kind: ScopeKind
    visible: QuerySet[Lead]  # the scope's live leads, whoever owns them
    member_id: int | None = None  # the member the figures are about, if one
    team_ids: tuple[int, ...] | None = None  # the teams the figures are about, if some

    @property
    def leads(self) -> QuerySet[Lead]:
        """The live leads every lead statistic is computed over: the member's own, if one."""
        if self.member_id is None:
            return self.visible
        return self.visible.filter(owner_id=self.member_id)


def statistics_scope(
    actor: Actor,
    *,
    kind: ScopeKind | None = None,
    team_id: int | None = None,
    user_ref: int | str | None = None,
) -> Scope:
    """The scope of a statistics request (lead statistics and activity reports alike), or
    Forbidden / a parameter error."""
    # team_lookup refuses any team_id while the teams layer is off.
    team = team_lookup(actor, team_id) if team_id is not None else None
    user = user_lookup(actor, user_ref) if user_ref is not None else None
    if kind is None:
        kind = _implied_kind(actor, team, user)
    scope = _scope(actor, kind, team, user)
    if team is not None and kind != ScopeKind.TEAM:
        teams = scope.team_ids
        scope = replace(
            scope,
            visible=scope.visible.filter(team_id=team.pk),
            team_ids=(team.pk,) if teams is None or team.pk in teams else (),
        )
    if user is not None and kind != ScopeKind.USER:
        scope = replace(scope, member_id=user.pk)
    return scope


def _implied_kind(actor: Actor, team: Team | None, user: User | None) -> ScopeKind:
    if user is not None:
        return ScopeKind.USER
    if team is not None:
        return ScopeKind.TEAM
    if actor.is_admin:
        return ScopeKind.ACCOUNT
    if _managed_team_ids(actor):
        return ScopeKind.TEAMS_MANAGED
    return ScopeKind.USER


def _managed_team_ids(actor: Actor) -> list[int]:
    """Manager rights exist only while the teams layer is on."""
    return sorted(actor.managed_team_ids) if actor.settings.teams_on else []


def _scope(actor: Actor, kind: ScopeKind, team: Team | None, user: User | None) -> Scope:
    if kind == ScopeKind.ACCOUNT:
        if not actor.is_admin:
            raise Forbidden(Code.STATS_ACCOUNT_FORBIDDEN)
        return Scope(kind, leads_for(actor))
    if kind == ScopeKind.TEAM:
        team_pk = _team_in_scope(actor, team).pk
        return Scope(kind, visible_in_teams(actor, [team_pk]), team_ids=(team_pk,))
    if kind == ScopeKind.TEAMS_MANAGED:
        _require_teams(actor)
        managed = _managed_team_ids(actor)
        if not managed:
            raise Forbidden(Code.MANAGES_NO_TEAM)
        return Scope(kind, visible_in_teams(actor, managed), team_ids=tuple(managed))
    return _member_scope(actor, user)


def _require_teams(actor: Actor) -> None:
    if not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)


def may_see_team_figures(actor: Actor, team_id: int) -> bool:
    """Whether the caller may ask for one team's figures: an admin or the team's manager,
    while the teams layer is on. Decided without a query (a page offers every team)."""
    return actor.settings.teams_on and (actor.is_admin or team_id in actor.managed_team_ids)


def _team_in_scope(actor: Actor, team: Team | None) -> Team:
    _require_teams(actor)
    if team is None:
        raise MissingParameter("team_id")
    if not may_see_team_figures(actor, team.pk):
        raise Forbidden(Code.STATS_TEAM_FORBIDDEN)
    return team


def _member_scope(actor: Actor, user: User | None) -> Scope:
    member_id = user.pk if user is not None else actor.user_id
    if member_id is None:  # an account API key is nobody: it must name the member
        raise MissingParameter("user_id")
    if actor.is_admin or member_id == actor.user_id:
        return Scope(ScopeKind.USER, leads_for(actor), member_id=member_id)
    managed = _managed_team_ids(actor)
    if (
        not managed
        or not Membership.objects.filter(user_id=member_id, team_id__in=managed).exists()
    ):
        raise Forbidden(Code.STATS_MEMBER_FORBIDDEN)
    # Only the member's figures in the caller's managed teams: not their other teams', nor
    # their leads outside any team.
    return Scope(
        ScopeKind.USER,
        visible_in_teams(actor, managed),
        member_id=member_id,
        team_ids=tuple(managed),
    )
