"""GET /statistics on random accounts, checked against a brute-force computation.

Each example draws an account (time zone, settings, users, teams and managers, two pipelines,
leads created and closed at random instants over two years, amounts with cents, binned leads)
and a few requests by random callers (scope, team, member, period, grouping, pipeline). The
expected answer is computed here, in plain Python over the rows as drawn: who may ask for what
(docs/access-rules.md, "Statistics scope"), which leads count (the scope's leads the caller may
see, by the policy's per-lead predicate `can`), local dates by `astimezone`, money in exact cents.
Every figure of the totals, of every group and of every pipeline step must match to the cent.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.access.policy import Action, can
from leadcrew.accounts.models import (
    Account,
    ApiKey,
    Assignment,
    Edition,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
    hash_secret,
)
from leadcrew.accounts.services import user_token_issue
from leadcrew.leads.models import Lead, Pipeline, Status, Step
from leadcrew.teams.models import Membership, Team

pytestmark = pytest.mark.django_db

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")
EDITIONS = (
    (Edition.ESSENTIALS, False),
    (Edition.DREAM_TEAM, False),
    (Edition.DREAM_TEAM, True),
    (Edition.DREAM_TEAM, True),
    (Edition.DREAM_TEAM, True),
)
ROLES = (None, None, "member", "manager")
STATUSES = tuple(Status.values)
CLOSED = {Status.WON, Status.LOST, Status.CANCELLED}
# Leads are created over two years ending three months from now, so that the default period
# (the last twelve months) has figures too.
EPOCH = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=640)
SPAN_SECONDS = 2 * 365 * 86_400
# Local times that sit on the edges of days (and, in spring, in the hour that does not exist).
EDGE_TIMES = (time(0, 0), time(0, 30), time(2, 30), time(23, 30), time(23, 59, 59))
SCOPES = (None, None, None, "account", "team", "teams_managed", "user", "user")
GROUPINGS = ("day", "week", "month", "member", "team")
STEPS_PER_PIPELINE = 2


@dataclass(frozen=True)
class LeadRow:
    owner: int | None  # user index
    team: int | None  # team index
    step: int  # index among all steps (pipeline = step // STEPS_PER_PIPELINE)
    status: str
    created_at: datetime
    closed_at: datetime | None
    cents: int
    probability: int
    deleted: bool


@dataclass(frozen=True)
class Ask:
    caller: int | None  # user index; None = the account's API key
    scope: str | None
    team: int | None
    user: int | None
    user_by_email: bool
    date_from: date | None
    date_to: date | None
    group_by: str
    pipeline: int | None


@dataclass(frozen=True)
class World:
    zone: str
    edition: str
    teams_enabled: bool
    privacy: str
    assignment: str
    team_privacy: str
    team_assignment: str
    admins: tuple[bool, ...]  # per user
    roles: tuple[tuple[str | None, ...], ...]  # roles[team][user]
    leads: tuple[LeadRow, ...]
    asks: tuple[Ask, ...]

    @property
    def teams_on(self) -> bool:
        return self.edition == Edition.DREAM_TEAM and self.teams_enabled


# --- Drawing ----------------------------------------------------------------------------------


@st.composite
def instants(draw: st.DrawFn, zone: ZoneInfo) -> datetime:
    if draw(st.booleans()):
        return EPOCH + timedelta(seconds=draw(st.integers(0, SPAN_SECONDS)))
    day = EPOCH.date() + timedelta(days=draw(st.integers(0, 2 * 365)))
    local = datetime.combine(day, draw(st.sampled_from(EDGE_TIMES)), tzinfo=zone)
    return local.astimezone(UTC)


@st.composite
def lead_rows(draw: st.DrawFn, zone: ZoneInfo, users: int, teams: int) -> LeadRow:
    status = draw(st.sampled_from(STATUSES))
    created = draw(instants(zone))
    closed = None
    if status in CLOSED:
        if draw(st.booleans()):
            closed = created + timedelta(seconds=draw(st.integers(0, 200 * 86_400)))
        else:
            closed = max(created, draw(instants(zone)))
    cents = draw(st.integers(0, 10**6) | st.integers(0, 10**11))
    return LeadRow(
        owner=draw(st.none() | st.integers(0, users - 1)),
        team=draw(st.none() | st.integers(0, teams - 1)) if teams else None,
        step=draw(st.integers(0, 2 * STEPS_PER_PIPELINE - 1)),
        status=status,
        created_at=created,
        closed_at=closed,
        cents=cents,
        probability=draw(st.integers(0, 100)),
        deleted=draw(st.sampled_from([False] * 9 + [True])),
    )


@st.composite
def asks(draw: st.DrawFn, users: int, teams: int) -> Ask:
    scope = draw(st.sampled_from(SCOPES))
    # Mostly name the team (or member) a scope is about, sometimes a filter, sometimes nothing.
    team = None
    if teams and draw(st.sampled_from([scope == "team", False, True] + [scope == "team"] * 3)):
        team = draw(st.integers(0, teams - 1))
    user = None
    if draw(st.sampled_from([scope == "user", False, True] + [scope == "user"] * 3)):
        user = draw(st.integers(0, users - 1))
    period = draw(st.sampled_from(["default", "both", "both", "both", "from", "to"]))
    first = EPOCH.date() - timedelta(days=30) + timedelta(days=draw(st.integers(0, 760)))
    last = first + timedelta(days=draw(st.integers(0, 800)))
    return Ask(
        caller=draw(st.none() | st.integers(0, users - 1)),
        scope=scope,
        team=team,
        user=user,
        user_by_email=draw(st.booleans()),
        date_from=first if period in ("both", "from") else None,
        date_to=last if period in ("both", "to") else None,
        group_by=draw(st.sampled_from(GROUPINGS)),
        pipeline=draw(st.sampled_from([None, None, 0, 1])),
    )


@st.composite
def worlds(draw: st.DrawFn) -> World:
    zone = draw(st.sampled_from(ZONES))
    edition, teams_enabled = draw(st.sampled_from(EDITIONS))
    users = draw(st.integers(1, 5))
    teams = draw(st.integers(0, 3))
    leads = draw(st.lists(lead_rows(ZoneInfo(zone), users, teams), min_size=10, max_size=40))
    return World(
        zone=zone,
        edition=edition,
        teams_enabled=teams_enabled,
        privacy=draw(st.sampled_from(Privacy.values)),
        assignment=draw(st.sampled_from(Assignment.values)),
        team_privacy=draw(st.sampled_from(TeamPrivacy.values)),
        team_assignment=draw(st.sampled_from(TeamAssignment.values)),
        admins=tuple(draw(st.sampled_from([False, False, True])) for _ in range(users)),
        roles=tuple(
            tuple(draw(st.sampled_from(ROLES)) for _ in range(users)) for _ in range(teams)
        ),
        leads=tuple(leads),
        asks=tuple(draw(st.lists(asks(users, teams), min_size=1, max_size=4))),
    )


# --- Building ---------------------------------------------------------------------------------


@dataclass
class Built:
    account: Account
    api_key: str
    users: list[User]
    teams: list[Team]
    pipelines: list[Pipeline]
    steps: list[Step]
    leads: list[Lead]
    tokens: dict[int, str] = field(default_factory=dict)

    def pipeline_of(self, step_id: int) -> int:
        return next(step.pipeline_id for step in self.steps if step.pk == step_id)


def build(world: World) -> Built:
    account = Account.objects.create(
        name="Random",
        time_zone=world.zone,
        edition=world.edition,
        teams_enabled=world.teams_enabled,
        privacy=world.privacy,
        assignment=world.assignment,
        team_privacy=world.team_privacy,
        team_assignment=world.team_assignment,
    )
    raw_key = secrets.token_urlsafe(24)
    ApiKey.objects.create(
        account=account, name="stats", prefix=raw_key[:8], key_hash=hash_secret(raw_key)
    )
    users = User.objects.bulk_create(
        User(account=account, email=f"user{index}@random.test", password="!", is_admin=admin)
        for index, admin in enumerate(world.admins)
    )
    teams = Team.objects.bulk_create(
        Team(account=account, name=f"Team {index}") for index in range(len(world.roles))
    )
    Membership.objects.bulk_create(
        Membership(account=account, team=team, user=user, is_manager=role == "manager")
        for team, team_roles in zip(teams, world.roles, strict=True)
        for user, role in zip(users, team_roles, strict=True)
        if role is not None
    )
    pipelines = [
        Pipeline.objects.create(account=account, name=name, is_default=default, position=index)
        for index, (name, default) in enumerate((("Sales", True), ("Renewals", False)))
    ]
    steps = [
        Step.objects.create(
            account=account, pipeline=pipeline, name=f"Step {index}", position=index
        )
        for pipeline in pipelines
        for index in range(STEPS_PER_PIPELINE)
    ]
    leads = Lead.objects.bulk_create(
        Lead(
            account=account,
            title=f"Lead {index}",
            currency="EUR",
            step=steps[row.step],
            owner=users[row.owner] if row.owner is not None else None,
            team=teams[row.team] if row.team is not None else None,
            status=row.status,
            amount=Decimal(row.cents).scaleb(-2),
            probability=row.probability,
            created_at=row.created_at,
            closed_at=row.closed_at,
            deleted_at=EPOCH if row.deleted else None,
        )
        for index, row in enumerate(world.leads)
    )
    # Another account's leads, which must never count.
    other = Account.objects.create(name="Other", privacy=Privacy.EVERYTHING_SHARED)
    other_pipeline = Pipeline.objects.create(account=other, name="Sales", is_default=True)
    other_step = Step.objects.create(account=other, pipeline=other_pipeline, name="In")
    Lead.objects.create(
        account=other, title="Theirs", currency="EUR", step=other_step, amount=Decimal("9.99"),
        created_at=EPOCH + timedelta(days=400),
    )  # fmt: skip
    return Built(account, raw_key, users, teams, pipelines, steps, leads)


# --- The brute force --------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


@dataclass
class Tally:
    created: int = 0
    created_cents: int = 0
    won: int = 0
    won_cents: int = 0
    lost: int = 0
    cancelled: int = 0
    won_seconds: int = 0


def _managed(world: World, built: Built, user: int | None) -> set[int]:
    if user is None or not world.teams_on:
        return set()
    return {
        built.teams[team].pk for team, roles in enumerate(world.roles) if roles[user] == "manager"
    }


def _member_teams(world: World, built: Built, user: int) -> set[int]:
    return {built.teams[team].pk for team, roles in enumerate(world.roles) if roles[user]}


def implied_scope(ask: Ask, is_admin: bool, managed: set[int]) -> str:
    if ask.user is not None:
        return "user"
    if ask.team is not None:
        return "team"
    if is_admin:
        return "account"
    return "teams_managed" if managed else "user"


def expected_filter(world: World, built: Built, ask: Ask) -> tuple[str, Any]:
    """(scope, predicate on a lead row) per docs/access-rules.md, "Statistics scope" and the
    endpoint's documented parameters, or Refused(status)."""
    caller = ask.caller
    is_admin = caller is None or world.admins[caller]
    managed = _managed(world, built, caller)
    team_pk = built.teams[ask.team].pk if ask.team is not None else None
    if team_pk is not None and not world.teams_on:
        raise Refused(403)
    scope = ask.scope or implied_scope(ask, is_admin, managed)
    checks: list[Any] = []
    if scope == "account" and not is_admin:
        raise Refused(403)
    if scope == "team":
        if not world.teams_on:
            raise Refused(403)
        if team_pk is None:
            raise Refused(422)
        if not is_admin and team_pk not in managed:
            raise Refused(403)
        checks.append(lambda lead: lead.team_id == team_pk)
    if scope == "teams_managed":
        if not world.teams_on or not managed:
            raise Refused(403)
        checks.append(lambda lead: lead.team_id in managed)
    if scope == "user":
        member = ask.user if ask.user is not None else caller
        if member is None:
            raise Refused(422)
        member_pk = built.users[member].pk
        checks.append(lambda lead: lead.owner_id == member_pk)
        if not is_admin and member != caller:
            if not managed & _member_teams(world, built, member):
                raise Refused(403)
            checks.append(lambda lead: lead.team_id in managed)
    if team_pk is not None and scope != "team":
        checks.append(lambda lead: lead.team_id == team_pk)
    if ask.user is not None and scope != "user":
        user_pk = built.users[ask.user].pk
        checks.append(lambda lead: lead.owner_id == user_pk)
    if ask.group_by == "team" and not world.teams_on:
        raise Refused(403)
    if ask.pipeline is not None:
        pipeline_pk = built.pipelines[ask.pipeline].pk
        checks.append(lambda lead: built.pipeline_of(lead.step_id) == pipeline_pk)
    return scope, lambda lead: all(check(lead) for check in checks)


