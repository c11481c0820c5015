"""The figures kept per day (stats.models) always equal counting the leads.

Random accounts (the statistics property test's generators) go through random writes by every
path that writes leads: creation and update (by the ORM, one lead or set-based), imports, bulk
actions and their undo, the bin, restoring, the purge, deleting for good, another account's
leads, and a change of the account's time zone. After them:
- the figures equal the figures computed again from the leads, row for row;
- every statistics answer read from the figures equals the one counted over the leads, and both
  equal the brute force of the statistics property test (checked through the API).
The callers who do not see every lead (a manager under "managers only", a plain user) are
answered from the leads: the figures cannot tell their part of the account.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew import cli
from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
)
from leadcrew.bulk.models import BulkAction
from leadcrew.bulk.services import Selection, bulk_apply, bulk_undo
from leadcrew.leads.models import Lead, Status
from leadcrew.leads.services import (
    ImportedLead,
    bin_purge_expired,
    lead_delete,
    lead_import,
    lead_restore,
)
from leadcrew.stats.figures import figures_level
from leadcrew.stats.models import DayFigures, FiguresRebuild, OpenFigures
from leadcrew.stats.periods import Grouping
from leadcrew.stats.scope import ScopeKind, statistics_scope
from leadcrew.stats.selectors import StatisticsRequest, statistics_get
from leadcrew.stats.tests.test_statistics_property import (
    ZONES,
    Ask,
    Built,
    LeadRow,
    Refused,
    World,
    asks,
    build,
    compare,
    expected_answer,
    lead_rows,
    request,
    worlds,
)

pytestmark = pytest.mark.django_db

Snapshot = set[tuple[Any, ...]]
DAY_COLUMNS = (
    "account_id",
    "team_id",
    "owner_id",
    "day",
    "step_id",
    "created_count",
    "created_cents",
    "won_count",
    "won_cents",
    "lost_count",
    "cancelled_count",
    "won_cycle_ms",
)
OPEN_COLUMNS = ("account_id", "team_id", "owner_id", "step_id", "count", "cents", "weighted")
OPERATIONS = (
    "create",
    "import",
    "reimport",
    "update",
    "set_based",
    "bulk",
    "bulk",
    "undo",
    "bin",
    "restore",
    "purge",
    "delete",
    "other_account",
    "time_zone",
)
BULK_ACTIONS = ("assign", "place_in_team", "set_status", "move_to_step", "delete", "restore")


# --- The figures as they are, and as counted again --------------------------------------------


def figures_now() -> tuple[Snapshot, Snapshot]:
    """Every row of both tables that holds something (rows left at zero count for nothing)."""
    days = {
        row
        for row in DayFigures.objects.values_list(*DAY_COLUMNS)
        if any(row[len(DAY_COLUMNS) - 7 :])
    }
    opened = {row for row in OpenFigures.objects.values_list(*OPEN_COLUMNS) if any(row[4:])}
    return days, opened


def figures_counted_again() -> tuple[Snapshot, Snapshot]:
    FiguresRebuild.objects.bulk_create(
        FiguresRebuild(account=account) for account in Account.objects.all()
    )
    assert not FiguresRebuild.objects.exists(), "a rebuild request is consumed at once"
    return figures_now()


def assert_figures_exact() -> None:
    kept = figures_now()
    assert kept == figures_counted_again()


# --- Writes -----------------------------------------------------------------------------------


def admin_of(built: Built) -> tuple[User, Actor]:
    admin = User.objects.create(
        account=built.account, email="writer@random.test", password="!", is_admin=True
    )
    return admin, actor_for_user(admin, built.account)


def imported(built: Built, row: LeadRow) -> ImportedLead:
    status = row.status
    return ImportedLead(
        title="Imported",
        description="",
        amount=Decimal(row.cents).scaleb(-2),
        probability=row.probability,
        currency="EUR",
        status=status,
        step_id=built.steps[row.step].pk,
        owner_id=built.users[row.owner].pk if row.owner is not None else None,
        team_id=built.teams[row.team].pk if row.team is not None else None,
        starred=False,
        remind_date=date(2030, 1, 7) if status == Status.STANDBY else None,
        remind_time=None,
        estimated_closing_date=None,
        created_at=row.created_at,
        closed_at=row.closed_at,
        created_by_id=None,
        created_from="import",
        tags=[],
    )


def lead_fields(built: Built, row: LeadRow) -> dict[str, Any]:
    return {
        "step_id": built.steps[row.step].pk,
        "owner_id": built.users[row.owner].pk if row.owner is not None else None,
        "team_id": built.teams[row.team].pk if row.team is not None else None,
        "status": row.status,
        "amount": Decimal(row.cents).scaleb(-2),
        "probability": row.probability,
        "created_at": row.created_at,
        "closed_at": row.closed_at,
    }


def account_leads(built: Built) -> list[Lead]:
    return list(Lead.objects.filter(account=built.account).order_by("pk"))


def apply(data: st.DataObject, world: World, built: Built, actor: Actor, operation: str) -> World:
    """One random write; the world it leaves (only the time zone may change)."""
    zone = world.zone
    users, teams = len(built.users), len(built.teams)
    row = data.draw(lead_rows(ZoneInfo(zone), users, teams))
    if not world.teams_on:  # the leads keep their team, but no write may name one
        row = replace(row, team=None)
    leads = account_leads(built)
    live = [lead.pk for lead in leads if lead.deleted_at is None]
    binned = [lead.pk for lead in leads if lead.deleted_at is not None]
    if operation == "create":
        Lead.objects.create(
            account=built.account,
            title="Created",
            currency="EUR",
            deleted_at=timezone.now() if row.deleted else None,
            **lead_fields(built, row),
        )
    elif operation == "import":
        lead_import(actor=actor, data=imported(built, row))
    elif operation == "reimport" and live:
        lead_import(
            actor=actor, data=imported(built, row), lead_id=data.draw(st.sampled_from(live))
        )
    elif operation == "update" and leads:
        pk = data.draw(st.sampled_from([lead.pk for lead in leads]))
        fields = lead_fields(built, row)
        names = data.draw(st.sets(st.sampled_from(sorted(fields)), min_size=1))
        if names & {"created_at", "closed_at", "status"}:
            names |= {"created_at", "closed_at", "status"}
        Lead.objects.filter(pk=pk).update(**{name: fields[name] for name in names})
    elif operation == "set_based":
        everyone = Lead.objects.filter(account=built.account)
        if teams and data.draw(st.booleans()):
            team = built.teams[data.draw(st.integers(0, teams - 1))]
            everyone.filter(owner__isnull=False).update(team=team)
        else:
            everyone.update(amount=F("amount") + Decimal("1.01"))
    elif operation == "bulk" and leads:
        action = data.draw(st.sampled_from(BULK_ACTIONS))
        if action == "place_in_team" and not world.teams_on:
            action = "assign"
        pool = binned if action == "restore" else live
        if pool:
            ids = data.draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
            bulk_apply(
                actor=actor,
                action=action,
                selection=Selection(ids=ids),
                params=bulk_params(data, built, action),
            )
    elif operation == "undo":
        done = list(
            BulkAction.objects.filter(account=built.account, undone_at__isnull=True)
            .exclude(action="export")
            .values_list("pk", flat=True)
        )
        if done:
            bulk_undo(actor=actor, bulk_action_id=data.draw(st.sampled_from(done)))
    elif operation == "bin" and live:
        lead_delete(actor=actor, lead_id=data.draw(st.sampled_from(live)))
    elif operation == "restore" and binned:
        lead_restore(actor=actor, lead_id=data.draw(st.sampled_from(binned)))
    elif operation == "purge":
        bin_purge_expired(timezone.now() + timedelta(days=365))
    elif operation == "delete" and leads:
        Lead.objects.filter(pk=data.draw(st.sampled_from([lead.pk for lead in leads]))).delete()
    elif operation == "other_account":
        theirs = Lead.objects.exclude(account=built.account)
        theirs.update(amount=F("amount") + 1, status=Status.WON, closed_at=F("created_at"))
    elif operation == "time_zone":
        zone = data.draw(st.sampled_from(ZONES))
        Account.objects.filter(pk=built.account.pk).update(time_zone=zone)
        built.account.refresh_from_db()
    return replace(world, zone=zone)


def bulk_params(data: st.DataObject, built: Built, action: str) -> dict[str, Any]:
    if action == "assign":
        return {"user_id": data.draw(st.sampled_from([None, *(u.pk for u in built.users)]))}
    if action == "place_in_team":
        return {"team_id": data.draw(st.sampled_from([None, *(t.pk for t in built.teams)]))}
    if action == "set_status":
        return {"status": data.draw(st.sampled_from(["todo", "won", "lost", "cancelled"]))}
    if action == "move_to_step":
        return {"step": data.draw(st.sampled_from([step.pk for step in built.steps]))}
    return {}


# --- Reading ----------------------------------------------------------------------------------


def statistics_request(built: Built, ask: Ask) -> StatisticsRequest:
    user_ref: int | str | None = None
    if ask.user is not None:
        member = built.users[ask.user]
        user_ref = member.email if ask.user_by_email else member.pk
    return StatisticsRequest(
        scope=ScopeKind(ask.scope) if ask.scope is not None else None,
        team_id=built.teams[ask.team].pk if ask.team is not None else None,
        user_ref=user_ref,
        date_from=ask.date_from,
        date_to=ask.date_to,
        group_by=Grouping(ask.group_by),
        pipeline_id=built.pipelines[ask.pipeline].pk if ask.pipeline is not None else None,
    )


def both_ways(actor: Actor, statistics: StatisticsRequest) -> tuple[Any, Any]:
    """The answer read from the figures and the one counted over the leads (or the error)."""
    answers: list[Any] = []
    for use_figures in (True, False):
        try:
            answers.append(statistics_get(actor=actor, request=statistics, use_figures=use_figures))
        except Exception as error:  # the same refusal both ways
            answers.append((type(error), str(error)))
    return answers[0], answers[1]


def actor_of(built: Built, caller: int | None) -> Actor:
    if caller is None:
        return actor_for_api_key(built.account)
    return actor_for_user(built.users[caller], built.account)


def check_answers(world: World, built: Built, asked: list[Ask]) -> list[str]:
    failures = []
    built.leads = account_leads(built)
    for ask in asked:
        actor = actor_of(built, ask.caller)
        from_figures, from_leads = both_ways(actor, statistics_request(built, ask))
        if from_figures != from_leads:
            failures.append(f"{ask}: figures {from_figures} != leads {from_leads}")
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
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), data=st.data())
def test_the_figures_equal_counting_the_leads_after_random_writes(
    world: World, data: st.DataObject
) -> None:
    with transaction.atomic():
        built = build(world)
        _, actor = admin_of(built)
        operations = data.draw(st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=8))
        for operation in operations:
            world = apply(data, world, built, actor, operation)
        users, teams = len(built.users), len(built.teams)
        asked = list(world.asks)
        # The same questions from the account's API key, which sees every lead.
        asked += [replace(ask, caller=None) for ask in world.asks]
        asked += data.draw(st.lists(asks(users, teams), min_size=1, max_size=3))
        failures = check_answers(world, built, asked)
        assert not failures, "\n".join(failures[:20])
        assert_figures_exact()
        transaction.set_rollback(True)


# --- Which way a request is answered ----------------------------------------------------------


@pytest.fixture
def small(db: None) -> tuple[World, Built]:
    zone = "Europe/Paris"
    instant = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 or 02:30 in Paris: DST night
    rows = tuple(
        LeadRow(
            owner=index % 3 if index % 4 else None,
            team=index % 2 if index % 5 else None,
            step=index % 4,
            status=(Status.TODO, Status.WON, Status.LOST, Status.CANCELLED, Status.STANDBY)[
                index % 5
            ],
            created_at=instant - timedelta(hours=index * 7),
            closed_at=instant + timedelta(hours=index) if index % 5 in (1, 2, 3) else None,
            cents=index * 1001,
            probability=index * 3 % 101,
            deleted=index == 7,
        )
        for index in range(20)
    )
    world = World(
        zone=zone,
        edition=Edition.DREAM_TEAM,
        teams_enabled=True,
        privacy=Privacy.ADMINS_ONLY,
        assignment=Assignment.values[0],
        team_privacy=TeamPrivacy.MANAGERS_ONLY,
        team_assignment=TeamAssignment.values[0],
        admins=(True, False, False, False),
        roles=(("member", "manager", "member", None), (None, "member", "manager", None)),
        leads=rows,
        asks=(),
    )
    return world, build(world)


def test_who_is_answered_from_the_figures(small: tuple[World, Built]) -> None:
    """The figures answer a scope that is every lead of the account, or of some teams, as the
    caller sees them; anything else is counted over the leads the caller sees."""
    _, built = small
    admin, manager, plain = actor_of(built, 0), actor_of(built, 1), actor_of(built, 3)
    for actor in (admin, actor_for_api_key(built.account)):
        assert figures_level(actor, statistics_scope(actor), None) is not None
    # Under "managers only" a manager sees every lead of the teams they manage.
    assert figures_level(manager, statistics_scope(manager), None) is not None
    member = built.users[2].pk
    assert figures_level(manager, statistics_scope(manager, user_ref=member), None) is not None
    # A plain user's own figures: the leads they see, whatever the teams.
    assert figures_level(plain, statistics_scope(plain), None) is None
    # Under "admins only" a manager sees only part of their team.
    built.account.team_privacy = TeamPrivacy.ADMINS_ONLY
    built.account.save()
    manager = actor_of(built, 1)
    assert figures_level(manager, statistics_scope(manager), None) is None


def test_the_path_taken_follows_what_the_caller_sees(small: tuple[World, Built]) -> None:
    """Spoiling the figures on purpose shows which way each caller is answered."""
    _, built = small
    admin, manager, plain = actor_of(built, 0), actor_of(built, 1), actor_of(built, 3)
    everything = StatisticsRequest(date_from=date(2025, 1, 1), date_to=date(2026, 12, 31))
    managed = replace(everything, scope=ScopeKind.TEAMS_MANAGED)
    asked = [(admin, everything), (manager, managed), (plain, everything)]
    before = [statistics_get(actor=actor, request=request) for actor, request in asked]
    assert all(answer.totals.created_count > 0 for answer in before[:2])
    DayFigures.objects.update(created_count=F("created_count") + 1000)
    after = [statistics_get(actor=actor, request=request) for actor, request in asked]
    assert after[0] != before[0]
    assert after[1] != before[1]
    assert after[2] == before[2]
    FiguresRebuild.objects.create(account=built.account)
    assert [statistics_get(actor=actor, request=request) for actor, request in asked] == before


def test_changing_the_time_zone_files_every_lead_under_its_new_day(
    small: tuple[World, Built],
) -> None:
    _, built = small
    admin = actor_of(built, 0)
    by_day = StatisticsRequest(
        date_from=date(2026, 3, 1), date_to=date(2026, 4, 30), group_by=Grouping.DAY
    )
    for zone in ("Asia/Kolkata", "Australia/Lord_Howe", "UTC"):
        built.account.time_zone = zone
        built.account.save()
        admin = actor_of(built, 0)
        from_figures, from_leads = both_ways(admin, by_day)
        assert from_figures == from_leads
    assert_figures_exact()


def test_a_bulk_move_and_its_undo_keep_the_figures_exact(small: tuple[World, Built]) -> None:
    _, built = small
    _, actor = admin_of(built)
    live = list(
        Lead.objects.filter(account=built.account, deleted_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    result = bulk_apply(
        actor=actor,
        action="place_in_team",
        selection=Selection(ids=live),
        params={"team_id": built.teams[1].pk},
    )
    assert result.changed > 0
    assert_figures_exact()
    bulk_undo(actor=actor, bulk_action_id=result.bulk_action.pk)
    assert_figures_exact()
    by_team = StatisticsRequest(
        date_from=date(2025, 1, 1), date_to=date(2026, 12, 31), group_by=Grouping.TEAM
    )
    from_figures, from_leads = both_ways(actor, by_team)
    assert from_figures == from_leads


def test_the_triggers_are_in_place() -> None:
    """A later migration that rebuilds the lead or account table on SQLite drops them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "stats_figures_insert",
        "stats_figures_update",
        "stats_figures_delete",
        "stats_figures_rebuild",
        "stats_zone_changed",
    } <= names


def test_the_rebuild_command_puts_spoiled_figures_right(
    small: tuple[World, Built], capsys: pytest.CaptureFixture[str]
) -> None:
    _, built = small
    kept = figures_now()
    DayFigures.objects.update(won_cents=F("won_cents") + 7)
    OpenFigures.objects.filter(account=built.account).delete()
    assert figures_now() != kept
    assert cli.main(["rebuild-statistics", "--account-id", str(built.account.pk)]) == 0
    assert "1 account(s)" in capsys.readouterr().out
    assert figures_now() != kept  # the other account's rows are still spoiled
    assert cli.main(["rebuild-statistics"]) == 0
    assert figures_now() == kept
    assert cli.main(["rebuild-statistics", "--account-id", "0"]) == 1
