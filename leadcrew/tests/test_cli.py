"""The `leadcrew` command, run in-process through `main` (one smoke test runs the script)."""

import json
import logging
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from django.utils import timezone

from leadcrew import cli, demo
from leadcrew.access.actor import actor_for_api_key
from leadcrew.access.policy import account_leads
from leadcrew.accounts.models import Account, ApiKey, User, hash_secret
from leadcrew.accounts.services import account_create
from leadcrew.audit.models import SensitiveAction
from leadcrew.leads.models import HistoryAction, Lead, LeadHistory, Status, Step
from leadcrew.teams.models import Membership, Team

SCRIPT = Path(sys.executable).parent / "leadcrew"


def test_help_runs_as_a_console_script() -> None:
    if not SCRIPT.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    done = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for command in ("migrate", "create-account", "serve", "scheduler", "demo"):
        assert command in done.stdout


# --- create-account -------------------------------------------------------------------------


def create_account(*extra: str, email: str = "boss@globex.test") -> int:
    return cli.main(
        [
            "create-account",
            "--name",
            "Globex",
            "--admin-email",
            email,
            "--admin-password",
            "correct-horse-battery",
            *extra,
        ]
    )


@pytest.mark.django_db
def test_create_account_json_ends_with_the_ids_and_creates_the_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert create_account("--edition", "dream_team", "--json") == 0

    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    ids = json.loads(last_line)
    assert list(ids) == ["account_id", "admin_id", "api_key"]
    account = Account.objects.get(pk=ids["account_id"])
    assert (account.name, account.edition) == ("Globex", "dream_team")
    admin = User.objects.get(pk=ids["admin_id"])
    assert (admin.account_id, admin.email, admin.is_admin) == (account.pk, "boss@globex.test", True)
    assert admin.check_password("correct-horse-battery")
    key = ApiKey.objects.get(key_hash=hash_secret(ids["api_key"]))
    assert key.account_id == account.pk


@pytest.mark.django_db
def test_create_account_refuses_a_duplicate_email(capsys: pytest.CaptureFixture[str]) -> None:
    assert create_account() == 0
    capsys.readouterr()

    assert create_account("--json", email="BOSS@globex.test") == 1

    out, err = capsys.readouterr()
    assert "already exists" in err
    assert out == ""
    assert Account.objects.count() == 1