def _today(zone: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(zone).date()


def expected_period(ask: Ask, zone: ZoneInfo) -> tuple[date, date]:
    last = ask.date_to or _today(zone)
    if ask.date_from is not None:
        if last < ask.date_from:
            raise Refused(422)
        return ask.date_from, last
    month = last.year * 12 + last.month - 1 - 11
    return date(month // 12, month % 12 + 1, 1), last


def key_of(day: date, group_by: str) -> date:
    if group_by == "week":
        return day - timedelta(days=day.isoweekday() - 1)
    if group_by == "month":
        return date(day.year, day.month, 1)
    return day


def all_periods(first: date, last: date, group_by: str) -> list[date]:
    keys: list[date] = []
    day = first
    while day <= last:
        key = key_of(day, group_by)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def label_of(key: date, group_by: str) -> str:
    if group_by == "week":
        return f"{key.isocalendar()[0]}-W{key.isocalendar()[1]:02d}"
    if group_by == "month":
        return f"{key.year:04d}-{key.month:02d}"
    return key.isoformat()


def half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)).__floor__())


def figures(tally: Tally) -> dict[str, Any]:
    closed = tally.won + tally.lost + tally.cancelled
    cycle = None
    if tally.won:
        cycle = Decimal(half_up(Fraction(tally.won_seconds * 100, tally.won * 86_400))) / 100
    return {
        "created_count": tally.created,
        "created_amount": Decimal(tally.created_cents) / 100,
        "won_count": tally.won,
        "won_amount": Decimal(tally.won_cents) / 100,
        "lost_count": tally.lost,
        "cancelled_count": tally.cancelled,
        "conversion_rate": Fraction(tally.won, closed) if closed else None,
        "average_sales_cycle_days": cycle,
    }


