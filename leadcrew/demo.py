"""The demo account: a sales organisation to try leadcrew with, loaded by `leadcrew demo`.

"Acme Sales" has three teams, a dozen people in every position the access rules care about
(admin, managers, a manager who is a plain member of another team, a user in no team, a
disabled user) and about 600 leads over the last 18 months. The data is drawn from a seeded
random generator, so every load tells the same story relative to the day it runs.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from leadcrew.accounts.models import (
    Account,
    ApiKey,
    Edition,
    Locale,
    Privacy,
    TeamPrivacy,
    User,
    hash_secret,
)
from leadcrew.accounts.services import account_create
from leadcrew.activities.models import ActivityType
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.models import (
    Comment,
    HistoryAction,
    Lead,
    LeadHistory,
    LeadTag,
    Pipeline,
    Status,
    Step,
)
from leadcrew.teams.models import Membership, Team

ACCOUNT_NAME = "Acme Sales"
DOMAIN = "demo.leadcrew.test"
ADMIN_EMAIL = f"admin@{DOMAIN}"
PASSWORD = "demo1234"
# A fixed key so that every run of `leadcrew demo` can print it again. It is published here,
# so it opens the demo account to anyone: never load the demo on a server others can reach.
API_KEY = "lc_demo_acme_sales_not_a_secret_4f2a9c"
API_KEY_NAME = "Demo key (demo only, published in the source)"
TIME_ZONE = "Europe/Paris"
CURRENCY = "EUR"
SEED = 20_261_127
LEAD_COUNT = 600
HISTORY_DAYS = 548  # 18 months
DISABLED_SINCE_DAYS = 120  # the disabled user left the company four months ago

TEAMS = ("Enterprise", "Mid-Market", "Inside Sales")
TEAM_WEIGHTS = (0.3, 0.35, 0.35)
# Deal sizes by team (low, high, rounding step), in the account's currency.
AMOUNTS: dict[str | None, tuple[int, int, int]] = {
    "Enterprise": (20_000, 250_000, 1_000),
    "Mid-Market": (5_000, 60_000, 500),
    "Inside Sales": (500, 12_000, 50),
    None: (2_000, 40_000, 250),
}
STEP_WEIGHTS = (0.3, 0.25, 0.2, 0.15, 0.1)
STEP_PROBABILITIES = (10, 25, 50, 70, 90)
TAGS = ("hot", "inbound", "referral", "trade-show", "renewal", "upsell", "partner", "webinar")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    # (team name, is manager) for each membership.
    teams: tuple[tuple[str, bool], ...] = ()
    is_admin: bool = False
    is_disabled: bool = False
    locale: str = Locale.EN

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        if self.is_disabled:
            return "disabled: cannot log in"
        if not self.teams:
            return "user in no team"
        parts = [f"{'manager' if manager else 'member'} of {team}" for team, manager in self.teams]
        role = ", ".join(parts)
        return f"{role} (French interface)" if self.locale == Locale.FR else role


def _person(
    first: str,
    last: str,
    *teams: tuple[str, bool],
    is_disabled: bool = False,
    locale: str = Locale.EN,
) -> Person:
    email = f"{first}.{last}@{DOMAIN}".lower()
    return Person(first, last, email, teams, is_disabled=is_disabled, locale=locale)


PEOPLE: tuple[Person, ...] = (
    Person("Alice", "Morgan", ADMIN_EMAIL, is_admin=True),
    _person("Sophie", "Laurent", ("Enterprise", True)),
    _person("David", "Chen", ("Mid-Market", True), ("Enterprise", False)),
    _person("Priya", "Patel", ("Inside Sales", True)),
    _person("Tom", "Becker", ("Enterprise", False)),
    _person("Emma", "Wilson", ("Enterprise", False)),
    _person("Lucas", "Moreau", ("Mid-Market", False), locale=Locale.FR),
    _person("Olivia", "Brown", ("Mid-Market", False)),
    _person("Noah", "Kim", ("Inside Sales", False)),
    _person("Mia", "Rossi", ("Inside Sales", False)),
    _person("Ethan", "Walker", ("Inside Sales", False)),
    _person("James", "Okafor"),
    _person("Hannah", "Schmidt", ("Inside Sales", False), is_disabled=True),
)

COMPANIES = (
    "Northwind Logistics", "Bluepeak Analytics", "Helios Energy", "Cobalt Freight",
    "Maison Verdier", "Lumen Health", "Atlas Components", "Riverstone Bank", "Greenfield Foods",
    "Orbital Media", "Vantage Retail", "Keystone Insurance", "Brightwave Telecom",
    "Silverline Hotels", "Polaris Pharma", "Meridian Architects", "Ironclad Security",
    "Sunrise Dental Group", "Tidewater Shipping", "Crescent Software", "Alpine Outdoor",
    "Beaumont Avocats", "Quantum Robotics", "Harbor Consulting", "Evergreen Schools",
    "Redwood Properties", "Nordic Interiors", "Zenith Aerospace", "Copperleaf Brewing",
    "Lighthouse Clinics", "Summit Engineering", "Azure Travel", "Pinecrest Farms",
    "Granite Construction", "Velvet Fashion", "Falcon Couriers", "Oakridge Manufacturing",
    "Blue Harbor Seafood", "Solaris Renewables", "Maple Leaf Education", "Starlight Events",
    "Clearwater Utilities", "Horizon Car Rental", "Ember Restaurants", "Castlegate Legal",
    "Nova Biotech", "Skyline Real Estate", "Fjord Fisheries", "Bellevue Opticians",
    "Trident Marine",
)  # fmt: skip
DEALS = (
    "CRM rollout for the sales floor", "Annual licence renewal", "Upgrade to the premium plan",
    "Pilot for the regional office", "Multi-site deployment", "Additional 25 seats",
    "Data migration and onboarding", "Support contract extension", "Training package",
    "Integration with their ERP", "Three-year framework agreement", "Proof of concept",
    "Expansion to the German subsidiary", "Reporting add-on", "Replacement of legacy tool",
    "Seasonal capacity increase", "Partner reseller agreement", "Custom dashboard project",
)  # fmt: skip
CONTACT_FIRST = ("Anna", "Ben", "Chloé", "Daniel", "Elena", "Felix", "Grace", "Hugo", "Inès",
                 "Jonas", "Karin", "Leo", "Marta", "Nils", "Paula", "Rafael", "Sara")  # fmt: skip
CONTACT_LAST = ("Andersen", "Bernard", "Costa", "Dupont", "Eriksen", "Fischer", "Garcia",
                "Hoffmann", "Jansen", "Keller", "Lambert", "Novak", "Petit", "Weber")  # fmt: skip
CONTACT_ROLES = ("Head of Sales", "Operations Director", "CFO", "IT Manager", "CEO",
                 "Procurement Lead", "Office Manager", "Head of Customer Success")  # fmt: skip
NOTES = (
    "Met at the spring trade show; wants a demo for the whole team.",
    "Currently on spreadsheets, looking for something their managers can review.",
    "Budget approved for this quarter, decision by committee.",
    "Asked for references from companies of their size.",
    "Unhappy with their current vendor's support; contract ends soon.",
    "Came through the website chat, asked about pricing for teams.",
    "Needs single sign-on and an export for their finance team.",
    "Referred by an existing customer.",
    "Evaluating two other vendors; price is the main criterion.",
    "Wants to start with one office and extend if it works.",
)

_ASCII = str.maketrans("éè", "ee")  # for the contacts' e-mail addresses


@dataclass(frozen=True)
class DemoResult:
    created: bool
    account_id: int
    people: tuple[Person, ...]
    api_key: str
    lead_count: int


@dataclass
class _Context:
    """What the generator draws from: the account's rows and the moment of the load."""

    account: Account
    rng: random.Random
    now: datetime
    zone: ZoneInfo
    steps: list[Step]
    users: dict[str, User]
    teams: dict[str, Team]
    members: dict[str, list[User]]


