"""Who is acting: computed once per request and passed down explicitly."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import OuterRef

from leadcrew.accounts.models import Account, User
from leadcrew.core.expressions import JsonList
from leadcrew.teams.models import Membership


@dataclass(frozen=True)
class AccessSettings:
    """The account settings the access rules read (docs/access-rules.md)."""

    privacy: str
    assignment: str
    teams_on: bool
    team_privacy: str
    team_assignment: str
    only_admins_export_leads: bool
    only_admins_delete_leads: bool
    only_admins_delete_comments: bool = False
    only_admins_delete_client_folders: bool = False
    only_admins_export_client_folders: bool = False

    @classmethod
    def of(cls, account: Account) -> "AccessSettings":
        return cls(
            privacy=account.privacy,
            assignment=account.assignment,
            teams_on=account.teams_layer_on,
            team_privacy=account.team_privacy,
            team_assignment=account.team_assignment,
            only_admins_export_leads=account.only_admins_export_leads,
            only_admins_delete_leads=account.only_admins_delete_leads,
            only_admins_delete_comments=account.only_admins_delete_comments,
            only_admins_delete_client_folders=account.only_admins_delete_client_folders,
            only_admins_export_client_folders=account.only_admins_export_client_folders,
        )

    def with_changes(self, **changes: Any) -> "AccessSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class Actor:
    """A user (or an account API key, which acts as an admin) with their team roles."""

    account: Account
    user_id: int | None
    is_admin: bool
    member_team_ids: frozenset[int]
    managed_team_ids: frozenset[int]
    settings: AccessSettings
    # For an account key: the first characters of the key, to tell keys apart in logs.
    api_key_prefix: str | None = None
    # For an account key: its id, so that the key can revoke itself.
    api_key_id: int | None = None

    @property
    def account_id(self) -> int:
        return self.account.pk

    @property
    def is_api_key(self) -> bool:
        return self.user_id is None

    def with_settings(self, settings: AccessSettings) -> "Actor":
        return replace(self, settings=settings)


def actor_for_user(user: User, account: Account | None = None) -> Actor:
    member: set[int] = set()
    managed: set[int] = set()
    for team_id, is_manager in Membership.objects.filter(user=user).values_list(
        "team_id", "is_manager"
    ):
        member.add(team_id)
        if is_manager:
            managed.add(team_id)
    return actor_with_teams(account or user.account, user.pk, user.is_admin, member, managed)


def actor_with_teams(
    account: Account,
    user_id: int,
    is_admin: bool,
    member_of: Iterable[int],
    manager_of: Iterable[int],
) -> Actor:
    """The actor of a user whose teams were read already (with `team_roles`)."""
    return Actor(
        account=account,
        user_id=user_id,
        is_admin=is_admin,
        member_team_ids=frozenset(member_of),
        managed_team_ids=frozenset(manager_of),
        settings=AccessSettings.of(account),
    )


def team_roles(user_ref: str) -> dict[str, JsonList]:
    """Annotations for a query whose rows point to a user (the column `user_ref`): the ids of
    the teams the user is in (`member_of`) and of those they manage (`manager_of`), as JSON
    arrays, read with the row rather than by a query of their own."""
    memberships = Membership.objects.filter(user_id=OuterRef(user_ref))
    return {
        "member_of": JsonList(memberships, "team_id"),
        "manager_of": JsonList(memberships.filter(is_manager=True), "team_id"),
    }


def actor_for_api_key(
    account: Account, prefix: str | None = None, key_id: int | None = None
) -> Actor:
    return Actor(
        account=account,
        user_id=None,
        is_admin=True,
        member_team_ids=frozenset(),
        managed_team_ids=frozenset(),
        settings=AccessSettings.of(account),
        api_key_prefix=prefix,
        api_key_id=key_id,
    )


# One membership as the rules read it: (user id, team id, is the user a manager of the team).
MembershipRow = tuple[int, int, bool]


def account_memberships(account_id: int) -> list[MembershipRow]:
    """Every membership of the account's teams, in one query: what `actors_for_account` and the
    place rule's destinations are both built from."""
    memberships = Membership.objects.filter(account_id=account_id).order_by()
    return list(memberships.values_list("user_id", "team_id", "is_manager"))


def actors_for_account(
    account: Account,
    settings: AccessSettings | None = None,
    memberships: Iterable[MembershipRow] | None = None,
) -> list[Actor]:
    """An actor for every active user of the account, ordered by id, in two queries whatever the
    number of users (its active users, then `account_memberships` unless given): for answers
    that evaluate the rules for everyone at once. `settings` replaces the account's own (to ask
    what a change of settings would do)."""
    settings = settings or AccessSettings.of(account)
    users = User.objects.filter(account_id=account.pk, is_disabled=False).order_by("pk")
    roles: dict[int, tuple[set[int], set[int]]] = {}
    for user_id, team_id, is_manager in (
        account_memberships(account.pk) if memberships is None else memberships
    ):
        member, managed = roles.setdefault(user_id, (set(), set()))
        member.add(team_id)
        if is_manager:
            managed.add(team_id)
    no_roles: tuple[set[int], set[int]] = (set(), set())
    actors = []
    for user_id, is_admin in users.values_list("pk", "is_admin"):
        member, managed = roles.get(user_id, no_roles)
        actors.append(
            Actor(
                account=account,
                user_id=user_id,
                is_admin=is_admin,
                member_team_ids=frozenset(member),
                managed_team_ids=frozenset(managed),
                settings=settings,
            )
        )
    return actors
