"""GET /statistics on the shared cast: the figures and their shape, the calendar across
daylight-saving changes, the CSV export, parameter errors, and the cost in queries."""

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.accounts.models import Account, User
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.models import Lead, Pipeline, Status, Step
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
FIGURES = {
    "created_count", "created_amount", "won_count", "won_amount", "lost_count",
    "cancelled_count", "conversion_rate", "average_sales_cycle_days",
}  # fmt: skip


def ask(cast: Cast, user: User | None, **params: Any) -> Any:
    return Client(headers=cast.headers(user)).get("/api/v2/statistics", params)


def body(cast: Cast, user: User | None, **params: Any) -> Any:
    answer = ask(cast, user, **params)
    assert answer.status_code == 200, answer.content
    return answer.json()


def update(lead: Lead, **fields: Any) -> None:
    Lead.objects.filter(pk=lead.pk).update(**fields)


def by_key(groups: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {group["key"]: group for group in groups}


# --- Figures --------------------------------------------------------------------------------


def test_the_figures_and_the_shape_of_the_answer(cast: Cast) -> None:
    now = timezone.now()
    update(
        cast.leads.nils_north,
        status=Status.WON,
        amount=Decimal("1000.55"),
        created_at=now - timedelta(days=20),
        closed_at=now - timedelta(days=9, hours=12),
    )
    update(
        cast.leads.nils_solo,
        status=Status.LOST,
        amount=Decimal("20.10"),
        created_at=now - timedelta(days=3),
        closed_at=now - timedelta(days=1),
    )
    update(cast.leads.nora_north, status=Status.CANCELLED, closed_at=now)
    update(cast.leads.mona_north, amount=Decimal("200.01"), probability=25)
    update(cast.leads.mona_solo, amount=Decimal("0.03"), probability=50)
    answer = body(cast, None, group_by="member")
    assert set(answer) == {"scope", "from", "to", "group_by", "totals", "groups", "pipeline"}
    assert answer["scope"] == "account" and answer["group_by"] == "member"
    nils = by_key(answer["groups"])[cast.nils.pk]
    assert set(nils) == FIGURES | {"key", "label"}
    assert nils == {
        "key": cast.nils.pk, "label": "Nils", "created_count": 2, "created_amount": 1020.65,
        "won_count": 1, "won_amount": 1000.55, "lost_count": 1, "cancelled_count": 0,
        "conversion_rate": 0.5, "average_sales_cycle_days": 10.5,
    }  # fmt: skip
    nora = by_key(answer["groups"])[cast.nora.pk]
    assert (nora["conversion_rate"], nora["average_sales_cycle_days"]) == (0.0, None)
    assert by_key(answer["groups"])[None]["label"] == "Unassigned"
    totals = answer["totals"]
    assert (totals["created_count"], totals["created_amount"]) == (18, 1220.69)
    assert (totals["won_count"], totals["lost_count"], totals["cancelled_count"]) == (1, 1, 1)
    assert totals["conversion_rate"] == pytest.approx(1 / 3)
    # The open pipeline: 15 open leads in the first step; 200.01 × 25 % + 0.03 × 50 %
    # = 50.0025 + 0.015 = 50.0175, rounded to the cent: 50.02.
    first, *others = answer["pipeline"]
    assert first == {
        "step_id": first["step_id"], "step": "Incoming", "count": 15, "amount": 200.04,
        "weighted_amount": 50.02,
    }  # fmt: skip
    assert [step["count"] for step in others] == [0] * len(others)


def test_nothing_closed_gives_null_rates(cast: Cast) -> None:
    totals = body(cast, cast.nils)["totals"]
    assert totals["conversion_rate"] is None
    assert totals["average_sales_cycle_days"] is None


def test_the_pipeline_filter_and_the_open_pipeline_of_another_pipeline(cast: Cast) -> None:
    other = Pipeline.objects.create(account=cast.account, name="Renewals")
    step = Step.objects.create(account=cast.account, pipeline=other, name="Renew", position=0)
    update(cast.leads.nils_north, step=step, amount=Decimal("10.00"), probability=10)
    update(cast.leads.nils_solo, step=step, status=Status.WON, closed_at=timezone.now())
    answer = body(cast, None, pipeline_id=other.pk)
    assert answer["totals"]["created_count"] == 2  # only that pipeline's leads count
    assert answer["pipeline"] == [
        {"step_id": step.pk, "step": "Renew", "count": 1, "amount": 10.0, "weighted_amount": 1.0}
    ]
    assert body(cast, None)["totals"]["created_count"] == 18  # every pipeline by default
    foreign = Pipeline.objects.get(account=cast.rival.account, is_default=True)
    refused = ask(cast, None, pipeline_id=foreign.pk)
    assert (refused.status_code, refused.json()["type"]) == (422, "invalid_parameter")


def test_the_default_period_is_the_last_twelve_months(cast: Cast) -> None:
    today = timezone.now().astimezone(cast.account.zone).date()
    answer = body(cast, None)
    assert answer["to"] == today.isoformat()
    first = date.fromisoformat(answer["from"])
    assert first.day == 1 and len(answer["groups"]) == 12
    assert answer["groups"][-1]["key"] == today.replace(day=1).isoformat()
    # A lead created thirteen months ago is out of it.
    update(cast.leads.nils_solo, created_at=timezone.now() - timedelta(days=400))
    assert body(cast, None)["totals"]["created_count"] == 17


# --- The calendar -----------------------------------------------------------------------------


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


# Around the last Sundays of March (30th) and October (26th) 2025, all at local times.
DST_LEADS = {
    "sat_before_spring": paris(2025, 3, 29, 23, 30),  # 22:30 UTC, +01:00
    "sun_of_spring": paris(2025, 3, 30, 23, 30),  # 21:30 UTC, +02:00
    "mon_after_spring": paris(2025, 3, 31, 0, 30),  # 22:30 UTC on Sunday
    "april_first": paris(2025, 4, 1, 0, 30),  # 22:30 UTC on 31 March
    "sat_before_autumn": paris(2025, 10, 25, 23, 30),  # 21:30 UTC, +02:00
    "sun_of_autumn": paris(2025, 10, 26, 23, 30),  # 22:30 UTC, +01:00
    "mon_after_autumn": paris(2025, 10, 27, 0, 30),  # 23:30 UTC on Sunday
    "november_first": paris(2025, 11, 1, 0, 30),  # 23:30 UTC on 31 October
}


@pytest.fixture
def paris_cast(cast: Cast) -> Cast:
    Account.objects.filter(pk=cast.account.pk).update(time_zone="Europe/Paris")
    cast.account.refresh_from_db()
    leads = [lead for name, lead in cast.leads.items() if name != "pool"]
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
        created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    for lead, instant in zip(leads, DST_LEADS.values(), strict=False):
        update(lead, created_at=instant)
    # One lead won across the spring change, closed on 1 April at 00:30 in Paris.
    update(leads[2], status=Status.WON, closed_at=DST_LEADS["april_first"])
    return cast


def created_by_key(cast: Cast, group_by: str, first: str, last: str) -> dict[str, int]:
    groups = body(cast, None, group_by=group_by, **{"from": first, "to": last})["groups"]
    return {group["key"]: group["created_count"] for group in groups if group["created_count"]}


def test_days_follow_the_accounts_zone_across_daylight_saving(paris_cast: Cast) -> None:
    assert created_by_key(paris_cast, "day", "2025-03-29", "2025-04-01") == {
        "2025-03-29": 1, "2025-03-30": 1, "2025-03-31": 1, "2025-04-01": 1,
    }  # fmt: skip
    assert created_by_key(paris_cast, "day", "2025-10-25", "2025-11-01") == {
        "2025-10-25": 1, "2025-10-26": 1, "2025-10-27": 1, "2025-11-01": 1,
    }  # fmt: skip
    # Every day of the range is listed, empty ones too.
    days = body(paris_cast, None, group_by="day", **{"from": "2025-03-29", "to": "2025-04-01"})
    assert [group["key"] for group in days["groups"]] == [
        "2025-03-29", "2025-03-30", "2025-03-31", "2025-04-01",
    ]  # fmt: skip


def test_weeks_start_on_monday_in_the_accounts_zone(paris_cast: Cast) -> None:
    assert created_by_key(paris_cast, "week", "2025-03-24", "2025-11-02") == {
        "2025-03-24": 2, "2025-03-31": 2, "2025-10-20": 2, "2025-10-27": 2,
    }  # fmt: skip
    weeks = body(paris_cast, None, group_by="week", **{"from": "2025-03-26", "to": "2025-04-02"})
    assert [(group["key"], group["label"]) for group in weeks["groups"]] == [
        ("2025-03-24", "2025-W13"), ("2025-03-31", "2025-W14"),
    ]  # fmt: skip


def test_months_follow_the_accounts_zone(paris_cast: Cast) -> None:
    answer = body(paris_cast, None, group_by="month", **{"from": "2025-03-01", "to": "2025-11-30"})
    created = {group["key"]: group["created_count"] for group in answer["groups"]}
    assert created == {
        "2025-03-01": 3, "2025-04-01": 1, "2025-05-01": 0, "2025-06-01": 0, "2025-07-01": 0,
        "2025-08-01": 0, "2025-09-01": 0, "2025-10-01": 3, "2025-11-01": 1,
    }  # fmt: skip
    won = {group["key"]: group["won_count"] for group in answer["groups"] if group["won_count"]}
    assert won == {"2025-04-01": 1}  # closed on 1 April in Paris, 31 March in UTC
    assert answer["groups"][0]["label"] == "2025-03"


def test_the_period_bounds_are_local_days(paris_cast: Cast) -> None:
    # 1 April 00:30 in Paris is 31 March in UTC: it belongs to April's figures only.
    march = body(paris_cast, None, **{"from": "2025-03-01", "to": "2025-03-31"})
    april = body(paris_cast, None, **{"from": "2025-04-01", "to": "2025-04-30"})
    assert (march["totals"]["created_count"], april["totals"]["created_count"]) == (3, 1)


# --- CSV ------------------------------------------------------------------------------------


def test_the_csv_export_is_the_same_table_and_is_logged(cast: Cast) -> None:
    update(cast.leads.nils_solo, status=Status.WON, amount=Decimal("12.30"),
           closed_at=timezone.now())  # fmt: skip
    answer = ask(cast, cast.admin, group_by="member", format="csv")
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(StringIO(answer.content.decode())))
    json_answer = body(cast, cast.admin, group_by="member")
    assert rows[0] == [
        "key", "label", "created_count", "created_amount", "won_count", "won_amount",
        "lost_count", "cancelled_count", "conversion_rate", "average_sales_cycle_days",
    ]  # fmt: skip
    assert len(rows) == 1 + len(json_answer["groups"]) + 1
    nils = next(row for row in rows if row[0] == str(cast.nils.pk))
    assert nils[1:6] == ["Nils", "2", "12.30", "1", "12.30"]
    assert rows[-1][:4] == ["total", "Total", "18", "12.30"]
    assert next(row for row in rows if row[1] == "Unassigned")[0] == ""
    entry = SensitiveAction.objects.get(account=cast.account, action=SensitiveActionType.EXPORT)
    assert entry.actor_id == cast.admin.pk
    assert entry.details["what"] == "statistics"
    assert entry.details["group_by"] == "member" and entry.details["scope"] == "account"