def expected_answer(world: World, built: Built, actor: Actor, ask: Ask) -> dict[str, Any]:
    zone = ZoneInfo(world.zone)
    scope, in_scope = expected_filter(world, built, ask)
    first, last = expected_period(ask, zone)
    counted = [
        lead
        for lead in built.leads
        if lead.deleted_at is None and can(actor, Action.SEE, lead) and in_scope(lead)
    ]
    time_grouping = ask.group_by in ("day", "week", "month")

    def key(lead: Lead, instant: datetime) -> Any:
        if ask.group_by == "member":
            return lead.owner_id
        if ask.group_by == "team":
            return lead.team_id
        return key_of(instant.astimezone(zone).date(), ask.group_by)

    def in_period(instant: datetime | None) -> bool:
        return instant is not None and first <= instant.astimezone(zone).date() <= last

    tallies: dict[Any, Tally] = defaultdict(Tally)
    for lead in counted:
        cents = int(lead.amount * 100)
        if in_period(lead.created_at):
            tally = tallies[key(lead, lead.created_at)]
            tally.created += 1
            tally.created_cents += cents
        if lead.status in CLOSED and in_period(lead.closed_at):
            assert lead.closed_at is not None
            tally = tallies[key(lead, lead.closed_at)]
            if lead.status == Status.WON:
                tally.won += 1
                tally.won_cents += cents
                tally.won_seconds += int((lead.closed_at - lead.created_at).total_seconds())
            elif lead.status == Status.LOST:
                tally.lost += 1
            else:
                tally.cancelled += 1
    total = Tally()
    for tally in tallies.values():
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
    if time_grouping:
        keys: list[Any] = all_periods(first, last, ask.group_by)
        labels = {period: label_of(period, ask.group_by) for period in keys}
        groups = [(period, labels[period], figures(tallies[period])) for period in keys]
    else:
        names = (
            {user.pk: user.email for user in built.users}
            if ask.group_by == "member"
            else {team.pk: team.name for team in built.teams}
        )
        missing = "Unassigned" if ask.group_by == "member" else "No team"
        groups = [(k, names.get(k, missing), figures(t)) for k, t in tallies.items()]
    pipeline = built.pipelines[ask.pipeline if ask.pipeline is not None else 0]
    steps = [step for step in built.steps if step.pipeline_id == pipeline.pk]
    step_rows = []
    for step in steps:
        open_leads = [
            lead
            for lead in counted
            if lead.step_id == step.pk and lead.status in (Status.TODO, Status.STANDBY)
        ]
        weighted = sum(int(lead.amount * 100) * lead.probability for lead in open_leads)
        step_rows.append(
            {
                "step_id": step.pk,
                "step": step.name,
                "count": len(open_leads),
                "amount": sum(lead.amount for lead in open_leads),
                "weighted_amount": Decimal(half_up(Fraction(weighted, 100))) / 100,
            }
        )
    return {
        "scope": scope,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "group_by": ask.group_by,
        "totals": figures(total),
        "groups": groups,
        "pipeline": step_rows,
        "time_grouping": time_grouping,
    }