def load_demo() -> DemoResult:
    """Creates the demo account, or finds it: running twice changes nothing."""
    existing = User.objects.filter(email__iexact=ADMIN_EMAIL).first()
    if existing is not None:
        return DemoResult(False, existing.account_id, PEOPLE, API_KEY, 0)
    with transaction.atomic():
        return _create()


def _create() -> DemoResult:
    admin_person = PEOPLE[0]
    new = account_create(
        name=ACCOUNT_NAME,
        admin_email=admin_person.email,
        admin_password=PASSWORD,
        edition=Edition.DREAM_TEAM,
        admin_first_name=admin_person.first_name,
        admin_last_name=admin_person.last_name,
        time_zone=TIME_ZONE,
        currency=CURRENCY,
    )
    now = timezone.now()
    # The company started using leadcrew a little before its oldest lead.
    founded = now - timedelta(days=HISTORY_DAYS + 14)
    account = new.account
    account.teams_enabled = True
    account.team_privacy = TeamPrivacy.MANAGERS_ONLY
    account.privacy = Privacy.ADMINS_ONLY
    account.created_at = founded
    account.save()
    _backdate_first_rows(account, founded)
    users = _create_users(account, new.admin, founded)
    teams = _create_teams(account, users, founded)
    ctx = _Context(
        account=account,
        rng=random.Random(SEED),
        now=now,
        zone=ZoneInfo(TIME_ZONE),
        steps=_default_steps(account),
        users=users,
        teams=teams,
        members={
            name: [users[p.email] for p in PEOPLE if any(t == name for t, _ in p.teams)]
            for name in TEAMS
        },
    )
    leads = Lead.objects.bulk_create(_new_lead(ctx) for _ in range(LEAD_COUNT))
    _create_tags(ctx, leads)
    _create_history(ctx, leads)
    _create_activities(ctx, leads)
    return DemoResult(True, account.pk, PEOPLE, API_KEY, len(leads))


