"""A migration from a small fake noCRM.io: the reference's own shapes and habits (no settings
endpoint, the unassigned pool apart and paged by `limit` only, comments in one call whatever
the paging, authors as nested users, system entries without text) and its 429 with
API-RETRY-AFTER."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from leadcrew import cli
from leadcrew.accounts.models import Edition, User
from leadcrew.accounts.services import NewAccount, account_create
from leadcrew.activities.models import ActivityType
from leadcrew.contacts.models import Category, ClientFolder, Field, PredefinedTag
from leadcrew.contacts.selectors import lead_values_by_key
from leadcrew.events.models import Event, EventName
from leadcrew.leads.models import Comment, Lead, LeadHistory, Pipeline
from leadcrew.migration.client import SourceApi
from leadcrew.migration.models import SourceKind, SourceRecord
from leadcrew.migration.services import Skip, migrate_account
from leadcrew.teams.models import Membership, Team

API_KEY = "nocrm-key"

USERS = [
    {"id": 11, "firstname": "Ana", "lastname": "Lopez", "email": "ana@shop.example",
     "is_admin": True, "is_disabled": False, "locale": "fr", "teams": []},
    {"id": 12, "firstname": "Bo", "lastname": "Berg", "email": "bo@shop.example",
     "is_admin": False, "is_disabled": False, "locale": "en", "teams": [],
     "phone": "+33 1 23 45 67 89", "mobile_phone": "+33 6 12 34 56 78",
     "job_title": "Account manager", "time_zone": "Europe/Paris"},
    {"id": 13, "firstname": "Cy", "lastname": "Chan", "email": "cy@shop.example",
     "is_admin": False, "is_disabled": True, "locale": "de", "teams": []},
]  # fmt: skip
TEAMS = [
    {"id": 21, "name": "Retail", "users": [{"id": 12, "is_manager": True}, {"id": 13}]},
]
PIPELINES = [
    {"id": 31, "name": "Sales", "is_default": True},
    {"id": 32, "name": "Renewals", "is_default": False},
]
STEPS = [
    {"id": 41, "name": "Incoming", "position": 1, "pipeline_id": 31},
    {"id": 42, "name": "Qualified", "position": 2, "pipeline_id": 31},
    {"id": 43, "name": "Due", "position": 1, "pipeline_id": 32},
    {"id": 44, "name": "Signed", "position": 2, "pipeline_id": 32},
]

ACTIVITIES = [
    {"id": 3, "name": "Call", "kind": "call", "is_disabled": False},
    {"id": 4, "name": "Site visit", "kind": "visit", "is_disabled": False},
]

FIELDS = [
    {"id": 51, "name": "First name", "type": "text", "parent_type": "lead", "is_key": False},
    {"id": 52, "name": "Budget", "type": "number", "parent_type": "lead", "is_key": False},
]

CLIENTS = [
    {"id": 61, "name": "Lopez SA", "description": "Retail chain", "is_active": True},
    {"id": 62, "name": "Old Co", "description": "", "is_active": False},
]

CATEGORIES = [{"id": 71, "name": "Source", "is_required": True, "supertags": []}]
PREDEFINED_TAGS = [
    {"id": 81, "name": "fair", "category": "Source", "category_id": 71, "position": 0},
    {"id": 82, "name": "vip", "category": None, "category_id": None, "position": 1},
]


def _lead(lead_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": lead_id, "title": f"Deal {lead_id}", "description": "First name: Jo\n---\nhi",
        "pipeline": "Sales", "step": "Incoming", "step_id": 41, "status": "todo",
        "amount": 1200.5, "probability": 20, "currency": "EUR", "starred": False,
        "remind_date": None, "remind_time": None, "estimated_closing_date": None,
        "closed_at": None, "created_at": "2024-03-01T09:30:00.000Z",
        "updated_at": "2024-03-02T10:00:00.000Z", "tags": ["vip"], "created_from": "form",
        "created_by_id": 11, "user_id": 12, "team_id": 21, **fields,
    }  # fmt: skip


ASSIGNED = [
    _lead(101, client_folder_id=61),
    _lead(102, user_id=11, team_id=None, status="won", step_id=44, probability=100,
          closed_at="2024-05-01T12:00:00.000Z", tags=[]),
    _lead(103, user_id=13, status="standby", remind_date="2025-01-10", remind_time="09:15",
          estimated_closing_date="2025-02-01"),
] + [_lead(n, title=f"Bulk {n}", tags=["bulk"]) for n in range(104, 202)]  # fmt: skip
UNASSIGNED = [
    _lead(301, user_id=None, team_id=21, created_by_id=None),
    _lead(
        302,
        user_id=None,
        team_id=None,
        tags=["pool", "cold"],
        description="First name: Lu\nBudget: 5000\n---\nCame from the fair",
    ),
]
COMMENTS = {
    101: [
        {"id": 901, "content": "Second call", "created_at": "2024-03-05T08:00:00.000Z",
         "user": {"id": 12, "firstname": "Bo"}, "is_pinned": True, "activity_id": 3},
        {"id": 902, "content": None, "action_item": {"email": {"content": "mail"}},
         "created_at": "2024-03-04T08:00:00.000Z", "user": {"id": 12}},
        {"id": 903, "content": "First call", "created_at": "2024-03-03T08:00:00.000Z",
         "user": {"id": 11}, "is_pinned": False, "activity_id": None},
    ],
}  # fmt: skip


LISTS = (
    "/users",
    "/teams",
    "/pipelines",
    "/steps",
    "/activities",
    "/fields",
    "/categories",
    "/predefined_tags",
)


class FakeNocrm(BaseHTTPRequestHandler):
    """The reference's read endpoints over the data above. `throttled` requests answer 429
    first, each with `API-RETRY-AFTER: 7`."""

    throttled = 0
    seen: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        type(self).seen.append(url.path)
        if self.headers.get("X-API-KEY") != API_KEY:
            self._send(401, {"error": 401, "type": "unauthorized_invalid_token"})
            return
        if type(self).throttled > 0:
            type(self).throttled -= 1
            self._send(429, {"error": 429}, {"API-RETRY-AFTER": "7", "API-LIMIT-RESET": "0"})
            return
        path = url.path.removeprefix("/api/v2")
        limit = int(query.get("limit", 100))
        offset = int(query.get("offset", 0))
        if path == "/leads":
            # The reference's list leaves the unassigned pool out.
            self._list(ASSIGNED[offset : offset + limit], len(ASSIGNED))
        elif path == "/leads/unassigned":
            self._list(UNASSIGNED[:limit], len(UNASSIGNED))  # limit only: offset ignored
        elif path == "/clients":
            self._list(CLIENTS[offset : offset + limit], len(CLIENTS))
        elif path.startswith("/leads/") and path.endswith("/comments"):
            lead_id = int(path.split("/")[2])
            self._list(COMMENTS.get(lead_id, []), None)  # everything, whatever the paging
        elif path in LISTS:
            data = {
                "/users": USERS,
                "/teams": TEAMS,
                "/pipelines": PIPELINES,
                "/steps": STEPS,
                "/activities": ACTIVITIES,
                "/fields": FIELDS,
                "/categories": CATEGORIES,
                "/predefined_tags": PREDEFINED_TAGS,
            }
            self._list(data[path], None)  # no paging documented: everything
        else:
            self._send(404, {"error": 404, "type": "record_not_found"})

    def _list(self, records: list[Any], total: int | None) -> None:
        headers = {} if total is None else {"X-TOTAL-COUNT": str(total)}
        self._send(200, records, headers)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def nocrm() -> Iterator[str]:
    FakeNocrm.throttled, FakeNocrm.seen = 0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNocrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def target() -> NewAccount:
    return account_create(
        name="Shop",
        admin_email="ana@shop.example",  # the source's admin runs the migration
        admin_password="correct-horse-battery",
        edition=Edition.ESSENTIALS,
    )


def _api(url: str, waits: list[float] | None = None) -> SourceApi:
    def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)

    return SourceApi(url, API_KEY, sleep=sleep)


# --- The client -------------------------------------------------------------------------------


def test_a_429_is_waited_out_for_as_long_as_api_retry_after_says(nocrm: str) -> None:
    FakeNocrm.throttled = 2
    waits: list[float] = []

    pages = list(_api(nocrm, waits).pages("/users"))

    assert waits == [7.0, 7.0]
    assert pages == [USERS]
    assert FakeNocrm.seen == ["/api/v2/users"] * 3


def test_paging_stops_on_a_short_page_and_when_the_server_ignores_offset(nocrm: str) -> None:
    api = _api(nocrm)

    leads = [len(page) for page in api.pages("/leads")]
    pool = list(api.pages("/leads/unassigned", limit=1))  # offset ignored: page 2 repeats 1

    assert leads == [100, 1]
    assert pool == [UNASSIGNED[:1]]


def test_an_address_is_the_account_s_or_its_api_s() -> None:
    assert SourceApi("https://acme.nocrm.io/", "k").base == "https://acme.nocrm.io/api/v2"
    assert SourceApi("https://acme.nocrm.io/api/v2", "k").base == "https://acme.nocrm.io/api/v2"


# --- The migration ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_nocrm_account_is_recreated_with_its_people_teams_leads_and_comments(
    nocrm: str, target: NewAccount
) -> None:
    FakeNocrm.throttled = 1
    waits: list[float] = []

    report = migrate_account(account_id=target.account.pk, api=_api(nocrm, waits))

    account = target.account
    account.refresh_from_db()
    assert waits == [7.0]
    # The source has teams: the teams layer is turned on to hold them.
    assert (account.edition, account.teams_enabled) == (Edition.DREAM_TEAM, True)
    users = {user.email: user for user in User.objects.filter(account=account)}
    assert users["ana@shop.example"].pk == target.admin.pk  # the admin here is kept as is
    bo, cy = users["bo@shop.example"], users["cy@shop.example"]
    assert (bo.first_name, bo.last_name, bo.locale, bo.is_admin) == ("Bo", "Berg", "en", False)
    assert bo.is_disabled and cy.is_disabled  # not invited: nobody new can log in yet
    assert not bo.has_usable_password()
    assert cy.locale == "en"  # a language leadcrew does not have
    assert (bo.phone, bo.mobile_phone) == ("+33 1 23 45 67 89", "+33 6 12 34 56 78")
    assert (bo.job_title, bo.time_zone, cy.time_zone) == ("Account manager", "Europe/Paris", "")
    retail = Team.objects.get(account=account, name="Retail")
    memberships = Membership.objects.filter(account=account, team=retail)
    assert {(m.user.email, m.is_manager) for m in memberships} == {
        ("bo@shop.example", True),
        ("cy@shop.example", False),
    }
    renewals = Pipeline.objects.get(account=account, name="Renewals")
    assert list(renewals.steps.values_list("name", flat=True)) == ["Due", "Signed"]

    leads = {lead.title: lead for lead in Lead.objects.filter(account=account)}
    assert len(leads) == len(ASSIGNED) + len(UNASSIGNED)
    first = leads["Deal 101"]
    assert (first.owner, first.team_id, first.step.name) == (bo, retail.pk, "Incoming")
    assert (first.amount, first.probability, first.currency) == (Decimal("1200.50"), 20, "EUR")
    assert first.created_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert first.created_by == target.admin
    assert first.description == "First name: Jo\n---\nhi"
    assert list(first.tag_rows.values_list("name", flat=True)) == ["vip"]
    won = leads["Deal 102"]
    assert (won.status, won.step.pipeline.name, won.step.name) == ("won", "Renewals", "Signed")
    assert won.closed_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    waiting = leads["Deal 103"]
    assert waiting.owner == cy  # a disabled owner keeps their leads
    assert (waiting.remind_date, waiting.remind_time) == (date(2025, 1, 10), time(9, 15))
    assert waiting.estimated_closing_date == date(2025, 2, 1)
    pooled = [lead for lead in leads.values() if lead.owner is None]
    assert {(lead.title, lead.team.name if lead.team else None) for lead in pooled} == {
        ("Deal 301", "Retail"),
        ("Deal 302", None),
    }
    folders = {f.name: f for f in ClientFolder.objects.filter(account=account)}
    assert (folders["Lopez SA"].description, folders["Old Co"].is_active) == ("Retail chain", False)
    assert first.client_folder == folders["Lopez SA"]
    assert leads["Deal 102"].client_folder is None
    tags = PredefinedTag.objects.filter(account=account).select_related("category")
    assert {(t.name, t.category.name if t.category else None) for t in tags} == {
        ("fair", "Source"),
        ("vip", None),
    }
    assert Category.objects.get(account=account, name="Source").is_required
    # The contact fields are read from the description's header, custom ones too.
    assert lead_values_by_key(first.pk) == {"first_name": "Jo"}
    budget = Field.objects.get(account=account, name="Budget")
    assert (budget.type, budget.key) == ("number", "budget")
    assert lead_values_by_key(leads["Deal 302"].pk) == {"first_name": "Lu", "budget": "5000"}
    history = LeadHistory.objects.get(lead=first)
    assert (history.action, history.created_at) == ("created", first.created_at)

    comments = Comment.objects.filter(lead=first).order_by("created_at")
    assert [(c.content, c.author, c.is_pinned, c.activity) for c in comments] == [
        ("First call", target.admin, False, None),
        ("Second call", bo, True, ActivityType.objects.get(account=account, name="Call")),
    ]
    visit = ActivityType.objects.get(account=account, name="Site visit")
    assert visit.kind == "other"  # a kind leadcrew does not have
    assert [(entry.kind, entry.source_id, entry.reason) for entry in report.skipped] == [
        ("settings", "account", Skip.NOT_SHOWN),
        ("user", "11", Skip.EXISTING_USER),
        ("comment", "902", Skip.NO_TEXT),
    ]
    assert report.created[SourceKind.LEAD] == len(leads)
    # Each lead's creation is an event, as for a lead created by hand (webhooks, notifications).
    creations = Event.objects.filter(account=account, name=EventName.LEAD_CREATION)
    assert set(creations.values_list("lead_id", flat=True)) == {lead.pk for lead in leads.values()}
    assert creations.count() == len(leads)


@pytest.mark.django_db
def test_a_second_run_writes_only_what_changed(nocrm: str, target: NewAccount) -> None:
    migrate_account(account_id=target.account.pk, api=_api(nocrm))
    lines = SourceRecord.objects.filter(account=target.account).count()
    last_event = Event.objects.filter(account=target.account).order_by("-pk")[0].pk
    changed = {**ASSIGNED[0], "amount": 5000, "updated_at": "2024-06-01T10:00:00.000Z"}
    ASSIGNED[0] = changed
    try:
        again = migrate_account(account_id=target.account.pk, api=_api(nocrm))
    finally:
        ASSIGNED[0] = _lead(101, client_folder_id=61)

    assert sum(again.created.values()) == 0
    assert again.updated[SourceKind.LEAD] == 1
    assert again.unchanged[SourceKind.LEAD] == len(ASSIGNED) + len(UNASSIGNED) - 1
    assert SourceRecord.objects.filter(account=target.account).count() == lines
    lead = Lead.objects.get(account=target.account, title="Deal 101")
    assert lead.amount == 5000
    assert lead.history.filter(action="amount").count() == 1
    since = Event.objects.filter(account=target.account, pk__gt=last_event, any_update=True)
    assert list(since.values_list("lead_id", flat=True)) == [lead.pk]  # this change, once


@pytest.mark.django_db
def test_invited_users_are_enabled_unless_disabled_in_the_source(
    nocrm: str, target: NewAccount
) -> None:
    migrate_account(account_id=target.account.pk, api=_api(nocrm), invite=True)

    disabled = dict(User.objects.filter(account=target.account).values_list("email", "is_disabled"))
    assert disabled == {
        "ana@shop.example": False,
        "bo@shop.example": False,
        "cy@shop.example": True,
    }


@pytest.mark.django_db
def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(
    nocrm: str, target: NewAccount
) -> None:
    report = migrate_account(account_id=target.account.pk, api=_api(nocrm), dry_run=True)

    assert report.created[SourceKind.LEAD] == len(ASSIGNED) + len(UNASSIGNED)
    assert not Lead.objects.filter(account=target.account).exists()
    assert not SourceRecord.objects.filter(account=target.account).exists()
    assert User.objects.filter(account=target.account).count() == 1
    target.account.refresh_from_db()
    assert not target.account.teams_enabled


# --- The command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_shows_progress_on_stderr_and_ends_with_a_json_report(
    nocrm: str,
    target: NewAccount,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    FakeNocrm.throttled = 1
    argv = ["import-nocrm", "--url", nocrm, "--api-key", API_KEY]
    argv += ["--account-id", str(target.account.pk), "--json"]

    # The command really waits: a 429 here says 7 s, so answer it from a patched sleep.
    waits: list[float] = []
    monkeypatch.setattr("leadcrew.migration.client.time.sleep", waits.append)
    assert cli.main(argv) == 0

    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["kinds"]["lead"]["created"] == len(ASSIGNED) + len(UNASSIGNED)
    assert report["kinds"]["comment"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "binned": 0,
        "skipped": 1,
    }
    assert {"kind": "comment", "source_id": "902", "reason": "no_text"}.items() <= (
        report["skipped"][-1].items()
    )
    assert "Waiting 7 s: the source's rate limit was reached." in err
    assert "Leads: 103 read" in err
    assert waits == [7.0]


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_account_and_a_wrong_key(
    nocrm: str, target: NewAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["import-nocrm", "--url", nocrm, "--api-key"]

    assert cli.main([*base, API_KEY, "--account-id", "999999"]) == 1
    assert "there is no account 999999" in capsys.readouterr().err
    assert cli.main([*base, "wrong", "--account-id", str(target.account.pk)]) == 1
    assert "HTTP 401" in capsys.readouterr().err
    assert not Lead.objects.filter(account=target.account).exists()


# --- What the rules refuse, and what changed on either side -------------------------------------


@pytest.mark.django_db
def test_a_lead_the_rules_refuse_is_skipped_with_its_code_and_the_rest_arrives(
    nocrm: str, target: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = [
        _lead(401, status="standby", remind_date=None),
        _lead(402, status="lost", closed_at="2020-01-01T00:00:00.000Z"),
        _lead(403, step_id=99),
        _lead(404, user_id=77),
    ]
    monkeypatch.setattr(f"{__name__}.ASSIGNED", ASSIGNED[:2] + refused)

    report = migrate_account(account_id=target.account.pk, api=_api(nocrm))

    leads = [(entry.source_id, entry.reason) for entry in report.skipped if entry.kind == "lead"]
    assert leads == [
        ("401", "standby_needs_date"),
        ("402", "closed_before_created"),
        ("403", Skip.STEP_NOT_IMPORTED),
        ("404", Skip.OWNER_NOT_IMPORTED),
    ]
    titles = set(Lead.objects.filter(account=target.account).values_list("title", flat=True))
    assert titles == {"Deal 101", "Deal 102", "Deal 301", "Deal 302"}


@pytest.mark.django_db
def test_a_lead_deleted_here_stays_deleted_and_a_member_gone_there_leaves_the_team(
    nocrm: str, target: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_account(account_id=target.account.pk, api=_api(nocrm))
    deleted = Lead.objects.get(account=target.account, title="Deal 101")
    Lead.objects.filter(pk=deleted.pk).update(deleted_at=deleted.updated_at)
    changed = {**ASSIGNED[0], "amount": 9, "updated_at": "2024-07-01T00:00:00.000Z"}
    monkeypatch.setattr(f"{__name__}.ASSIGNED", [changed, *ASSIGNED[1:]])
    monkeypatch.setattr(f"{__name__}.TEAMS", [{"id": 21, "name": "Retail", "users": [{"id": 12}]}])

    again = migrate_account(account_id=target.account.pk, api=_api(nocrm))

    assert ("lead", "101", Skip.DELETED_LOCALLY) in {
        (entry.kind, entry.source_id, entry.reason) for entry in again.skipped
    }
    deleted.refresh_from_db()
    assert deleted.deleted_at is not None and deleted.amount == Decimal("1200.50")
    members = Membership.objects.filter(account=target.account, team__name="Retail")
    assert {(m.user.email, m.is_manager) for m in members} == {("bo@shop.example", False)}
    assert again.updated[SourceKind.MEMBERSHIP] == 2  # Bo's flag, and Cy gone


@pytest.mark.django_db
def test_a_lead_deleted_at_the_source_goes_to_the_bin_here(
    nocrm: str, target: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_account(account_id=target.account.pk, api=_api(nocrm))
    copy = Lead.objects.get(account=target.account, title="Deal 101")
    monkeypatch.setattr(f"{__name__}.ASSIGNED", ASSIGNED[1:])

    dry = migrate_account(account_id=target.account.pk, api=_api(nocrm), dry_run=True)
    assert dry.binned[SourceKind.LEAD] == 1
    copy.refresh_from_db()
    assert copy.deleted_at is None  # a dry run writes nothing

    again = migrate_account(account_id=target.account.pk, api=_api(nocrm))
    assert again.binned[SourceKind.LEAD] == 1
    assert again.as_dict()["kinds"]["lead"]["binned"] == 1
    copy.refresh_from_db()
    assert copy.deleted_at is not None
    live = Lead.objects.filter(account=target.account, deleted_at__isnull=True)
    assert live.count() == len(ASSIGNED) + len(UNASSIGNED)  # ASSIGNED: without Deal 101
    third = migrate_account(account_id=target.account.pk, api=_api(nocrm))
    assert third.binned[SourceKind.LEAD] == 0  # already in the bin: said once
