"""Faults on PostgreSQL: a database backend killed under the server's feet, and a process killed
in the middle of a bulk action.

- The server keeps its database connections between requests; when PostgreSQL loses them (a
  restart, a failover, an administrator's pg_terminate_backend), the next request must find a
  fresh connection, not answer 500. Only the requests in flight at that instant may fail.
- A bulk action is one transaction: a process killed halfway leaves nothing of it behind.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from bench.harness import Client, Server
from leadcrew.bulk.models import BulkAction
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import World, make_world

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kills PostgreSQL backends"),
]

ROOT = Path(__file__).resolve().parent.parent
# One client sending one request at a time, to a server with more workers than that: at each
# kill at most one request is in flight, while every worker holds a connection that dies.
CLIENTS = 1
WORKERS = 4
KILLS = 3


def _database_url() -> str:
    """The test database, as another process reaches it."""
    settings = connection.settings_dict
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def _terminate_other_backends() -> int:
    """Ends every other connection to the test database, as a failover would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (count,) = cursor.fetchone()
    return int(count)


@pytest.fixture
def world() -> World:
    world = make_world("Faults", "admin@faults.test")
    step = world.first_step()
    Lead.objects.bulk_create(
        Lead(account=world.account, title=f"Lead {n}", currency="EUR", step=step, owner=world.admin)
        for n in range(200)
    )
    return world


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "LEADCREW_API_RATE_LIMIT": "0",
        "LEADCREW_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "leadcrew.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(WORKERS),
        "--no-scheduler",
    ]
    running = Server(command, env=env, log=tmp_path / "server.log", ready_path="/api/v2/ping")
    with running:
        yield running


def test_killed_database_connections_cost_only_the_requests_in_flight(
    world: World, server: Server
) -> None:
    lead_ids = list(Lead.objects.filter(account=world.account).values_list("pk", flat=True)[:50])
    statuses: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        http = Client(server.port, {"X-API-KEY": world.api_key}, timeout=30)
        sent = 0
        while not stop.is_set():
            lead_id = lead_ids[(number * 7 + sent) % len(lead_ids)]
            if sent % 3:
                response = http.get(f"/api/v2/leads/{lead_id}")
            else:
                response = http.request("PUT", f"/api/v2/leads/{lead_id}", body={"amount": sent})
            sent += 1
            with lock:
                statuses.append(response.status)
        http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    kills = 0
    for _ in range(KILLS):
        kills += _terminate_other_backends()
        time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()

    assert kills > 0  # the server's connections were there to kill
    failures = [status for status in statuses if status != 200]
    # At most the requests in flight at each kill: one per client.
    assert len(failures) <= KILLS * CLIENTS, failures
    assert len(statuses) - len(failures) > 20
    after = Client(server.port, {"X-API-KEY": world.api_key})
    assert after.get("/api/v2/leads").status == 200
    after.close()


KILLED_BULK = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from leadcrew.access.actor import actor_for_user
from leadcrew.accounts.models import User
from leadcrew.bulk.services import Selection, bulk_apply
from leadcrew.leads.selectors import LeadFilter
admin = User.objects.get(pk=int(sys.argv[1]))
target = User.objects.get(pk=int(sys.argv[2]))
print("started", flush=True)
bulk_apply(
    actor=actor_for_user(admin, admin.account),
    action="assign",
    selection=Selection(filters=LeadFilter(include_unassigned=True)),
    params={"user_id": target.pk},
)
print("finished", flush=True)
"""


def test_a_process_killed_during_a_bulk_action_leaves_nothing_half_written(world: World) -> None:
    target = world.user("target@faults.test")
    step = world.first_step()
    Lead.objects.bulk_create(
        Lead(account=world.account, title=f"More {n}", currency="EUR", step=step, owner=world.admin)
        for n in range(30_000)
    )
    # Someone holds one lead the bulk action selects: it waits there, mid-transaction.
    held = Lead.objects.filter(account=world.account).order_by("-pk").first()
    assert held is not None
    blocker = subprocess.Popen(
        [sys.executable, "-c", KILLED_BULK, str(world.admin.pk), str(target.pk)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT id FROM leads_lead WHERE id = %s FOR UPDATE", [held.pk])
        try:
            assert blocker.stdout is not None
            assert blocker.stdout.readline().strip() == b"started"
            _wait_until_waiting_on_a_lock()
            os.killpg(blocker.pid, signal.SIGKILL)
            blocker.wait(timeout=30)
        finally:
            cursor.execute("ROLLBACK")

    assert not BulkAction.objects.filter(account=world.account).exists()
    owners = set(Lead.objects.filter(account=world.account).values_list("owner_id", flat=True))
    assert owners == {world.admin.pk}


def _wait_until_waiting_on_a_lock(timeout: float = 60.0) -> None:
    """Until another backend of the test database waits for a row lock (the bulk action,
    having locked the leads before the held one, in id order)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.1)
    raise AssertionError("the bulk action never reached the held lead")
