"""GET /statistics/activities on random accounts, checked against a brute-force count.

The shape of the lead statistics' property test (leadcrew/stats/tests): each example draws an
account (time zone, settings, users, teams and managers, leads, binned leads), activities by
random authors at random instants (edges of local days included) with the team each counted
for when it was logged (from drawn past memberships), and a few requests by random callers.
The expected answer is computed here in plain Python: who may ask for what (docs/access-rules.md,
"Statistics scope"), which leads count (the policy's per-lead predicate `can`), which authors
and teams count (docs/user-guide.md, "Activity reports"), local dates by `astimezone`.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.access.policy import Action, can
from leadcrew.activities.models import ActivityType
from leadcrew.leads.models import Comment, Status
from leadcrew.stats.tests.test_statistics_property import (
    EDITIONS,
    ROLES,
    ZONES,
    Ask,
    Built,
    Refused,
    _managed,
    _member_teams,
    all_periods,
    asks,
    build,
    expected_period,
    implied_scope,
    instants,
    key_of,
    label_of,
    lead_rows,
    request,
)
from leadcrew.stats.tests.test_statistics_property import World as LeadWorld

pytestmark = pytest.mark.django_db

GROUPINGS = ("day", "week", "month", "member", "team", "activity")
TYPES = ("Call", "E-mail", "Meeting")


@dataclass(frozen=True)
class ActivityRow:
    lead: int
    author: int | None  # user index; None: logged by an API key without author
    kind: int  # index in TYPES
    created_at: datetime
    was_member: bool  # the author was a member of the lead's team when logging


@dataclass(frozen=True)
class World:
    leads_world: LeadWorld
    activities: tuple[ActivityRow, ...]
    report_asks: tuple[tuple[Ask, str], ...]  # (ask, group_by)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    zone = draw(st.sampled_from(ZONES))
    edition, teams_enabled = draw(st.sampled_from(EDITIONS))
    users = draw(st.integers(1, 5))
    teams = draw(st.sampled_from([0, 1, 2, 2, 3, 3]))
    leads = draw(st.lists(lead_rows(ZoneInfo(zone), users, teams), min_size=3, max_size=15))
    base = LeadWorld(
        zone=zone,
        edition=edition,
        teams_enabled=teams_enabled,
        privacy=draw(st.sampled_from(["everything_shared", "admins_only"])),
        assignment=draw(st.sampled_from(["everyone", "admins_only"])),
        team_privacy=draw(st.sampled_from(["admins_only", "managers_only", "team_shared"])),
        team_assignment=draw(st.sampled_from(["admins", "managers", "users"])),
        admins=tuple(draw(st.sampled_from([False, False, True])) for _ in range(users)),
        roles=tuple(
            tuple(draw(st.sampled_from(ROLES)) for _ in range(users)) for _ in range(teams)
        ),
        leads=tuple(leads),
        asks=(),
    )
    activities = draw(
        st.lists(
            st.builds(
                ActivityRow,
                lead=st.integers(0, len(leads) - 1),
                author=st.none() | st.integers(0, users - 1),
                kind=st.integers(0, len(TYPES) - 1),
                created_at=instants(ZoneInfo(zone)),
                was_member=st.booleans(),
            ),
            min_size=8,
            max_size=40,
        )
    )
    report_asks = draw(
        st.lists(st.tuples(asks(users, teams), st.sampled_from(GROUPINGS)), min_size=1, max_size=4)
    )
    return World(base, tuple(activities), tuple(report_asks))


def build_activities(world: World, built: Built) -> tuple[list[ActivityType], list[Comment]]:
    types = ActivityType.objects.bulk_create(
        ActivityType(account=built.account, name=name, position=position)
        for position, name in enumerate(TYPES)
    )
    comments = Comment.objects.bulk_create(
        Comment(
            account=built.account,
            lead=built.leads[row.lead],
            author=built.users[row.author] if row.author is not None else None,
            content="Logged",
            activity=types[row.kind],
            team_id=(
                built.leads[row.lead].team_id if row.was_member and row.author is not None else None
            ),
            created_at=row.created_at,
        )
        for row in world.activities
    )
    # A plain comment, which is no activity, and another account's activity: neither counts.
    Comment.objects.create(account=built.account, lead=built.leads[0], content="Just a note")
    return types, comments


def expected_rule(world: LeadWorld, built: Built, ask: Ask) -> tuple[str, Any]:
    """(scope, predicate on (lead, comment)) per the documented rules, or Refused."""
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
        checks.append(lambda lead, c: lead.team_id == team_pk and c.team_id == team_pk)
    if scope == "teams_managed":
        if not world.teams_on or not managed:
            raise Refused(403)
        checks.append(lambda lead, c: lead.team_id in managed and c.team_id in managed)
    if scope == "user":
        member = ask.user if ask.user is not None else caller
        if member is None:
            raise Refused(422)
        member_pk = built.users[member].pk
        checks.append(lambda lead, c: c.author_id == member_pk)
        if not is_admin and member != caller:
            if not managed & _member_teams(world, built, member):
                raise Refused(403)
            checks.append(lambda lead, c: lead.team_id in managed and c.team_id in managed)
    if team_pk is not None and scope != "team":
        checks.append(lambda lead, c: lead.team_id == team_pk and c.team_id == team_pk)
    if ask.user is not None and scope != "user":
        user_pk = built.users[ask.user].pk
        checks.append(lambda lead, c: c.author_id == user_pk)
    return scope, lambda lead, c: all(check(lead, c) for check in checks)


def expected_answer(
    world: World, built: Built, actor: Actor, ask: Ask, group_by: str, comments: list[Comment]
) -> dict[str, Any]:
    base = world.leads_world
    zone = ZoneInfo(base.zone)
    scope, rule = expected_rule(base, built, ask)
    if group_by == "team" and not base.teams_on:
        raise Refused(403)
    first, last = expected_period(ask, zone)
    leads = {lead.pk: lead for lead in built.leads}
    counted = [
        comment
        for comment in comments
        if leads[comment.lead_id].deleted_at is None
        and can(actor, Action.SEE, leads[comment.lead_id])
        and first <= comment.created_at.astimezone(zone).date() <= last
        and rule(leads[comment.lead_id], comment)
    ]

    def key(comment: Comment) -> Any:
        if group_by == "member":
            return comment.author_id
        if group_by == "team":
            return comment.team_id
        if group_by == "activity":
            return comment.activity_id
        return key_of(comment.created_at.astimezone(zone).date(), group_by)

    def figures(rows: list[Comment]) -> dict[str, Any]:
        by_type: dict[int, int] = defaultdict(int)
        for row in rows:
            assert row.activity_id is not None
            by_type[row.activity_id] += 1
        won = {
            row.lead_id
            for row in rows
            if leads[row.lead_id].status == Status.WON
            and (closed := leads[row.lead_id].closed_at) is not None
            and closed >= row.created_at
        }
        return {
            "count": len(rows),
            "by_type": dict(by_type),
            "leads_touched": len({row.lead_id for row in rows}),
            "leads_won": len(won),
        }

    grouped: dict[Any, list[Comment]] = defaultdict(list)
    for comment in counted:
        grouped[key(comment)].append(comment)
    return {
        "scope": scope,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": figures(counted),
        "groups": {
            (k.isoformat() if isinstance(k, date) else k): figures(rows)
            for k, rows in grouped.items()
        },
        "periods": (
            [label_of(k, group_by) for k in all_periods(first, last, group_by)]
            if group_by in ("day", "week", "month")
            else None
        ),
    }


def got_figures(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": body["count"],
        "by_type": {
            row["activity_id"]: row["count"] for row in body["by_activity"] if row["count"]
        },
        "leads_touched": body["leads_touched"],
        "leads_won": body["leads_won"],
    }


def check_world(world: World) -> list[str]:
    built = build(world.leads_world)
    _, comments = build_activities(world, built)
    failures = []
    for ask, group_by in world.report_asks:
        if ask.caller is None:
            actor = actor_for_api_key(built.account)
        else:
            actor = actor_for_user(built.users[ask.caller], built.account)
        answer = request(built, ask, path="/api/v2/statistics/activities", group_by=group_by)
        try:
            want = expected_answer(world, built, actor, ask, group_by, comments)
        except Refused as refused:
            if answer.status_code != refused.status:
                failures.append(f"{ask} {group_by}: {answer.status_code} {answer.content!r}")
            continue
        if answer.status_code != 200:
            failures.append(f"{ask} {group_by}: {answer.status_code} {answer.content!r}")
            continue
        body = answer.json()
        where = f"{ask} {group_by}"
        for name in ("scope", "from", "to"):
            if body[name] != want[name]:
                failures.append(f"{where} {name}: got {body[name]!r}, expected {want[name]!r}")
        if got_figures(body["totals"]) != want["totals"]:
            failures.append(f"{where} totals: {got_figures(body['totals'])} != {want['totals']}")
        groups = {group["key"]: got_figures(group) for group in body["groups"]}
        nonempty = {k: v for k, v in groups.items() if v["count"]}
        if nonempty != want["groups"]:
            failures.append(f"{where} groups: {nonempty} != {want['groups']}")
        if want["periods"] is not None:
            if [group["label"] for group in body["groups"]] != want["periods"]:
                failures.append(f"{where}: the periods listed differ")
        elif group_by == "activity" and len(body["groups"]) != len(TYPES):
            failures.append(f"{where}: every activity type is listed")
    return failures


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_every_activity_figure_matches_a_brute_force_count_on_random_accounts(world: World) -> None:
    with transaction.atomic():
        failures = check_world(world)
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures[:20])
