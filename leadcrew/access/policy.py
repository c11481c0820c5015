"""THE access policy (docs/access-rules.md): the one place that decides who may see, edit, assign
and place a lead, and what the account's security toggles allow.

Every rule is written twice, side by side: as reasons for one (actor, lead) pair, and as a
database filter over an account's leads. A property test checks that the two agree on random
accounts. Every lead read in the code starts from `leads_for` / `lead_for` below.

Filters follow one convention: an empty `Q()` grants every lead, `NOTHING` grants none, and
`_union` ORs branches (Django's `Q() | q` would silently drop the "everything" branch).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce
from operator import or_
from typing import Protocol

from django.db.models import Q, QuerySet

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import Assignment, Privacy, TeamAssignment, TeamPrivacy
from leadcrew.core.errors import Code, Forbidden, NotFound
from leadcrew.leads.models import Lead, PlaceTally

NOTHING = Q(pk__in=[])
MANAGERS_SEE_TEAM = (TeamPrivacy.MANAGERS_ONLY, TeamPrivacy.TEAM_SHARED)


class Action(StrEnum):
    SEE = "see"
    EDIT = "edit"
    ASSIGN = "assign"
    PLACE = "place"


class Reason(StrEnum):
    """Why an action is allowed; stable codes shown to users and API clients."""

    ADMIN = "admin"  # the actor is an admin (or an account API key)
    OWNER = "owner"  # the actor owns the lead
    ACCOUNT_SHARED = "account_shared"  # privacy = everything_shared
    TEAM_SHARED = "team_shared"  # member of the lead's team, team_privacy = team_shared
    TEAM_MANAGER = "team_manager"  # manager of the lead's team
    TEAM_MEMBER = "team_member"  # member of the lead's team, team_assignment = users
    UNASSIGNED_POOL = "unassigned_pool"  # unassigned lead the actor may dispatch
    OPEN_ASSIGNMENT = "open_assignment"  # lead outside teams, assignment = everyone
    TARGET_TEAM_MEMBER = "target_team_member"  # may edit, and belongs to the destination team


class LeadFacts(Protocol):
    """What the rules read of a lead: a Lead instance, or any row carrying these two ids."""

    @property
    def owner_id(self) -> int | None: ...

    @property
    def team_id(self) -> int | None: ...


@dataclass(frozen=True)
class LeadIds:
    """The facts of a lead read as a row rather than a model instance."""

    owner_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class Assignee:
    """A user a lead may be given to, with what the assign rule needs to know of them."""

    user_id: int
    is_active: bool
    team_ids: frozenset[int]


@dataclass(frozen=True)
class Destination:
    """A team a lead may be placed in (None: out of any team), with its members' ids."""

    team_id: int | None
    member_ids: frozenset[int] = frozenset()


def _union(branches: list[Q]) -> Q:
    if any(not branch for branch in branches):
        return Q()
    return reduce(or_, branches) if branches else NOTHING


def _team_of(actor: Actor, lead: LeadFacts) -> int | None:
    """The lead's team as the rules count it: teams exist only while the layer is on."""
    return lead.team_id if actor.settings.teams_on else None


def _teamless(actor: Actor) -> Q:
    return Q(team__isnull=True) if actor.settings.teams_on else Q()


# --- See ------------------------------------------------------------------------------------


def _see_by_role_reasons(actor: Actor, lead: LeadFacts) -> list[Reason]:
    """Rules 1–5 of "See": everything but the unassigned pool."""
    settings, team = actor.settings, _team_of(actor, lead)
    reasons = []
    if actor.is_admin:
        reasons.append(Reason.ADMIN)
    if actor.user_id is not None and lead.owner_id == actor.user_id:
        reasons.append(Reason.OWNER)
    if settings.privacy == Privacy.EVERYTHING_SHARED:
        reasons.append(Reason.ACCOUNT_SHARED)
    if team is not None:
        if settings.team_privacy == TeamPrivacy.TEAM_SHARED and team in actor.member_team_ids:
            reasons.append(Reason.TEAM_SHARED)
        if settings.team_privacy in MANAGERS_SEE_TEAM and team in actor.managed_team_ids:
            reasons.append(Reason.TEAM_MANAGER)
    return reasons


