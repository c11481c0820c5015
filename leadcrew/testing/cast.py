"""The shared cast every authorization test starts from (docs/architecture.md, convention 8).

Acme, edition dream_team, teams layer on:

    Ada      account admin, in no team
    North    managers Mona and Paula; members Nils, Nora and Dora (disabled)
    South    manager Sam; members Sid and Paula
    Ursula   in no team

Paula is the user in two teams: she manages North and is a plain member of South.

Acme's leads, named `<owner>_<team or "solo">`, cover every shape: one per person and team they
belong to, leads outside any team, `ursula_north` (an owner outside the lead's team: a member
who left keeps their leads in it), `dora_north` (a disabled owner), and the unassigned pool
with and without a team (`pool`, `pool_north`, `pool_south`).

Rival is a second account, with its own admin Rex, a team also called "North" (manager Rita,
member Rob) and its own leads: nothing of it may ever show in Acme's answers, nor the reverse.

Both accounts start from `CAST_SETTINGS`: the product defaults, except that the teams layer is
on and `privacy = admins_only`, the usual set-up with teams ("only admins can see others'
items") and the one where the team rules decide something. Change them with `configure`.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.access.policy import Assignee, Destination
from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
)
from leadcrew.accounts.services import account_create, user_token_issue
from leadcrew.leads.models import Lead, Step
from leadcrew.teams.models import Membership, Team

CAST_PASSWORD = "cast-password-1"

CAST_SETTINGS: dict[str, Any] = {
    "teams": True,
    "privacy": Privacy.ADMINS_ONLY,
    "assignment": Assignment.EVERYONE,
    "team_privacy": TeamPrivacy.MANAGERS_ONLY,
    "team_assignment": TeamAssignment.MANAGERS,
}

# What `configure` accepts besides `teams`, with the enum that validates each value.
SETTING_CHOICES: dict[str, Any] = {
    "edition": Edition,
    "privacy": Privacy,
    "assignment": Assignment,
    "team_privacy": TeamPrivacy,
    "team_assignment": TeamAssignment,
    "only_admins_export_leads": bool,
    "only_admins_delete_leads": bool,
    "only_admins_delete_comments": bool,
    "only_admins_delete_client_folders": bool,
    "only_admins_export_client_folders": bool,
}

# lead name -> (owner persona or None, team name or None)
ACME_LEADS: dict[str, tuple[str | None, str | None]] = {
    "ada_solo": ("ada", None),
    "mona_north": ("mona", "North"),
    "mona_solo": ("mona", None),
    "paula_north": ("paula", "North"),
    "paula_south": ("paula", "South"),
    "paula_solo": ("paula", None),
    "nils_north": ("nils", "North"),
    "nils_solo": ("nils", None),
    "nora_north": ("nora", "North"),
    "dora_north": ("dora", "North"),
    "sam_south": ("sam", "South"),
    "sid_south": ("sid", "South"),
    "sid_solo": ("sid", None),
    "ursula_solo": ("ursula", None),
    "ursula_north": ("ursula", "North"),
    "pool": (None, None),
    "pool_north": (None, "North"),
    "pool_south": (None, "South"),
}

RIVAL_LEADS: dict[str, tuple[str | None, str | None]] = {
    "rex_solo": ("rex", None),
    "rita_north": ("rita", "North"),
    "rob_north": ("rob", "North"),
    "rob_solo": ("rob", None),
    "pool": (None, None),
    "pool_north": (None, "North"),
}


class Named[T](dict[str, T]):
    """A dict whose entries also read as attributes: `cast.leads.nils_north`."""

    def __getattr__(self, name: str) -> T:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(kw_only=True)
class Tenant:
    """One account of the cast, with what a test needs to act in it as anyone."""

    account: Account
    api_key: str
    admin: User
    users: Named[User]
    teams: Named[Team]
    leads: Named[Lead]
    _tokens: dict[int, str] = field(default_factory=dict, repr=False)

    def configure(self, *, teams: bool | None = None, **settings: Any) -> Account:
        """Saves account settings, e.g. `configure(teams=False, privacy="everything_shared")`.

        `teams=True` also moves the account to dream_team (the only edition with teams) unless
        `edition` is given; `edition="essentials"` alone turns the layer off, as switching down
        does. Values are checked against their enums so a typo fails loudly.
        """
        account = self.account
        for name, value in settings.items():
            if name not in SETTING_CHOICES:
                known = ", ".join(["teams", *SETTING_CHOICES])
                raise TypeError(f"unknown setting {name!r}; known: {known}")
            setattr(account, name, SETTING_CHOICES[name](value))
        if teams is None and account.edition == Edition.ESSENTIALS:
            teams = False  # switching down turns the teams layer off (docs/access-rules.md)
        if teams is not None:
            account.teams_enabled = teams
            if teams and "edition" not in settings:
                account.edition = Edition.DREAM_TEAM
        account.save()
        # Users were created with this very Account instance, so they see the new values too.
        account.refresh_from_db()
        return account

    def actor(self, user: User | None = None) -> Actor:
        """The actor of a fresh request: as `user`, or as the account's API key when None.

        Everything is read again from the database, as on a real request, so a settings or
        membership change made since shows at once.
        """
        if user is None:
            return actor_for_api_key(Account.objects.get(pk=self.account.pk))
        user = User.objects.select_related("account").get(pk=user.pk)
        return actor_for_user(user, user.account)

    def token(self, user: User) -> str:
        """A raw user token for `X-USER-TOKEN`, issued once per user and reused."""
        if user.pk not in self._tokens:
            self._tokens[user.pk] = user_token_issue(user=user)
        return self._tokens[user.pk]

    def headers(self, user: User | None = None) -> dict[str, str]:
        """API headers acting as `user`, or as the account's API key when None:
        `client.get(url, headers=cast.headers(cast.nils))`."""
        if user is None:
            return {"X-API-KEY": self.api_key}
        return {"X-USER-TOKEN": self.token(user)}

    def assignee(self, user: User) -> Assignee:
        """The user as the assign rule sees them, read fresh from the database."""
        user = User.objects.get(pk=user.pk)
        team_ids = Membership.objects.filter(user=user).values_list("team_id", flat=True)
        return Assignee(user_id=user.pk, is_active=user.is_active, team_ids=frozenset(team_ids))

    def destination(self, team: Team | None) -> Destination:
        """A team (or None: out of any team) as the place rule sees it."""
        if team is None:
            return Destination(team_id=None)
        member_ids = Membership.objects.filter(team=team).values_list("user_id", flat=True)
        return Destination(team_id=team.pk, member_ids=frozenset(member_ids))

    def join(self, user: User, team: Team, *, manager: bool = False) -> Membership:
        membership, _ = Membership.objects.update_or_create(
            account=self.account, team=team, user=user, defaults={"is_manager": manager}
        )
        return membership

    def leave(self, user: User, team: Team) -> None:
        Membership.objects.filter(team=team, user=user).delete()

    def lead_name(self, lead: Lead | int) -> str:
        lead_id = lead if isinstance(lead, int) else lead.pk
        for name, known in self.leads.items():
            if known.pk == lead_id:
                return name
        raise KeyError(f"lead {lead_id} is not one of {self.account.name}'s cast leads")


@dataclass(kw_only=True)
class RivalCast(Tenant):
    rex: User
    rita: User
    rob: User
    north: Team


@dataclass(kw_only=True)
class Cast(Tenant):
    mona: User
    nils: User
    nora: User
    paula: User
    sam: User
    sid: User
    ursula: User
    dora: User
    north: Team
    south: Team
    rival: RivalCast

    def names(self, leads: Any) -> set[str]:
        """Cast names of the given leads (a queryset or any iterable of leads or ids); a lead of
        Rival shows as `rival.<name>`, so a leak across accounts reads plainly in a failure."""
        names = set()
        for lead in leads:
            try:
                names.add(self.lead_name(lead))
            except KeyError:
                names.add("rival." + self.rival.lead_name(lead))
        return names


def _tenant_parts(
    *,
    name: str,
    domain: str,
    admin_name: str,
    people: dict[str, str],
    memberships: dict[str, dict[str, bool]],
    leads: dict[str, tuple[str | None, str | None]],
) -> dict[str, Any]:
    """Builds one account: `people` maps persona to first name, `memberships` team name to
    {persona: is_manager}."""
    created = account_create(
        name=name,
        admin_email=f"{admin_name}@{domain}",
        admin_password=CAST_PASSWORD,
        admin_first_name=admin_name.capitalize(),
        edition=Edition.DREAM_TEAM,
    )
    account = created.account
    password = make_password(CAST_PASSWORD)
    users = Named[User]({admin_name: created.admin})
    for persona, first_name in people.items():
        users[persona] = User.objects.create(
            account=account,
            email=f"{persona}@{domain}",
            first_name=first_name,
            password=password,
        )
    teams = Named[Team]()
    for team_name, members in memberships.items():
        team = teams[team_name.lower()] = Team.objects.create(account=account, name=team_name)
        for persona, is_manager in members.items():
            Membership.objects.create(
                account=account, team=team, user=users[persona], is_manager=is_manager
            )
    step = Step.objects.filter(account=account, pipeline__is_default=True).order_by("position")[0]
    named_leads = Named[Lead]()
    for lead_name, (owner, lead_team) in leads.items():
        named_leads[lead_name] = Lead.objects.create(
            account=account,
            title=f"{name} {lead_name}",
            currency=account.currency,
            step=step,
            owner=users[owner] if owner else None,
            team=teams[lead_team.lower()] if lead_team else None,
            created_by=created.admin,
        )
    return {
        "account": account,
        "api_key": created.api_key,
        "admin": created.admin,
        "users": users,
        "teams": teams,
        "leads": named_leads,
    }


def build_cast(**settings: Any) -> Cast:
    """Creates Acme and Rival (see the module docstring) with `CAST_SETTINGS`, overridden by
    `settings` (same keywords as `Tenant.configure`) on both accounts."""
    acme = _tenant_parts(
        name="Acme",
        domain="acme.test",
        admin_name="ada",
        people={
            "mona": "Mona",
            "nils": "Nils",
            "nora": "Nora",
            "paula": "Paula",
            "sam": "Sam",
            "sid": "Sid",
            "ursula": "Ursula",
            "dora": "Dora",
        },
        memberships={
            "North": {"mona": True, "paula": True, "nils": False, "nora": False, "dora": False},
            "South": {"sam": True, "sid": False, "paula": False},
        },
        leads=ACME_LEADS,
    )
    rival_parts = _tenant_parts(
        name="Rival",
        domain="rival.test",
        admin_name="rex",
        people={"rita": "Rita", "rob": "Rob"},
        memberships={"North": {"rita": True, "rob": False}},
        leads=RIVAL_LEADS,
    )
    rival_users = rival_parts["users"]
    rival = RivalCast(
        **rival_parts,
        rex=rival_users.rex,
        rita=rival_users.rita,
        rob=rival_users.rob,
        north=rival_parts["teams"].north,
    )
    users = acme["users"]
    cast = Cast(
        **acme,
        **{persona: users[persona] for persona in users if persona != "ada"},
        north=acme["teams"].north,
        south=acme["teams"].south,
        rival=rival,
    )
    # Dora gets a token while still active, so API tests can show a disabled user's token is
    # refused; then she is disabled, as the cast promises.
    cast.token(cast.dora)
    cast.dora.is_disabled = True
    cast.dora.save(update_fields=["is_disabled"])
    wanted = {**CAST_SETTINGS, **settings}
    cast.configure(**wanted)
    rival.configure(**wanted)
    return cast
