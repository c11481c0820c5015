"""What a change of account settings would do to each user's access, before it is saved
("Preview a privacy change" in docs/access-rules.md).

It must stay fast on an account of a million leads and a thousand users, so no lead is read:
one grouped query counts the live leads per (owner, team), and the policy's own reason functions
are asked about one representative lead per kind of lead, weighted by how many leads are of
that kind.

The kinds are those of `leadcrew.access.kinds`; the counts of the kinds "someone else's" and
"another team" are the account's totals minus the user's own kinds.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count

from leadcrew.access.actor import AccessSettings, Actor, actors_for_account
from leadcrew.access.kinds import ELSEWHERE, LeadKind
from leadcrew.access.policy import account_leads, edit_reasons, see_reasons
from leadcrew.accounts.models import Account
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.accounts.services import SettingsChange, account_settings_apply


@dataclass(frozen=True)
class AccessChange:
    """How many live leads a user would start or stop seeing, and editing."""

    user_id: int
    see_gained: int
    see_lost: int
    edit_gained: int
    edit_lost: int


@dataclass
class LeadCounts:
    """The account's live leads counted per owner and team, from one grouped query."""

    by_owner: dict[int, dict[int | None, int]] = field(default_factory=dict)  # owner -> team -> n
    owned_by_team: dict[int | None, int] = field(default_factory=dict)  # assigned leads per team
    pool_by_team: dict[int | None, int] = field(default_factory=dict)  # unassigned, per team
    owned_in_teams: int = 0  # assigned leads in any team
    pool_in_teams: int = 0  # unassigned leads in any team

    @classmethod
    def of(cls, actor: Actor) -> "LeadCounts":
        counts = cls()
        groups = (
            account_leads(actor)
            .order_by()
            .values_list("owner_id", "team_id")
            .annotate(n=Count("pk"))
        )
        for owner_id, team_id, n in groups:
            if owner_id is None:
                counts.pool_by_team[team_id] = counts.pool_by_team.get(team_id, 0) + n
                continue
            counts.by_owner.setdefault(owner_id, {})[team_id] = n
            counts.owned_by_team[team_id] = counts.owned_by_team.get(team_id, 0) + n
        counts.owned_in_teams = sum(n for t, n in counts.owned_by_team.items() if t is not None)
        counts.pool_in_teams = sum(n for t, n in counts.pool_by_team.items() if t is not None)
        return counts

    def kinds(self, actor: Actor) -> Iterator[tuple[LeadKind, int]]:
        """Every kind of lead as the actor's rules tell them apart, with its count."""
        me, teams = actor.user_id, actor.member_team_ids  # managed teams are among these
        mine = self.by_owner.get(me, {}) if me is not None else {}
        mine_elsewhere = sum(
            n for team, n in mine.items() if team is not None and team not in teams
        )
        for team in teams:
            yield LeadKind(me, team), mine.get(team, 0)
            yield LeadKind(ELSEWHERE, team), self.owned_by_team.get(team, 0) - mine.get(team, 0)
            yield LeadKind(None, team), self.pool_by_team.get(team, 0)
        yield LeadKind(me, None), mine.get(None, 0)
        yield LeadKind(me, ELSEWHERE), mine_elsewhere
        yield LeadKind(ELSEWHERE, None), self.owned_by_team.get(None, 0) - mine.get(None, 0)
        owned_in_my_teams = sum(self.owned_by_team.get(team, 0) for team in teams)
        yield (
            LeadKind(ELSEWHERE, ELSEWHERE),
            self.owned_in_teams - owned_in_my_teams - mine_elsewhere,
        )
        yield LeadKind(None, None), self.pool_by_team.get(None, 0)
        pool_in_my_teams = sum(self.pool_by_team.get(team, 0) for team in teams)
        yield LeadKind(None, ELSEWHERE), self.pool_in_teams - pool_in_my_teams


def _rights(actor: Actor, lead: LeadKind) -> tuple[bool, bool]:
    """(sees, edits), editing needing sight as in `leads_for`."""
    sees = bool(see_reasons(actor, lead))
    return sees, sees and bool(edit_reasons(actor, lead))


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise ValueError("an account key is not a user: it has no access to preview")
    return actor.user_id


def access_change(before: Actor, after: Actor, counts: LeadCounts) -> AccessChange:
    """What the user gains and loses going from `before`'s settings to `after`'s."""
    see_gained = see_lost = edit_gained = edit_lost = 0
    for lead, n in counts.kinds(before):
        if not n:
            continue
        (saw, edited), (sees, edits) = _rights(before, lead), _rights(after, lead)
        see_gained += n * (sees and not saw)
        see_lost += n * (saw and not sees)
        edit_gained += n * (edits and not edited)
        edit_lost += n * (edited and not edits)
    return AccessChange(_user_id(before), see_gained, see_lost, edit_gained, edit_lost)


def settings_preview(*, actor: Actor, change: SettingsChange) -> list[AccessChange]:
    """For every active user, what saving `change` would change in the leads they see and
    edit. Checks the change exactly as saving does; saves nothing."""
    ensure_admin(actor)
    account = Account.objects.get(pk=actor.account_id)
    before = AccessSettings.of(account)
    account_settings_apply(account, change)  # a copy, never saved
    after = AccessSettings.of(account)
    users = actors_for_account(actor.account, before)
    if after == before:
        return [AccessChange(_user_id(user), 0, 0, 0, 0) for user in users]
    counts = LeadCounts.of(actor)
    return [access_change(user, user.with_settings(after), counts) for user in users]