@pytest.mark.django_db
def test_create_account_refuses_an_unknown_edition(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        create_account("--edition", "platinum")

    assert exit_info.value.code != 0
    assert "invalid choice: 'platinum'" in capsys.readouterr().err
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_create_account_refuses_a_malformed_email(capsys: pytest.CaptureFixture[str]) -> None:
    assert create_account(email="not-an-email") == 1
    assert "--admin-email: Enter a valid email address." in capsys.readouterr().err
    assert not Account.objects.exists()


# --- demo -----------------------------------------------------------------------------------


@pytest.fixture
def demo_account(db: None, capsys: pytest.CaptureFixture[str]) -> Account:
    assert cli.main(["demo"]) == 0
    output = capsys.readouterr().out
    for promised in (demo.ADMIN_EMAIL, demo.PASSWORD, demo.API_KEY, "/api/v2/docs", "loaded"):
        assert promised in output
    return Account.objects.get(users__email=demo.ADMIN_EMAIL)


def test_demo_account_has_teams_on_and_its_settings(demo_account: Account) -> None:
    account = demo_account
    assert (account.name, account.edition) == ("Acme Sales", "dream_team")
    assert account.teams_layer_on
    assert (account.privacy, account.team_privacy) == ("admins_only", "managers_only")
    assert (account.time_zone, account.currency) == ("Europe/Paris", "EUR")
    assert ApiKey.objects.filter(account=account, key_hash=hash_secret(demo.API_KEY)).exists()


def test_demo_log_names_its_published_key(demo_account: Account) -> None:
    [entry] = SensitiveAction.objects.filter(account=demo_account)
    assert (entry.action, entry.details["prefix"]) == ("api_key_created", demo.API_KEY[:8])


def test_demo_people_cover_every_position(demo_account: Account) -> None:
    users = User.objects.filter(account=demo_account)
    assert Team.objects.filter(account=demo_account).count() == 3
    assert users.count() >= 12
    assert users.filter(is_disabled=True).count() == 1
    assert users.filter(is_admin=True, email=demo.ADMIN_EMAIL).exists()
    assert users.filter(locale="fr").exists()
    assert users.filter(is_admin=False, memberships__isnull=True).exists()
    flags_by_user: dict[int, set[bool]] = {}
    for user_id, is_manager in Membership.objects.filter(account=demo_account).values_list(
        "user_id", "is_manager"
    ):
        flags_by_user.setdefault(user_id, set()).add(is_manager)
    # Someone manages one team and is a plain member of another.
    assert {True, False} in flags_by_user.values()
    managers = Membership.objects.filter(account=demo_account, is_manager=True)
    assert managers.values("team").distinct().count() == 3
    assert User.objects.get(email=demo.ADMIN_EMAIL).check_password(demo.PASSWORD)


def test_demo_leads_tell_a_plausible_story(demo_account: Account) -> None:
    leads = list(account_leads(actor_for_api_key(demo_account)))
    now = timezone.now()
    assert 550 <= len(leads) <= 650
    statuses = Counter(lead.status for lead in leads)
    assert set(statuses) == set(Status.values)
    assert statuses["todo"] + statuses["standby"] > len(leads) / 2
    created = sorted(lead.created_at for lead in leads)
    assert created[0] >= now - timedelta(days=549)
    assert created[-1] - created[0] >= timedelta(days=480)
    assert len({(c.year, c.month) for c in created}) >= 17
    assert any(lead.owner_id is None for lead in leads)
    assert any(lead.starred for lead in leads)
    assert all("@" in lead.description for lead in leads)
    for lead in leads:
        closed = lead.status in (Status.WON, Status.LOST, Status.CANCELLED)
        assert (lead.closed_at is not None) == closed
        if closed:
            assert lead.closed_at is not None and lead.closed_at > lead.created_at
        if lead.status == Status.STANDBY:
            assert lead.next_action_at is not None and lead.next_action_at > now
        if lead.remind_date is not None:
            expected = demo.next_action_at(lead.remind_date, lead.remind_time, demo_account.zone)
            assert lead.next_action_at == expected


def test_demo_leads_each_have_a_creation_record(demo_account: Account) -> None:
    leads = account_leads(actor_for_api_key(demo_account))
    created_rows = LeadHistory.objects.filter(account=demo_account, action=HistoryAction.CREATED)
    assert created_rows.count() == leads.count()
    assert set(created_rows.values_list("lead_id", flat=True)) == set(
        leads.values_list("id", flat=True)
    )


def test_demo_leads_have_activities_their_reports_count(demo_account: Account) -> None:
    from leadcrew.activities.selectors import ActivityReportRequest, activity_report_get
    from leadcrew.leads.models import Comment

    activities = Comment.objects.filter(account=demo_account, activity__isnull=False)
    assert activities.count() > 500
    for activity in activities.select_related("lead"):
        lead = activity.lead
        assert activity.author_id == lead.owner_id and activity.team_id == lead.team_id
        assert lead.created_at <= activity.created_at <= (lead.closed_at or timezone.now())
    year = ActivityReportRequest(
        date_from=(timezone.now() - timedelta(days=365)).date(), date_to=timezone.now().date()
    )
    report = activity_report_get(actor=actor_for_api_key(demo_account), request=year)
    assert report.totals.count > 0 and report.totals.leads_won > 0


def test_demo_owners_are_members_of_their_lead_team(demo_account: Account) -> None:
    memberships = set(
        Membership.objects.filter(account=demo_account).values_list("user_id", "team_id")
    )
    in_team = account_leads(actor_for_api_key(demo_account)).filter(
        owner__isnull=False, team__isnull=False
    )
    assert in_team.count() > 400
    assert all(pair in memberships for pair in in_team.values_list("owner_id", "team_id"))


def test_demo_is_idempotent(demo_account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    lead_count = account_leads(actor_for_api_key(demo_account)).count()
    user_count = User.objects.count()

    assert cli.main(["demo"]) == 0

    output = capsys.readouterr().out
    assert "already exists" in output
    assert demo.ADMIN_EMAIL in output and demo.API_KEY in output
    assert Account.objects.count() == 1
    assert User.objects.count() == user_count
    assert account_leads(actor_for_api_key(demo_account)).count() == lead_count


# --- scheduler ------------------------------------------------------------------------------


def standby_lead(account: Account, title: str, due_in: timedelta) -> Lead:
    remind_at = timezone.now() + due_in
    return Lead.objects.create(
        account=account,
        title=title,
        currency="EUR",
        status=Status.STANDBY,
        step=Step.objects.filter(account=account).order_by("position")[0],
        remind_date=remind_at.date(),
        next_action_at=remind_at,
    )


@pytest.mark.django_db
def test_scheduler_once_wakes_due_standby_leads() -> None:
    try:
        from leadcrew.leads.services import standby_wake_due  # noqa: F401
    except ImportError:
        pytest.skip("leadcrew.leads.services.standby_wake_due does not exist yet")
    account = account_create(name="Initech", admin_email="a@initech.test", admin_password="x")
    due = standby_lead(account.account, "Call back Initech", -timedelta(minutes=5))
    later = standby_lead(account.account, "Call back next week", timedelta(days=7))

    assert cli.main(["scheduler", "--once"]) == 0

    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (Status.TODO, Status.STANDBY)


@pytest.mark.django_db
def test_scheduler_survives_a_database_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services = pytest.importorskip("leadcrew.leads.services")

    def broken(now: object = None) -> int:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "standby_wake_due", broken)
    with caplog.at_level(logging.ERROR, logger="leadcrew.scheduler"):
        assert cli.scheduler_tick() is None
        assert cli.main(["scheduler", "--once"]) == 1
    assert "retrying at the next tick" in caplog.text


# --- serve ----------------------------------------------------------------------------------


def test_serve_uses_threaded_workers_when_asked_for_threads() -> None:
    args = cli.build_parser().parse_args(["serve", "--threads", "4"])
    options = cli._gunicorn_options(args, "http://127.0.0.1:8000", scheduler=None)

    server = cli.LeadcrewServer(options)

    assert server.cfg.worker_class_str == "gthread"
    assert server.cfg.threads == 4
    assert 3 <= server.cfg.workers <= 9


def test_serve_configures_gunicorn_without_starting_it() -> None:
    args = cli.build_parser().parse_args(["serve", "--port", "9123", "--workers", "3"])
    options = cli._gunicorn_options(args, "http://127.0.0.1:9123", scheduler=None)

    server = cli.LeadcrewServer(options)

    assert server.cfg.bind == ["127.0.0.1:9123"]
    assert server.cfg.workers == 3
    assert server.cfg.worker_class_str == "sync"  # one request at a time per process
    assert server.cfg.control_socket_disable is True
