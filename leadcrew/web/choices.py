"""Which people, teams and actions a page offers: only those the access policy would allow.

Nothing is decided here: every offer is the answer of `policy.can` (and the bulk plans'
own checks), asked about the lead at hand or, for a bulk action over leads not yet known, about
one representative lead of every kind the rules tell apart (as leadcrew.access.preview does).
The services check again when the form comes back, so an offer is a convenience, never a right.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from leadcrew.access.actor import Actor
from leadcrew.access.explain import account_destinations
from leadcrew.access.kinds import ELSEWHERE, LeadKind, lead_kinds
from leadcrew.access.policy import (
    Action,
    Assignee,
    Destination,
    LeadFacts,
    can,
    destinations_open_to,
    may_delete_leads,
    may_export_leads,
)
from leadcrew.accounts.models import User
from leadcrew.contacts.selectors import FieldDef, lead_field_defs
from leadcrew.leads.models import Pipeline, Step
from leadcrew.teams.models import Membership, Team


@dataclass
class Directory:
    """The account's people, teams and pipelines, read once per request (a fixed number of
    queries whatever the number of leads)."""

    actor: Actor
    _owners: dict[tuple[int | None, int | None], list[User]] = field(default_factory=dict)
    _someone: dict[tuple[int | None, int | None], bool] = field(default_factory=dict)
    _teams: dict[tuple[int | None, int | None], list[Team]] = field(default_factory=dict)

    @cached_property
    def users(self) -> list[User]:
        """Every user of the account, the disabled included (their leads stay), by name."""
        return by_name(User.objects.filter(account_id=self.actor.account_id))

    @cached_property
    def assignees(self) -> dict[int, Assignee]:
        """Every user as the assign rule sees them, by id, read as plain values: with a
        thousand users, model instances took longer than the rest of a page."""
        team_ids: dict[int, set[int]] = {}
        memberships = Membership.objects.filter(account_id=self.actor.account_id)
        for user_id, team_id in memberships.values_list("user_id", "team_id"):
            team_ids.setdefault(user_id, set()).add(team_id)
        users = User.objects.filter(account_id=self.actor.account_id).order_by("pk")
        return {
            user_id: Assignee(user_id, not is_disabled, frozenset(team_ids.get(user_id, ())))
            for user_id, is_disabled in users.values_list("pk", "is_disabled")
        }

    @cached_property
    def active_count(self) -> int:
        """How many active people the account has (counted: a page that needs no one's name
        reads no one)."""
        account_users = User.objects.filter(account_id=self.actor.account_id)
        return account_users.filter(is_disabled=False).count()

    @cached_property
    def lead_fields(self) -> list[FieldDef]:
        """The account's lead fields, in their order (the list's columns and filter)."""
        return lead_field_defs(self.actor)

    @cached_property
    def active_users(self) -> list[User]:
        return [user for user in self.users if not user.is_disabled]

    def assignee(self, user: User) -> Assignee:
        return self.assignees[user.pk]

    @cached_property
    def teams(self) -> list[Team]:
        if not self.actor.settings.teams_on:
            return []
        return list(Team.objects.filter(account_id=self.actor.account_id).order_by("name", "id"))

    @cached_property
    def destinations(self) -> dict[int | None, Destination]:
        """Every team as the place rule sees it, and None: out of any team."""
        if not self.teams:
            return {None: Destination(None)}
        return account_destinations(self.actor.account_id)

    @cached_property
    def pipelines(self) -> list[Pipeline]:
        """Pipelines with their steps, in order: two queries."""
        pipelines = list(
            Pipeline.objects.filter(account_id=self.actor.account_id).order_by("position", "id")
        )
        steps: dict[int, list[Step]] = {}
        for step in Step.objects.filter(account_id=self.actor.account_id).order_by(
            "position", "id"
        ):
            steps.setdefault(step.pipeline_id, []).append(step)
        for pipeline in pipelines:
            pipeline.ordered_steps = steps.get(pipeline.pk, [])  # type: ignore[attr-defined]
        return pipelines

    # --- Offers for one lead ----------------------------------------------------------------

    def owners_for(self, lead: LeadFacts) -> list[User]:
        """The users the actor may give this lead to. The rules read only a lead's owner and
        team, so leads alike share one answer (a page of the pool asks once per team)."""
        key = (lead.owner_id, lead.team_id)
        if key not in self._owners:
            self._owners[key] = self.owners_among(lead, self.active_users)
        return self._owners[key]

    def may_give_to(self, lead: LeadFacts, user_id: int) -> bool:
        """Whether the actor may give this lead to this user (an active one)."""
        assignee = self.assignees.get(user_id)
        return (
            assignee is not None
            and assignee.is_active
            and can(self.actor, Action.ASSIGN, lead, assignee)
        )

    def may_give_to_someone(self, lead: LeadFacts) -> bool:
        """Whether the actor may give this lead to anyone: most often to the actor, asked
        first, before reading everyone (leads alike share one answer, as in owners_for)."""
        key = (lead.owner_id, lead.team_id)
        if key not in self._someone:
            me = self.actor.user_id
            self._someone[key] = (me is not None and self.may_give_to(lead, me)) or any(
                self.may_give_to(lead, user_id) for user_id in self.assignees
            )
        return self._someone[key]

    def owners_among(self, lead: LeadFacts, users: Iterable[User]) -> list[User]:
        """Those of `users` the actor may give this lead to."""
        return [user for user in users if self.may_give_to(lead, user.pk)]

    def new_lead_owners_among(
        self, users: Iterable[User], team_ids: Iterable[int | None]
    ) -> list[User]:
        """Those of `users` a new lead placed in one of `team_ids` (None: in no team) may go
        to, as lead_create decides: the actor, and whom the assign rule lets them give it to
        there. Each place is asked only about the people no place before it offered: an
        admin's first answer is everyone, not once per team."""
        users = list(users)
        me = self.actor.user_id
        offered = {user.pk for user in users if user.pk == me}
        others = [user for user in users if user.pk != me]
        for team_id in team_ids:
            if not others:
                break
            offered |= {user.pk for user in self.owners_among(LeadKind(None, team_id), others)}
            others = [user for user in others if user.pk not in offered]
        return [user for user in users if user.pk in offered]

    @cached_property
    def new_lead_teams(self) -> list[Team]:
        """The teams the actor may create a lead in: those they may place a lead of theirs in."""
        return self.teams_for(LeadKind(self.actor.user_id, None))

    def may_unassign(self, lead: LeadFacts) -> bool:
        return lead.owner_id is not None and can(self.actor, Action.ASSIGN, lead)

    def teams_for(self, lead: LeadFacts) -> list[Team]:
        """The teams the actor may place this lead in (its own team included, when allowed).
        Leads alike share one answer, as in owners_for: a page of the pool asks once per team,
        not once per lead of every team."""
        key = (lead.owner_id, lead.team_id)
        if key not in self._teams:
            self._teams[key] = [
                team
                for team in self.teams
                if can(self.actor, Action.PLACE, lead, self.destinations[team.pk])
            ]
        return self._teams[key]

    def may_take_out_of_team(self, lead: LeadFacts) -> bool:
        return (
            self.actor.settings.teams_on
            and lead.team_id is not None
            and can(self.actor, Action.PLACE, lead, self.destinations[None])
        )

    # --- Offers for a bulk action over leads not known yet ----------------------------------

    @cached_property
    def _kinds(self) -> list[LeadKind]:
        """One lead of every kind the rules tell apart, among those the actor sees."""
        return list(lead_kinds(self.actor))

    def _bulk_assignable(self, assignee: Assignee) -> bool:
        """Whether some lead the actor sees could be given to this user."""
        return assignee.is_active and any(
            can(self.actor, Action.ASSIGN, k, assignee) for k in self._kinds
        )

    def bulk_owners_among(self, users: Iterable[User]) -> list[User]:
        """Those of `users` some lead the actor sees could be given to."""
        return [
            user
            for user in users
            if user.pk in self.assignees and self._bulk_assignable(self.assignees[user.pk])
        ]

    @cached_property
    def bulk_may_assign(self) -> bool:
        """Whether some lead the actor sees could be given to someone: most often to the
        actor, asked first, before reading everyone."""
        actor = self.actor
        me = Assignee(actor.user_id, True, actor.member_team_ids) if actor.user_id else None
        if me is not None and self._bulk_assignable(me):
            return True
        return any(self._bulk_assignable(assignee) for assignee in self.assignees.values())

    @cached_property
    def bulk_may_unassign(self) -> bool:
        return any(can(self.actor, Action.ASSIGN, k) for k in self._kinds if k.owner_id is not None)

    @cached_property
    def bulk_teams(self) -> list[Team]:
        """Teams some lead the actor sees could be placed in. A lead's owner may be anyone,
        so the destination counts "someone else" among its members."""
        open_to = destinations_open_to(self.actor, self.destinations)
        offered = set()
        for destination in open_to:
            if destination.team_id is None:
                continue
            widened = Destination(destination.team_id, destination.member_ids | {ELSEWHERE})
            if any(can(self.actor, Action.PLACE, k, widened) for k in self._kinds):
                offered.add(destination.team_id)
        return [team for team in self.teams if team.pk in offered]

    @cached_property
    def bulk_may_take_out_of_team(self) -> bool:
        return self.actor.settings.teams_on and any(
            can(self.actor, Action.PLACE, k, self.destinations[None])
            for k in self._kinds
            if k.team_id is not None
        )

    @property
    def may_delete(self) -> bool:
        return may_delete_leads(self.actor)

    @property
    def may_export(self) -> bool:
        return may_export_leads(self.actor)


def by_name(users: Iterable[User]) -> list[User]:
    """People in the order the pages list them: by name (or e-mail), case aside."""
    return sorted(users, key=lambda u: ((u.full_name or u.email).casefold(), u.pk))


def user_label(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""
