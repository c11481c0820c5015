"""The demo account, served by a live leadcrew (`leadcrew serve`, its own SQLite file), migrated
into another account of the test database through the noCRM v2 API that leadcrew speaks, then
compared field by field through the same API on both sides."""

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as DjangoClient

from bench.harness import Client, Server
from leadcrew import demo
from leadcrew.accounts.models import Edition
from leadcrew.accounts.services import NewAccount, account_create
from leadcrew.leads.models import Comment, Lead
from leadcrew.migration.client import SourceApi
from leadcrew.migration.models import SourceKind, SourceRecord
from leadcrew.migration.services import Report, migrate_account

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Comments written on the source before the migration, each on the author's first lead:
# (author e-mail, text).
COMMENTS = (
    (demo.ADMIN_EMAIL, "Called the CFO: budget confirmed."),
    (f"sophie.laurent@{demo.DOMAIN}", "Sent the proposal, follow up Friday."),
    (f"sophie.laurent@{demo.DOMAIN}", "They want a pilot first."),
    (f"noah.kim@{demo.DOMAIN}", "Asked for references."),
    (f"david.chen@{demo.DOMAIN}", "Négociation: remise de 5 % demandée."),
)
# Lead fields compared as they are; the references (people, team, step) are compared by what
# they name, and the lead's own id and updated_at are the new account's.
PLAIN_FIELDS = (
    "title",
    "description",
    "html_description",
    "pipeline",
    "step",
    "status",
    "amount",
    "probability",
    "currency",
    "starred",
    "remind_date",
    "remind_time",
    "next_action_at",
    "estimated_closing_date",
    "closed_at",
    "created_at",
    "created_from",
    "attachment_count",
    "team_name",
    "fields",
    "client_folder_name",
)


def _run(command: list[str], env: Mapping[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "leadcrew.cli", *command],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass(frozen=True)
class Source:
    server: Server
    commented: frozenset[int]  # the ids of the source's leads that the test commented on
    comments: int  # every comment of the source: the demo's activities and the test's own

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """A leadcrew server holding the demo account, with a few comments by several authors."""
    folder = tmp_path_factory.mktemp("source")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'source.sqlite3'}",
        "LEADCREW_API_RATE_LIMIT": "0",
        "LEADCREW_LOG_LEVEL": "WARNING",
        "LEADCREW_LOGIN_SLOTS_DIR": str(folder / "login-slots"),
    }
    _run(["migrate"], env)
    _run(["demo"], env)
    command = [sys.executable, "-m", "leadcrew.cli", "serve", "--port", "{port}"]
    command += ["--workers", "1", "--no-scheduler"]
    server = Server(command, env=env, log=folder / "server.log", ready_path="/api/v2/ping")
    with server:
        http = Client(server.port, {"X-API-KEY": demo.API_KEY})
        commented = set()
        for email, text in COMMENTS:
            user = http.get("/api/v2/users", email=email).json()[0]
            owned = http.get("/api/v2/leads", user_id=user["id"], order="id", direction="asc")
            lead_id = owned.json()[0]["id"]
            token = http.get("/api/v2/auth/log_as", user_id=email).json()["token"]
            as_user = Client(server.port, {"X-USER-TOKEN": token})
            answer = as_user.request(
                "POST", f"/api/v2/leads/{lead_id}/comments", body={"content": text}
            )
            assert answer.status == 201, answer.body
            commented.add(lead_id)
            as_user.close()
        # A client folder holding two leads.
        company = http.request("POST", "/api/v2/clients", body={"name": "Northwind Group"})
        assert company.status == 201, company.body
        for lead_id in sorted(commented)[:2]:
            body = {"client_folder_id": company.json()["id"]}
            moved = http.request("PUT", f"/api/v2/leads/{lead_id}", body=body)
            assert moved.status == 200, moved.body
        http.close()
        with sqlite3.connect(folder / "source.sqlite3") as database:
            (comments,) = database.execute("SELECT count(*) FROM leads_comment").fetchone()
        yield Source(server, frozenset(commented), comments)


def _source_get(server: Source, path: str, **params: Any) -> Any:
    http = Client(server.port, {"X-API-KEY": demo.API_KEY})
    try:
        answer = http.get(f"/api/v2{path}", **params)
        assert answer.status == 200, answer.body
        return json.loads(answer.body)
    finally:
        http.close()


def _target_get(target: NewAccount, path: str, **params: Any) -> Any:
    answer = DjangoClient().get(f"/api/v2{path}", params, HTTP_X_API_KEY=target.api_key)
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def target() -> NewAccount:
    # Another admin than the demo's: the demo's own admin is then created like everyone else.
    return account_create(
        name="Acme Sales (migrated)",
        admin_email="it@acme.example",
        admin_password="correct-horse-battery",
        edition=Edition.ESSENTIALS,
    )


def _migrate(server: Source, target: NewAccount, **options: Any) -> Report:
    api = SourceApi(f"http://127.0.0.1:{server.port}", demo.API_KEY)
    try:
        return migrate_account(account_id=target.account.pk, api=api, **options)
    finally:
        api.close()


def _all_leads(get: Any) -> list[dict[str, Any]]:
    return list(get("/leads", limit=1000, order="id", direction="asc"))


def _by_email(users: list[dict[str, Any]]) -> dict[int, str]:
    return {user["id"]: user["email"] for user in users}


def _steps(get: Any) -> dict[int, tuple[str, str]]:
    return {step["id"]: (step["pipeline"]["name"], step["name"]) for step in get("/steps")}