def _backdate_first_rows(account: Account, founded: datetime) -> None:
    """Dates what account_create made to the account's start, and turns its random first key
    into the demo's published one."""
    User.objects.filter(account=account).update(created_at=founded)
    Pipeline.objects.filter(account=account).update(created_at=founded)
    Step.objects.filter(account=account).update(created_at=founded)
    ApiKey.objects.filter(account=account).update(
        name=API_KEY_NAME, prefix=API_KEY[:8], key_hash=hash_secret(API_KEY), created_at=founded
    )
    # Its log entry must name the key as it now is.
    key = ApiKey.objects.get(account=account)
    SensitiveAction.objects.filter(
        account=account, action=SensitiveActionType.API_KEY_CREATED
    ).update(
        details={"api_key_id": key.pk, "name": key.name, "prefix": key.prefix},
        created_at=founded,
    )


def _create_users(account: Account, admin: User, founded: datetime) -> dict[str, User]:
    # Password hashing is slow on purpose: hash once (account_create did) and share the result.
    encoded = admin.password
    users = [
        User(
            account=account,
            email=p.email,
            first_name=p.first_name,
            last_name=p.last_name,
            locale=p.locale,
            is_disabled=p.is_disabled,
            password=encoded,
            created_at=founded,
        )
        for p in PEOPLE[1:]
    ]
    created = User.objects.bulk_create(users)
    return {admin.email: admin} | {u.email: u for u in created}


def _create_teams(account: Account, users: dict[str, User], founded: datetime) -> dict[str, Team]:
    new_teams = (Team(account=account, name=name, created_at=founded) for name in TEAMS)
    teams = {team.name: team for team in Team.objects.bulk_create(new_teams)}
    Membership.objects.bulk_create(
        Membership(
            account=account,
            team=teams[team],
            user=users[p.email],
            is_manager=manager,
            created_at=founded,
        )
        for p in PEOPLE
        for team, manager in p.teams
    )
    return teams


def _default_steps(account: Account) -> list[Step]:
    pipeline = Pipeline.objects.get(account=account, is_default=True)
    return list(Step.objects.filter(pipeline=pipeline).order_by("position"))