# --- Comparing --------------------------------------------------------------------------------


def same_figures(got: dict[str, Any], want: dict[str, Any], where: str) -> list[str]:
    failures = []
    for name, wanted in want.items():
        value = got[name]
        if wanted is None or value is None:
            same = wanted is None and value is None
        elif isinstance(wanted, Fraction):
            same = abs(Fraction(value) - wanted) < Fraction(1, 10**12)
        elif isinstance(wanted, Decimal):
            same = Decimal(str(value)) == wanted
        else:
            same = value == wanted
        if not same:
            failures.append(f"{where} {name}: got {value!r}, expected {wanted}")
    return failures


def compare(body: dict[str, Any], want: dict[str, Any]) -> list[str]:
    failures = []
    assert set(body) == {"scope", "from", "to", "group_by", "totals", "groups", "pipeline"}
    for name in ("scope", "from", "to", "group_by"):
        if body[name] != want[name]:
            failures.append(f"{name}: got {body[name]!r}, expected {want[name]!r}")
    failures += same_figures(body["totals"], want["totals"], "totals")
    got_groups = [
        (group["key"], group["label"], group) for group in body["groups"]
    ]  # fmt: skip
    if want["time_grouping"]:
        want_groups = [(k.isoformat(), label, f) for k, label, f in want["groups"]]
        if [k for k, _, _ in got_groups] != [k for k, _, _ in want_groups]:
            return [*failures, "the periods listed differ"]
    else:
        want_groups = sorted(want["groups"], key=lambda group: str(group[0]))
        got_groups = sorted(got_groups, key=lambda group: str(group[0]))
        if [k for k, _, _ in got_groups] != [k for k, _, _ in want_groups]:
            keys = ([k for k, _, _ in got_groups], [k for k, _, _ in want_groups])
            return [*failures, f"group keys: got {keys[0]}, expected {keys[1]}"]
    for (key, label, got), (_, want_label, wanted) in zip(got_groups, want_groups, strict=True):
        if label != want_label:
            failures.append(f"group {key} label: got {label!r}, expected {want_label!r}")
        failures += same_figures(got, wanted, f"group {key}")
    if len(body["pipeline"]) != len(want["pipeline"]):
        return [*failures, "the pipeline steps differ"]
    for got, wanted in zip(body["pipeline"], want["pipeline"], strict=True):
        failures += same_figures(got, wanted, f"step {wanted['step']}")
    return failures