def assert_same_account(server: Source, target: NewAccount, *, invited: bool) -> None:
    def source_get(path: str, **params: Any) -> Any:
        return _source_get(server, path, **params)

    def target_get(path: str, **params: Any) -> Any:
        return _target_get(target, path, **params)

    # Settings: what the source shows, the target now has.
    source_settings, target_settings = (
        source_get("/account/settings"),
        target_get("/account/settings"),
    )
    for name in ("time_zone", "currency", "edition", "privacy", "assignment", "teams_enabled"):
        assert target_settings[name] == source_settings[name], name
    for name in ("team_privacy", "team_assignment", "only_admins_export_leads"):
        assert target_settings[name] == source_settings[name], name

    # Users: every one of the source, by e-mail, with its teams; none can log in yet.
    source_users, target_users = source_get("/users"), target_get("/users")
    target_by_email = {user["email"]: user for user in target_users}
    assert set(target_by_email) == {user["email"] for user in source_users} | {"it@acme.example"}
    for user in source_users:
        mine = target_by_email[user["email"]]
        for name in ("firstname", "lastname", "is_admin", "locale", "phone", "mobile_phone"):
            assert mine[name] == user[name], (user["email"], name)
        for name in ("job_title", "time_zone"):
            assert mine[name] == user[name], (user["email"], name)
        assert mine["is_disabled"] == (user["is_disabled"] or not invited)
        assert {(t["name"], t["is_manager"]) for t in mine["teams"]} == {
            (t["name"], t["is_manager"]) for t in user["teams"]
        }

    # Teams and memberships.
    def teams(get: Any) -> dict[str, Any]:
        return {
            team["name"]: (
                team["round_robin"],
                sorted((member["email"], member["is_manager"]) for member in team["users"]),
            )
            for team in get("/teams")
        }

    assert teams(target_get) == teams(source_get)

    # Leads, field by field, and their comments.
    source_leads, target_leads = _all_leads(source_get), _all_leads(target_get)
    assert len(source_leads) == demo.LEAD_COUNT
    assert len(target_leads) == len(source_leads)
    lines = SourceRecord.objects.filter(account=target.account, kind=SourceKind.LEAD)
    local_of = {int(line.source_id): line.local_id for line in lines}
    target_by_id = {lead["id"]: lead for lead in target_leads}
    source_emails, target_emails = _by_email(source_users), _by_email(target_users)
    source_steps, target_steps = _steps(source_get), _steps(target_get)
    for lead in source_leads:
        mine = target_by_id[local_of[lead["id"]]]
        for name in PLAIN_FIELDS:
            assert mine[name] == lead[name], (lead["id"], name)
        assert sorted(mine["tags"]) == sorted(lead["tags"])
        assert target_steps[mine["step_id"]] == source_steps[lead["step_id"]]
        for name in ("user_id", "created_by_id"):
            expected = source_emails.get(lead[name]) if lead[name] else None
            assert (target_emails.get(mine[name]) if mine[name] else None) == expected, name

    commented = [lead for lead in source_leads if lead["id"] in server.commented]
    assert len(commented) == len({email for email, _ in COMMENTS})
    for lead in commented:
        source_comments = source_get(f"/leads/{lead['id']}/comments")
        target_comments = target_get(f"/leads/{local_of[lead['id']]}/comments")
        assert [
            (c["content"], c["created_at"], c["is_pinned"], target_emails[c["user_id"]])
            for c in target_comments
        ] == [
            (c["content"], c["created_at"], c["is_pinned"], source_emails[c["user_id"]])
            for c in source_comments
        ]


def test_the_demo_account_moves_whole_and_a_second_run_creates_nothing(
    source: Source, target: NewAccount
) -> None:
    first = _migrate(source, target)

    assert first.created[SourceKind.LEAD] == demo.LEAD_COUNT
    assert first.created[SourceKind.COMMENT] == source.comments
    assert first.created[SourceKind.CLIENT_FOLDER] == 1
    assert first.created[SourceKind.TEAM] == len(demo.TEAMS)
    assert_same_account(source, target, invited=False)

    second = _migrate(source, target)

    assert sum(second.created.values()) == 0
    assert sum(second.updated.values()) == 0
    assert second.unchanged[SourceKind.LEAD] == demo.LEAD_COUNT
    assert Lead.objects.filter(account=target.account).count() == demo.LEAD_COUNT
    assert_same_account(source, target, invited=False)


class Killed(Exception):
    """Stands for the process dying: nothing after it runs."""


class DyingApi(SourceApi):
    """The source, until the comments of the `after`-th lead are asked for."""

    def __init__(self, url: str, api_key: str, *, after: int) -> None:
        super().__init__(url, api_key)
        self.comment_reads, self.after = 0, after

    def get(self, path: str, params: Mapping[str, object] | None = None) -> Any:
        if path.endswith("/comments"):
            self.comment_reads += 1
            if self.comment_reads > self.after:
                raise Killed(path)
        return super().get(path, params)


def test_a_run_killed_halfway_and_started_again_ends_equal(
    source: Source, target: NewAccount
) -> None:
    dying = DyingApi(f"http://127.0.0.1:{source.port}", demo.API_KEY, after=250)
    with pytest.raises(Killed):
        migrate_account(account_id=target.account.pk, api=dying, invite=True)
    # What was done before the kill is kept, and only that.
    assert Lead.objects.filter(account=target.account).count() == 250

    again = _migrate(source, target, invite=True)

    assert again.created[SourceKind.LEAD] == demo.LEAD_COUNT - 250
    assert again.unchanged[SourceKind.LEAD] == 250
    assert Lead.objects.filter(account=target.account).count() == demo.LEAD_COUNT
    assert Comment.objects.filter(account=target.account).count() == source.comments
    assert_same_account(source, target, invited=True)