def _new_lead(ctx: _Context) -> Lead:
    rng = ctx.rng
    created_at = ctx.now - timedelta(days=rng.uniform(1, HISTORY_DAYS))
    owner, team = _pick_owner_and_team(ctx, created_at)
    status = _pick_status(rng, ctx.now - created_at) if owner else Status.TODO
    step_index = _pick_step(rng, status, owner)
    company = rng.choice(COMPANIES)
    lead = Lead(
        account=ctx.account,
        title=f"{company} — {rng.choice(DEALS)}",
        description=_description(rng, company),
        amount=_amount(rng, team.name if team else None),
        probability=_probability(status, step_index),
        currency=CURRENCY,
        status=status,
        step=ctx.steps[step_index],
        owner=owner,
        team=team,
        starred=rng.random() < (0.1 if status in (Status.TODO, Status.STANDBY) else 0.03),
        created_from="demo",
        created_at=created_at,
        created_by=owner or ctx.users[ADMIN_EMAIL],
    )
    _set_dates(ctx, lead)
    return lead


def _pick_owner_and_team(ctx: _Context, created_at: datetime) -> tuple[User | None, Team | None]:
    rng = ctx.rng
    draw = rng.random()
    if draw < 0.06:  # the unassigned pool, half of it waiting in a team
        return None, (ctx.teams[rng.choice(TEAMS)] if rng.random() < 0.5 else None)
    if draw < 0.14:  # outside teams: the teamless user, and a few the admin handles
        email = ADMIN_EMAIL if rng.random() < 0.25 else f"james.okafor@{DOMAIN}"
        return ctx.users[email], None
    team_name = rng.choices(TEAMS, TEAM_WEIGHTS)[0]
    left_at = ctx.now - timedelta(days=DISABLED_SINCE_DAYS)
    # Whoever has left the company only owns leads from before they left.
    candidates = [u for u in ctx.members[team_name] if not u.is_disabled or created_at < left_at]
    return rng.choice(candidates), ctx.teams[team_name]


def _pick_status(rng: random.Random, age: timedelta) -> Status:
    closed_share = 0.1 if age.days < 30 else 0.25 if age.days < 120 else 0.45
    if rng.random() < closed_share:
        return rng.choices((Status.WON, Status.LOST, Status.CANCELLED), (0.45, 0.4, 0.15))[0]
    return Status.STANDBY if rng.random() < 0.2 else Status.TODO


def _pick_step(rng: random.Random, status: Status, owner: User | None) -> int:
    if owner is None:
        return 0  # an unassigned lead waits in the first step
    if status == Status.WON:
        return len(STEP_WEIGHTS) - 1
    return rng.choices(range(len(STEP_WEIGHTS)), STEP_WEIGHTS)[0]


def _probability(status: Status, step_index: int) -> int:
    if status == Status.WON:
        return 100
    if status in (Status.LOST, Status.CANCELLED):
        return 0
    return STEP_PROBABILITIES[step_index]


def _amount(rng: random.Random, team_name: str | None) -> Decimal:
    low, high, rounding = AMOUNTS[team_name]
    return Decimal(round(rng.uniform(low, high) / rounding) * rounding)


def _description(rng: random.Random, company: str) -> str:
    first, last = rng.choice(CONTACT_FIRST), rng.choice(CONTACT_LAST)
    domain = company.lower().replace(" ", "-") + ".example"
    email = f"{first}.{last}@{domain}".lower().translate(_ASCII)
    return f"Contact: {first} {last} ({rng.choice(CONTACT_ROLES)}), {email}\n{rng.choice(NOTES)}"