def _sees_everything(actor: Actor) -> bool:
    return actor.is_admin or actor.settings.privacy == Privacy.EVERYTHING_SHARED


def _teams_seen(actor: Actor) -> frozenset[int]:
    """Rules 4–5 of "See": the teams every lead of which the actor sees by their role there."""
    settings = actor.settings
    if not settings.teams_on:
        return frozenset()
    teams: frozenset[int] = frozenset()
    if settings.team_privacy == TeamPrivacy.TEAM_SHARED:
        teams |= actor.member_team_ids
    if settings.team_privacy in MANAGERS_SEE_TEAM:
        teams |= actor.managed_team_ids
    return teams


def _see_by_role_filter(actor: Actor) -> Q:
    if _sees_everything(actor):
        return Q()
    branches = []
    if actor.user_id is not None:
        branches.append(Q(owner_id=actor.user_id))
    teams = _teams_seen(actor)
    if teams:
        branches.append(Q(team_id__in=sorted(teams)))
    return _union(branches)


def see_reasons(actor: Actor, lead: LeadFacts) -> list[Reason]:
    reasons = _see_by_role_reasons(actor, lead)
    # Rule 6: the unassigned pool is visible to whoever may dispatch it.
    if lead.owner_id is None and assign_reasons(actor, lead):
        reasons.append(Reason.UNASSIGNED_POOL)
    return reasons


def see_filter(actor: Actor) -> Q:
    return _union([_see_by_role_filter(actor), Q(owner__isnull=True) & assign_filter(actor)])


def sees_every_lead(actor: Actor, *, assigned_only: bool) -> bool:
    """Whether the actor sees every live lead of the account (with `assigned_only`: every one
    that has an owner), so that what they see is counted by the account's lead tally."""
    if assigned_only:
        return _sees_everything(actor)
    return not see_filter(actor)


# --- Edit -----------------------------------------------------------------------------------


def edit_reasons(actor: Actor, lead: LeadFacts) -> list[Reason]:
    team = _team_of(actor, lead)
    reasons = []
    if actor.is_admin:
        reasons.append(Reason.ADMIN)
    if actor.user_id is not None and lead.owner_id == actor.user_id:
        reasons.append(Reason.OWNER)
    if (
        team is not None
        and actor.settings.team_privacy in MANAGERS_SEE_TEAM
        and team in actor.managed_team_ids
    ):
        reasons.append(Reason.TEAM_MANAGER)
    return reasons


def edit_filter(actor: Actor) -> Q:
    if actor.is_admin:
        return Q()
    branches = []
    if actor.user_id is not None:
        branches.append(Q(owner_id=actor.user_id))
    settings = actor.settings
    if settings.teams_on and settings.team_privacy in MANAGERS_SEE_TEAM and actor.managed_team_ids:
        branches.append(Q(team_id__in=sorted(actor.managed_team_ids)))
    return _union(branches)


def team_managers_edit(actor: Actor, lead: LeadFacts) -> bool:
    """Whether the managers of the lead's team may change it (rule "Edit"), whoever the actor
    is: what a read-only reader is told about who may."""
    return _team_of(actor, lead) is not None and actor.settings.team_privacy in MANAGERS_SEE_TEAM


# --- Assign ---------------------------------------------------------------------------------


