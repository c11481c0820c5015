"""Reads on users and account settings. Every query starts from the actor's account."""

from enum import StrEnum

from django.db.models import Prefetch, QuerySet

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import Account, ApiKey, User
from leadcrew.contacts.search import Matches, search_words
from leadcrew.core.errors import Code, Forbidden, InvalidParameter, NotFound, Unauthorized
from leadcrew.core.lookups import teams_matching, user_lookup
from leadcrew.teams.models import Membership


class UserStatus(StrEnum):
    ALL = "all"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"


class UserRole(StrEnum):
    ALL = "all"
    ADMIN = "admin"
    NON_ADMIN = "non-admin"


def ensure_admin(actor: Actor) -> None:
    """Admin-only operations refuse other users with the reference API's 401 type."""
    if not actor.is_admin:
        raise Unauthorized(Code.ADMINS_ONLY, type="unauthorized_non_admin")


def ensure_teams_on(actor: Actor) -> None:
    """Teams exist only in the dream_team edition with the teams layer turned on."""
    if not actor.settings.teams_on:
        raise Forbidden(Code.TEAMS_OFF)


def account_users(actor: Actor) -> QuerySet[User]:
    """The users of the actor's account, with their teams loaded in one extra query."""
    memberships = Membership.objects.select_related("team").order_by("team__name", "team_id")
    return (
        User.objects.filter(account_id=actor.account_id)
        .select_related("account")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("id")
    )


def user_ids_by_name(actor: Actor, search: str = "") -> list[int]:
    """The ids of the account's users in the order pages list people: by name (or e-mail),
    case aside; with `search`, only those whose name or e-mail holds it, case aside."""
    people = User.objects.filter(account_id=actor.account_id).only(
        "first_name", "last_name", "email"
    )
    wanted = search.casefold()
    found = [
        ((user.full_name or user.email).casefold(), user.pk)
        for user in people
        if not wanted or wanted in user.full_name.casefold() or wanted in user.email.casefold()
    ]
    return [user_id for _, user_id in sorted(found)]


def user_list(
    *,
    actor: Actor,
    email: str | None = None,
    firstname: str | None = None,
    lastname: str | None = None,
    status: str = UserStatus.ALL,
    role: str = UserRole.ALL,
    teams: list[str] | None = None,
    direction: str = "asc",
) -> QuerySet[User]:
    """Every user of the account may list its users: they need them to assign leads. Names
    match exactly, in any case; `teams` are ids or names, members of any of them are listed."""
    users = account_users(actor)
    if direction == "desc":
        users = users.order_by("-id")
    if email:
        users = users.filter(email__iexact=email)
    if firstname is not None:
        users = users.filter(first_name__iexact=firstname)
    if lastname is not None:
        users = users.filter(last_name__iexact=lastname)
    if status == UserStatus.ACTIVATED:
        users = users.filter(is_disabled=False)
    elif status == UserStatus.DEACTIVATED:
        users = users.filter(is_disabled=True)
    if role == UserRole.ADMIN:
        users = users.filter(is_admin=True)
    elif role == UserRole.NON_ADMIN:
        users = users.filter(is_admin=False)
    if teams is not None:
        team_ids = teams_matching(actor, list(teams))
        users = users.filter(memberships__team_id__in=team_ids).distinct()
    return users


def user_search(actor: Actor, q: str | None) -> QuerySet[User]:
    """The account's users whose name or e-mail holds every word of `q`, whatever the case and
    the accents (as the lead search finds words), by name; nobody when `q` has no word."""
    words = search_words(q)
    users = User.objects.filter(account_id=actor.account_id)
    if not words:
        return users.none()
    for word in words:
        users = users.filter(Matches(word, "first_name", "last_name", "email"))
    return users.order_by("first_name", "last_name", "email", "id")


def user_get(*, actor: Actor, user_id: int) -> User:
    user = account_users(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("User")
    return user


def user_get_by_ref(*, actor: Actor, ref: str) -> User:
    """A user of the account named in a URL by id or e-mail (`/users/ann%40acme.test`): 404
    when it names nobody there."""
    try:
        user = user_lookup(actor, ref)
    except InvalidParameter:
        raise NotFound("User") from None
    return user_get(actor=actor, user_id=user.pk)


def account_settings(*, actor: Actor) -> Account:
    """The account as stored now (not the actor's copy, which may predate a change)."""
    ensure_admin(actor)
    return Account.objects.get(pk=actor.account_id)


def api_key_list(*, actor: Actor) -> QuerySet[ApiKey]:
    """The account's keys, revoked ones included (the log names them), oldest first, with
    who created each."""
    ensure_admin(actor)
    keys = ApiKey.objects.filter(account_id=actor.account_id).select_related("created_by")
    return keys.order_by("id")