def request(
    built: Built, ask: Ask, *, path: str = "/api/v2/statistics", group_by: str | None = None
) -> Any:
    """The request as the API gets it; activity reports reuse it with their own path and
    grouping (leadcrew/activities/tests)."""
    if ask.caller is None:
        headers = {"X-API-KEY": built.api_key}
    else:
        user = built.users[ask.caller]
        if user.pk not in built.tokens:
            built.tokens[user.pk] = user_token_issue(user=user)
        headers = {"X-USER-TOKEN": built.tokens[user.pk]}
    params: dict[str, Any] = {"group_by": group_by or ask.group_by}
    if ask.scope is not None:
        params["scope"] = ask.scope
    if ask.team is not None:
        params["team_id"] = built.teams[ask.team].pk
    if ask.user is not None:
        member = built.users[ask.user]
        params["user_id"] = member.email if ask.user_by_email else member.pk
    if ask.date_from is not None:
        params["from"] = ask.date_from.isoformat()
    if ask.date_to is not None:
        params["to"] = ask.date_to.isoformat()
    if ask.pipeline is not None:
        params["pipeline_id"] = built.pipelines[ask.pipeline].pk
    if path != "/api/v2/statistics":
        params.pop("pipeline_id", None)
    return Client(headers=headers).get(path, params)


def check_world(world: World) -> list[str]:
    built = build(world)
    failures = []
    for ask in world.asks:
        if ask.caller is None:
            actor = actor_for_api_key(built.account)
        else:
            actor = actor_for_user(built.users[ask.caller], built.account)
        answer = request(built, ask)
        try:
            want = expected_answer(world, built, actor, ask)
        except Refused as refused:
            if answer.status_code != refused.status:
                failures.append(f"{ask}: {answer.status_code} {answer.content!r}")
            continue
        if answer.status_code != 200:
            failures.append(f"{ask}: {answer.status_code} {answer.content!r}")
            continue
        failures += [f"{ask}: {failure}" for failure in compare(answer.json(), want)]
    return failures


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_every_figure_matches_a_brute_force_count_on_random_accounts(world: World) -> None:
    with transaction.atomic():
        failures = check_world(world)
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures[:20])