def assign_reasons(actor: Actor, lead: LeadFacts, assignee: Assignee | None = None) -> list[Reason]:
    """Why the actor may assign the lead: to `assignee`, or, without one, at all (which is also
    the right to unassign it)."""
    settings, team = actor.settings, _team_of(actor, lead)
    if assignee is not None and not assignee.is_active:
        return []
    reasons = []
    if actor.is_admin:
        reasons.append(Reason.ADMIN)
    if team is not None:
        target_ok = assignee is None or team in assignee.team_ids
        # A manager dispatches the team's pool even where team privacy hides the team's other
        # leads from them; those they cannot see they cannot assign either (they answer 404).
        if (
            settings.team_assignment == TeamAssignment.MANAGERS
            and team in actor.managed_team_ids
            and (lead.owner_id is None or _see_by_role_reasons(actor, lead))
            and target_ok
        ):
            reasons.append(Reason.TEAM_MANAGER)
        # Any member dispatches the team's pool (so they see it: See 6); of its assigned leads,
        # they reassign those they see.
        if (
            settings.team_assignment == TeamAssignment.USERS
            and team in actor.member_team_ids
            and (lead.owner_id is None or _see_by_role_reasons(actor, lead))
            and target_ok
        ):
            reasons.append(Reason.TEAM_MEMBER)
    elif settings.assignment == Assignment.EVERYONE and (
        lead.owner_id is None or edit_reasons(actor, lead)
    ):
        reasons.append(Reason.OPEN_ASSIGNMENT)
    return reasons


def assign_filter(actor: Actor, assignee: Assignee | None = None) -> Q:
    settings = actor.settings
    if assignee is not None and not assignee.is_active:
        return NOTHING
    if actor.is_admin:
        return Q()
    branches = []
    if settings.teams_on:
        allowed_targets = None if assignee is None else assignee.team_ids
        if settings.team_assignment == TeamAssignment.MANAGERS:
            teams = _restrict(actor.managed_team_ids, allowed_targets)
            if teams:
                seen = _union([Q(owner__isnull=True), _see_by_role_filter(actor)])
                branches.append(Q(team_id__in=teams) & seen)
        if settings.team_assignment == TeamAssignment.USERS:
            teams = _restrict(actor.member_team_ids, allowed_targets)
            if teams:
                seen = _union([Q(owner__isnull=True), _see_by_role_filter(actor)])
                branches.append(Q(team_id__in=teams) & seen)
    if settings.assignment == Assignment.EVERYONE:
        branches.append(_teamless(actor) & _union([Q(owner__isnull=True), edit_filter(actor)]))
    return _union(branches)


def _restrict(team_ids: frozenset[int], allowed: frozenset[int] | None) -> list[int]:
    return sorted(team_ids if allowed is None else team_ids & allowed)


# --- Place in a team ------------------------------------------------------------------------


def place_reasons(actor: Actor, lead: LeadFacts, destination: Destination) -> list[Reason]:
    return place_reasons_among(actor, lead, [destination])


def place_reasons_among(
    actor: Actor, lead: LeadFacts, destinations: Sequence[Destination]
) -> list[Reason]:
    """`place_reasons` of each destination in turn, one list after the other (the lead's edit
    rights, which every destination asks, are worked out once)."""
    if not actor.settings.teams_on:
        return []
    if actor.is_admin:
        return [Reason.ADMIN] * len(destinations)
    editing = edit_reasons(actor, lead)
    if not editing:
        return []
    reasons: list[Reason] = []
    for destination in destinations:
        if destination.team_id is None:
            reasons += editing
        elif destination.team_id in actor.member_team_ids and (
            lead.owner_id is None or lead.owner_id in destination.member_ids
        ):
            reasons.append(Reason.TARGET_TEAM_MEMBER)
    return reasons


def destinations_open_to(
    actor: Actor, destinations: Mapping[int | None, Destination]
) -> list[Destination]:
    """The destinations (by team id; None: out of any team) where `place_reasons` may grant the
    actor anything (the others never do): for anyone but an admin, the teams they are a member
    of and out of any team. Teams by id, then out of any team. Looked up from the actor's teams
    rather than by reading every destination: an explanation asks it for every user."""
    if actor.is_admin:
        teams = [team for team in destinations if team is not None]
    else:
        teams = [team for team in actor.member_team_ids if team in destinations]
    found = [destinations[team] for team in sorted(teams)]
    if None in destinations:
        found.append(destinations[None])
    return found