def test_only_admins_export_when_the_toggle_is_on(cast: Cast) -> None:
    assert ask(cast, cast.nils, format="csv").status_code == 200  # his own figures
    cast.configure(only_admins_export_leads=True)
    refused = ask(cast, cast.nils, format="csv")
    assert (refused.status_code, refused.json()["type"]) == (403, "forbidden_action")
    assert ask(cast, cast.nils).status_code == 200  # reading them stays allowed
    assert ask(cast, cast.admin, format="csv").status_code == 200
    assert ask(cast, None, format="csv").status_code == 200
    logged = SensitiveAction.objects.filter(
        account=cast.account, action=SensitiveActionType.EXPORT
    ).order_by("id")
    assert [entry.actor_id for entry in logged] == [cast.nils.pk, cast.admin.pk, None]


# --- Parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "type_"),
    [
        ({"from": "2025-05-02", "to": "2025-05-01"}, 422, "invalid_parameter"),
        ({"from": "2010-01-01", "to": "2025-01-01", "group_by": "day"}, 422, "invalid_parameter"),
        ({"from": "2025-02-30"}, 400, "bad_parameter_format"),
        ({"group_by": "year"}, 400, "bad_parameter_format"),
        ({"scope": "everyone"}, 400, "bad_parameter_format"),
        ({"scope": "team"}, 422, "missing_parameter"),
        ({"user_id": "nobody@acme.test"}, 422, "invalid_parameter"),
    ],
)
def test_bad_parameters(cast: Cast, params: dict[str, str], status: int, type_: str) -> None:
    answer = ask(cast, None, **params)
    assert (answer.status_code, answer.json()["type"]) == (status, type_), answer.content


