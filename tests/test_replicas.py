"""Read replicas, against a real primary and streaming replica made for the test (and
PgBouncer in front of them): lists, statistics and exports are served by the replica; a caller
reads their own writes; a replica that goes away costs no request; transaction pooling works.

The cluster is PostgreSQL's own, made in a temporary folder by leadcrew/testing/clusters.py
(initdb, pg_basebackup -R) from the packages of the PostgreSQL the suite runs on."""

import csv
import http.client
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection

from bench.harness import Client, Server
from leadcrew.testing import clusters

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL replication"),
    pytest.mark.skipif(not clusters.available(), reason="no PostgreSQL programs to make a cluster"),
]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long password for replicas"
# The settings of the machine running the tests are not the app's under test.
CLEARED = (
    "DATABASE_URL",
    "LEADCREW_CACHE_URL",
    "LEADCREW_REPLICA_URLS",
    "LEADCREW_DATABASE_POOLER",
)


def _environment(tmp: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    return env | {
        "LEADCREW_API_RATE_LIMIT": "0",
        "LEADCREW_LOG_LEVEL": "WARNING",
        "LEADCREW_LOGIN_SLOTS_DIR": str(tmp / "login-slots"),
        **extra,
    }


def _leadcrew(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "leadcrew.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _server(env: dict[str, str], log: Path) -> Server:
    command = [
        *(sys.executable, "-m", "leadcrew.cli", "serve", "--host", "127.0.0.1"),
        *("--port", "{port}", "--workers", "2", "--no-scheduler"),
    ]
    return Server(command, env=env, log=log, ready_path="/api/v2/ping")


class App:
    def __init__(self, cluster: clusters.Cluster, tmp: Path) -> None:
        self.cluster, self.tmp = cluster, tmp
        env = _environment(tmp, DATABASE_URL=cluster.primary_url)
        _leadcrew(env, "migrate")
        output = _leadcrew(
            env,
            *("create-account", "--name", "Replicas", "--admin-email", "boss@replicas.test"),
            *("--admin-password", PASSWORD, "--edition", "dream_team", "--json"),
        )
        self.api_key: str = json.loads(output.strip().splitlines()[-1])["api_key"]

    def environment(self, **extra: str) -> dict[str, str]:
        return _environment(self.tmp, **extra)


@pytest.fixture(scope="module")
def cluster() -> Iterator[clusters.Cluster]:
    with clusters.Cluster() as made:
        yield made


@pytest.fixture(scope="module")
def app(cluster: clusters.Cluster, tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(cluster, tmp_path_factory.mktemp("replicas"))


@pytest.fixture(scope="module")
def server(app: App) -> Iterator[Server]:
    env = app.environment(
        DATABASE_URL=app.cluster.primary_url, LEADCREW_REPLICA_URLS=app.cluster.replica_url
    )
    with _server(env, app.tmp / "server.log") as running:
        yield running


def _titles(client: Client) -> set[str]:
    response = client.get("/api/v2/leads", limit=100)
    assert response.status == 200, response.body
    return {lead["title"] for lead in response.json()}


def _created(client: Client) -> int:
    response = client.get("/api/v2/statistics", scope="account")
    assert response.status == 200, response.body
    return int(response.json()["totals"]["created_count"])


def _exported(client: Client) -> set[str]:
    response = client.request("POST", "/api/v2/leads/bulk", body={"action": "export", "filter": {}})
    assert response.status == 200, response.body
    return {row["title"] for row in csv.DictReader(io.StringIO(response.body.decode()))}


def _create(client: Client, title: str) -> dict[str, Any]:
    response = client.request("POST", "/api/v2/leads", body={"title": title, "description": ""})
    assert response.status == 201, response.body
    lead: dict[str, Any] = response.json()
    return lead


def _second_key(writer: Client) -> str:
    response = writer.request("POST", "/api/v2/api_keys", body={"name": "reader"})
    assert response.status == 201, response.body
    return str(response.json()["key"])


class Browser:
    """A web app user: the login form, then pages with the session cookie."""

    def __init__(self, port: int, email: str, password: str) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        page = self.request("GET", "/login")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read())
        assert found is not None
        form = {"email": email, "password": password, "csrfmiddlewaretoken": found[1].decode()}
        answer = self.request("POST", "/login", urlencode(form).encode())
        answer.read()
        assert answer.status == 303, answer.status

    def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response

    def lead_list(self) -> str:
        response = self.request("GET", "/leads")
        text = response.read().decode()
        assert response.status == 200, text[:500]
        return text


def test_lists_statistics_and_exports_come_from_the_replica_and_writers_read_their_writes(
    app: App, server: Server
) -> None:
    writer = Client(server.port, {"X-API-KEY": app.api_key})
    reader = Client(server.port, {"X-API-KEY": _second_key(writer)})
    browser = Browser(server.port, "boss@replicas.test", PASSWORD)
    _create(writer, "Before the pause")
    app.cluster.wait_for_replay()
    assert "Before the pause" in _titles(reader)
    assert "Before the pause" in browser.lead_list()
    created_before = _created(reader)

    app.cluster.pause_replay()
    try:
        _create(writer, "Written during the pause")
        # Another caller reads the replica, which has not replayed the write yet...
        assert "Written during the pause" not in _titles(reader)
        assert _created(reader) == created_before
        assert "Written during the pause" not in _exported(reader)
        assert "Written during the pause" not in browser.lead_list()  # the web's list too
        # ...while the writer reads their own write (the primary, until the replica has it).
        assert "Written during the pause" in _titles(writer)
        assert _created(writer) == created_before + 1
        assert "Written during the pause" in _exported(writer)
    finally:
        app.cluster.resume_replay()
    app.cluster.wait_for_replay()
    assert "Written during the pause" in _titles(reader)
    assert "Written during the pause" in browser.lead_list()
    writer.close()
    reader.close()


@pytest.mark.skipif(not clusters.pgbouncer_available(), reason="PgBouncer is not installed")
def test_behind_pgbouncer_in_transaction_mode(app: App) -> None:
    with clusters.PgBouncer(app.cluster, pool_size=2, query_wait_timeout=2) as bouncer:
        env = app.environment(
            DATABASE_URL=bouncer.primary_url,
            LEADCREW_REPLICA_URLS=bouncer.replica_url,
            LEADCREW_DATABASE_POOLER="pgbouncer",
            # Left out for a second only: the next test finds the replica back.
            LEADCREW_REPLICA_RETRY_SECONDS="1",
        )
        with _server(env, app.tmp / "pgbouncer-server.log") as running:
            writer = Client(running.port, {"X-API-KEY": app.api_key})
            reader = Client(running.port, {"X-API-KEY": _second_key(writer)})
            # More than psycopg's prepare threshold, from two workers sharing two server
            # connections: a statement prepared on one would be missing on the other.
            for number in range(8):
                lead = _create(writer, f"Through the pooler {number}")
                response = writer.request(
                    "PUT", f"/api/v2/leads/{lead['id']}", body={"amount": number}
                )
                assert response.status == 200, response.body
                assert f"Through the pooler {number}" in _titles(writer)
                assert _titles(reader)
                assert _created(reader) > 0
            assert "Through the pooler 7" in _exported(writer)
            # A replica gone behind PgBouncer: its reads wait for PgBouncer's
            # query_wait_timeout, then go to the primary.
            app.cluster.stop_replica()
            try:
                assert "Through the pooler 7" in _titles(reader)
                assert _created(reader) > 0
            finally:
                app.cluster.start_replica()
            writer.close()
            reader.close()
        log = (app.tmp / "pgbouncer-server.log").read_text()
        assert "does not answer" in log
        assert "Traceback" not in log


def test_a_replica_that_goes_away_costs_no_request(app: App, server: Server) -> None:
    client = Client(server.port, {"X-API-KEY": app.api_key})
    assert _titles(client)  # the workers hold connections to the replica
    app.cluster.stop_replica()
    try:
        for number in range(3):
            title = f"While the replica is down {number}"
            _create(client, title)
            assert title in _titles(client)
            assert _created(client) > 0
            assert title in _exported(client)
        other = Client(server.port, {"X-API-KEY": _second_key(client)})
        assert "While the replica is down 2" in _titles(other)
        other.close()
    finally:
        app.cluster.start_replica()
    client.close()
    log = (app.tmp / "server.log").read_text()
    assert "does not answer" in log  # the replica was tried, and left out
    assert "Traceback" not in log