def place_filter(actor: Actor, destination: Destination) -> Q:
    if not actor.settings.teams_on:
        return NOTHING
    if actor.is_admin:
        return Q()
    if destination.team_id is None:
        return edit_filter(actor)
    if destination.team_id not in actor.member_team_ids:
        return NOTHING
    owner_in_team = Q(owner__isnull=True) | Q(owner_id__in=sorted(destination.member_ids))
    return edit_filter(actor) & owner_in_team


# --- The security toggles and bulk actions --------------------------------------------------


def may_delete_leads(actor: Actor) -> bool:
    """The toggle `only_admins_delete_leads`, on top of the edit right every deletion needs."""
    return actor.is_admin or not actor.settings.only_admins_delete_leads


def ensure_may_delete(actor: Actor) -> None:
    if not may_delete_leads(actor):
        raise Forbidden(Code.ONLY_ADMINS_DELETE)


def may_export_leads(actor: Actor) -> bool:
    """The toggle `only_admins_export_leads`: lead exports and statistics exports alike."""
    return actor.is_admin or not actor.settings.only_admins_export_leads


def ensure_may_export(actor: Actor) -> None:
    if not may_export_leads(actor):
        raise Forbidden(Code.ONLY_ADMINS_EXPORT)


def undo_filter(actor: Actor, action: Action, *, deletes: bool = False) -> Q:
    """The leads, live or in the bin, on which the actor may undo a bulk action now: they see
    the lead (in the bin: they would, were it live) and `action`, the single-lead rule of the
    bulk action (EDIT, or ASSIGN for a bulk assign), grants it under today's teams and
    settings. `deletes`: the undo sends the leads back to the bin, which
    `only_admins_delete_leads` may refuse. An admin undoes on every lead."""
    if deletes and not may_delete_leads(actor):
        return NOTHING
    if action == Action.EDIT:
        rule = edit_filter(actor)
    elif action == Action.ASSIGN:
        rule = assign_filter(actor)
    else:
        raise ValueError(f"no undo is checked against {action!r}")
    return see_filter(actor) & rule


def bulk_actions_filter(actor: Actor) -> Q:
    """The bulk actions an actor may see and undo: their own, or every one for an admin."""
    return Q() if actor.is_admin else Q(actor_id=actor.user_id)


# --- The one door to leads ------------------------------------------------------------------


def account_leads(actor: Actor) -> QuerySet[Lead]:
    """Live leads of the actor's account, before any rule: the base of every other query."""
    return live_leads_of(actor.account_id)


def live_leads_of(account_id: int) -> QuerySet[Lead]:
    """Live leads of one account (account_leads, where the account is all there is to know)."""
    return Lead.objects.filter(account_id=account_id, deleted_at__isnull=True)


def visible_places(actor: Actor) -> QuerySet[PlaceTally]:
    """The place tally's rows of the leads the actor may see: the visibility rule read on the
    tally's team, owner and status, which are the lead's. The sum of their counts is how many
    leads the actor sees, with no lead read."""
    return places_of(actor.account_id).filter(see_filter(actor))


def places_of(account_id: int) -> QuerySet[PlaceTally]:
    """The place tally's rows of one account, before any rule."""
    return PlaceTally.objects.filter(account_id=account_id)


def system_leads() -> QuerySet[Lead]:
    """Live leads of every account, for jobs that act for no user (reminders, purges)."""
    return Lead.objects.filter(deleted_at__isnull=True)


def system_binned_leads() -> QuerySet[Lead]:
    """Leads in the bin of every account, for the job that purges the expired ones."""
    return Lead.objects.filter(deleted_at__isnull=False)