def test_a_long_range_is_fine_by_member_or_by_month(cast: Cast) -> None:
    for group_by in ("member", "month"):
        answer = body(cast, None, group_by=group_by, **{"from": "1990-01-01", "to": "2030-12-31"})
        assert answer["totals"]["created_count"] == 18


def test_the_endpoint_is_in_the_openapi_document(cast: Cast) -> None:
    document = Client().get("/api/v2/openapi.json").json()
    operation = document["paths"]["/api/v2/statistics"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names >= {"scope", "team_id", "user_id", "from", "to", "group_by", "pipeline_id"}


# --- Cost -----------------------------------------------------------------------------------


def add_leads(cast: Cast, count: int) -> None:
    step = Step.objects.filter(account=cast.account, pipeline__is_default=True).first()
    owners = [cast.nils, cast.nora, cast.paula, None]
    teams = [cast.north, cast.south, None]
    statuses = list(Status)
    start = timezone.now() - timedelta(days=300)
    leads = []
    for index in range(count):
        created = start + timedelta(hours=37 * index)
        status = statuses[index % len(statuses)]
        closed = status in (Status.WON, Status.LOST, Status.CANCELLED)
        leads.append(
            Lead(
                account=cast.account,
                title=f"Bulk {index}",
                currency="EUR",
                step=step,
                owner=owners[index % 4],
                team=teams[index % 3],
                status=status,
                amount=Decimal(index) + Decimal("0.25"),
                probability=index % 101,
                created_at=created,
                closed_at=created + timedelta(days=index % 9) if closed else None,
            )
        )
    Lead.objects.bulk_create(leads)


def queries_per_grouping(cast: Cast, user: User | None) -> dict[str, int]:
    body(cast, user)  # a credential's first use of the minute is written down: not counted
    counts = {}
    for group_by in ("day", "week", "month", "member", "team"):
        with CaptureQueriesContext(connection) as captured:
            body(cast, user, group_by=group_by)
        counts[group_by] = len(captured)
        if connection.vendor == "sqlite":
            # No Python function called per row (Django's own date truncation and duration
            # arithmetic on SQLite are named django_*).
            assert not [q["sql"] for q in captured if "django_" in q["sql"]], group_by
    return counts


@pytest.mark.parametrize("as_manager", [False, True])
def test_a_request_is_a_few_queries_whatever_the_number_of_leads(
    cast: Cast, as_manager: bool
) -> None:
    user = cast.mona if as_manager else None
    add_leads(cast, 10)
    few = queries_per_grouping(cast, user)
    add_leads(cast, 190)
    assert queries_per_grouping(cast, user) == few
    assert max(few.values()) <= 10, few