def _set_dates(ctx: _Context, lead: Lead) -> None:
    """Closing, reminder, expected closing and last update, consistent with the status."""
    rng, now, created_at = ctx.rng, ctx.now, lead.created_at
    age = now - created_at
    today = now.astimezone(ctx.zone).date()
    if lead.status in (Status.WON, Status.LOST, Status.CANCELLED):
        cycle = min(timedelta(days=rng.uniform(3, 150)), age * rng.uniform(0.3, 0.95))
        lead.closed_at = created_at + cycle
        lead.updated_at = lead.closed_at
        return
    if lead.status == Status.STANDBY:
        _set_reminder(ctx, lead, today + timedelta(days=rng.randint(1, 60)))
    elif lead.owner is not None and rng.random() < 0.6:
        # Some to-dos are overdue: their reminder passed and nobody has called back yet.
        _set_reminder(ctx, lead, today + timedelta(days=rng.randint(-10, 30)))
    expected = created_at.date() + timedelta(days=rng.randint(30, 150))
    lead.estimated_closing_date = max(expected, today + timedelta(days=rng.randint(7, 60)))
    lead.updated_at = created_at + age * rng.uniform(0.2, 1.0)


def _set_reminder(ctx: _Context, lead: Lead, day: date) -> None:
    lead.remind_date = day
    if ctx.rng.random() < 0.5:
        quarter = ctx.rng.randint(8 * 4, 18 * 4 - 1)  # office hours, 15-minute steps
        lead.remind_time = time(quarter // 4, (quarter % 4) * 15)
    lead.next_action_at = next_action_at(day, lead.remind_time, ctx.zone)


def next_action_at(day: date, at: time | None, zone: ZoneInfo) -> datetime:
    """A reminder is a wall-clock moment in the account's time zone (midnight when it has no
    time), stored in UTC so the scheduler compares it with the clock directly."""
    return datetime.combine(day, at or time(0, 0), tzinfo=zone).astimezone(UTC)


def _create_tags(ctx: _Context, leads: list[Lead]) -> None:
    rng = ctx.rng
    LeadTag.objects.bulk_create(
        LeadTag(account=ctx.account, lead=lead, name=name)
        for lead in leads
        for name in rng.sample(TAGS, rng.choices((0, 1, 2), (0.45, 0.35, 0.2))[0])
    )


ACTIVITY_NOTES = {
    "call": ("Called, left a message", "Call: budget confirmed", "Call: wants a proposal"),
    "email": ("Sent the proposal", "Sent the pricing", "Followed up by e-mail"),
    "meeting": ("Met at their office", "Demo to the team", "Review with the buyer"),
    "note": ("Decision expected next month", "Competitor in the running"),
}


def _create_activities(ctx: _Context, leads: list[Lead]) -> None:
    """Up to five activities on each assigned lead, logged by its owner between its creation
    and its close (or now), counted for its team as the app counts them (the owner is a
    member), so that the activity reports have something to show."""
    rng = ctx.rng
    types = list(ActivityType.objects.filter(account=ctx.account, is_disabled=False))
    rows = []
    for lead in leads:
        if lead.owner is None:
            continue
        end = lead.closed_at or ctx.now
        span = (end - lead.created_at).total_seconds()
        for _ in range(rng.choice((0, 1, 2, 3, 4, 5))):
            kind = rng.choice(types)
            at = lead.created_at + timedelta(seconds=span * rng.random())
            rows.append(
                Comment(
                    account=ctx.account,
                    lead=lead,
                    author=lead.owner,
                    activity=kind,
                    team_id=lead.team_id,
                    content=rng.choice(ACTIVITY_NOTES.get(kind.kind, ACTIVITY_NOTES["note"])),
                    created_at=at,
                )
            )
    Comment.objects.bulk_create(rows)


def _create_history(ctx: _Context, leads: list[Lead]) -> None:
    rows = []
    for lead in leads:
        actor = lead.created_by
        rows.append(
            LeadHistory(
                account=ctx.account,
                lead=lead,
                actor=actor,
                action=HistoryAction.CREATED,
                new_value=lead.title,
                created_at=lead.created_at,
            )
        )
        if lead.status != Status.TODO:
            rows.append(
                LeadHistory(
                    account=ctx.account,
                    lead=lead,
                    actor=lead.owner or actor,
                    action=HistoryAction.STATUS,
                    old_value=Status.TODO,
                    new_value=lead.status,
                    created_at=lead.closed_at or lead.updated_at,
                )
            )
    LeadHistory.objects.bulk_create(rows)