def binned_leads_for(actor: Actor) -> QuerySet[Lead]:
    """The account's leads in the bin that the actor may restore: those they could edit were the
    lead live (docs/access-rules.md). A binned lead is listed only to those who may restore it,
    so the
    bin's "see" is this same set; nothing else in the product ever shows a binned lead."""
    binned = Lead.objects.filter(account_id=actor.account_id, deleted_at__isnull=False)
    return binned.filter(see_filter(actor)).filter(edit_filter(actor))


def leads_for(actor: Actor, action: Action = Action.SEE) -> QuerySet[Lead]:
    """The leads the actor may act on. Editing, assigning or placing needs seeing too."""
    visible = account_leads(actor).filter(see_filter(actor))
    if action == Action.SEE:
        return visible
    if action == Action.EDIT:
        return visible.filter(edit_filter(actor))
    if action == Action.ASSIGN:
        return visible.filter(assign_filter(actor))
    raise ValueError(f"{action} needs a target: use assignable_to or placeable_in")


def visible_in_teams(actor: Actor, team_ids: list[int]) -> QuerySet[Lead]:
    """The leads of these teams the actor may see: `leads_for(actor)` narrowed to the teams.
    When the actor sees every lead of each of them (an admin, or a role there that shows the
    whole team) that is the teams' leads, asked for as such: the database then reads the teams'
    rows only, instead of every branch of the visibility rule (docs/architecture.md)."""
    if _sees_everything(actor) or set(team_ids) <= _teams_seen(actor):
        return account_leads(actor).filter(team_id__in=team_ids)
    return leads_for(actor).filter(team_id__in=team_ids)


def assignable_to(actor: Actor, assignee: Assignee | None) -> QuerySet[Lead]:
    return leads_for(actor).filter(assign_filter(actor, assignee))


def placeable_in(actor: Actor, destination: Destination) -> QuerySet[Lead]:
    return leads_for(actor).filter(place_filter(actor, destination))


def lead_for(
    actor: Actor, lead_id: int, action: Action = Action.SEE, *, for_update: bool = False
) -> Lead:
    """One lead: 404 when the actor may not see it (exactly as if it did not exist), 403 when
    they see it but the action is refused. `for_update` locks the row until the transaction
    ends, so two concurrent edits apply one after the other."""
    visible = leads_for(actor)
    if for_update:
        visible = visible.select_for_update(of=("self",))
    lead = visible.filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("Lead")
    if action == Action.EDIT and not edit_reasons(actor, lead):
        raise Forbidden(Code.LEAD_READ_ONLY)
    if action == Action.ASSIGN and not assign_reasons(actor, lead):
        raise Forbidden(Code.LEAD_ASSIGN_FORBIDDEN)
    if action == Action.PLACE:
        raise ValueError("placing needs a destination: use place_reasons on the lead")
    return lead


def can(
    actor: Actor,
    action: Action,
    lead: LeadFacts,
    target: Assignee | Destination | None = None,
) -> bool:
    """Yes or no, from the same rules as `leads_for`, `assignable_to` and `placeable_in`.

    `target` is, for ASSIGN, the assignee (None: may the actor assign or unassign it at all);
    for PLACE, the destination, which is required.
    """
    if not see_reasons(actor, lead):
        return False
    if action == Action.SEE:
        return True
    if action == Action.EDIT:
        return bool(edit_reasons(actor, lead))
    if action == Action.ASSIGN:
        if target is not None and not isinstance(target, Assignee):
            raise TypeError(f"assigning needs an Assignee, not {target!r}")
        return bool(assign_reasons(actor, lead, target))
    if action == Action.PLACE:
        if not isinstance(target, Destination):
            raise TypeError(f"placing needs a Destination, not {target!r}")
        return bool(place_reasons(actor, lead, target))
    raise ValueError(f"unknown action {action!r}")


def all_account_leads(actor: Actor) -> QuerySet[Lead]:
    """Every lead of the actor's account, the bin included, before any rule. Only for bulk
    actions: writing the leads one has just selected through the rules (and recorded), and
    undoing one, which puts back what its author was allowed to change at the time."""
    return Lead.objects.filter(account_id=actor.account_id)
