"""The benchmark (`make bench`): the production server on a loopback port, against the
hand-written SQL floor on the same database in the same run, and against a peer CRM.

    python -m bench.run                           # PostgreSQL, a million leads
    python -m bench.run --db sqlite --scale small # quick

Generates the data first when the database has none (databases named leadcrew_bench* only).
Writes bench/results/<db>-<scale>-<time>.json and the section of docs/benchmarks.md for that
database and scale (bench/report.py renders it from the JSON alone).
"""

import argparse
import io
import json
import os
import platform
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench import floors, report
from bench.floors import Sql, Visibility
from bench.generate import ANCHOR, SCALES, Manifest, manifest_path
from bench.harness import Client, Response, Server, Stats, clock_ms, interleaved
from leadcrew.cli import default_workers
from leadcrew.stats.local_day import SQLITE_FUNCTION, local_day

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
API = "/api/v2"
PAGE = 50
DEEP_OFFSET = 10_000
NEWEST_FIRST = {"order": "last_update", "direction": "desc", "limit": PAGE}
# The bulk move's target is for 100,000 leads; ten times as many take minutes per run.
BULK_MAX_LEADS = 250_000
# Past this share of the account's leads read for one list, a query is a full-account scan.
FULL_SCAN_SHARE = 0.25
# The tables a list's total may be read from instead of counting leads.
TALLIES = ("leads_leadtally", "leads_placetally")
STATS_FROM = (ANCHOR - timedelta(days=365)).date().replace(day=1)
STATS_TO = (ANCHOR - timedelta(days=1)).date()


@dataclass
class Options:
    db: str
    scale: str
    database_url: str
    runs: int
    warmup: int
    workers: int
    threads: int
    load_seconds: int
    clients: int
    bulk_runs: int
    peer: bool
    baseline: str | None = None


@dataclass
class Measurement:
    key: str
    group: str
    label: str
    target: str | None = None
    app: Stats | None = None
    floor: Stats | None = None
    # The same request to the server of the --baseline commit, interleaved with the others.
    baseline: Stats | None = None
    floor_shape: str | None = None
    candidates: dict[str, Stats] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    plans: list[str] = field(default_factory=list)
    note: str = ""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The database ---------------------------------------------------------------------------


def default_url(db: str, scale: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{BENCH_DIR / 'data' / f'leadcrew_bench_{scale}.sqlite3'}"
    return f"postgres://postgres@127.0.0.1:5432/leadcrew_bench_{scale}"


def check_url(url: str) -> None:
    """Only databases named leadcrew_bench*: others belong to other people's tests."""
    parsed = urlparse(url)
    name = Path(parsed.path).name
    if not name.startswith("leadcrew_bench"):
        raise SystemExit(f"refusing {url}: the benchmark only uses databases named leadcrew_bench*")
    if parsed.scheme.startswith("postgres") and parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing {url}: the benchmark only talks to 127.0.0.1")


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = Path(parsed.path).name
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare_data(options: Options) -> tuple[Manifest, float | None]:
    """The manifest of the database's data, generating it first if there is none."""
    from django.core.management import call_command

    from bench import generate

    call_command("migrate", interactive=False, verbosity=0)
    path = manifest_path(generate.database_label())
    if generate.has_bench_data():
        if not path.exists():
            raise SystemExit(f"{path} is missing: drop the database and run again to regenerate")
        return Manifest.from_json(path.read_text()), None
    log(f"generating the {options.scale} dataset…")
    started = time.perf_counter()
    manifest = generate.generate(scale=SCALES[options.scale], log=log)
    generate.finish(log=log)
    manifest.seconds = round(time.perf_counter() - started, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(manifest.to_json())
    log(f"generated in {manifest.seconds} s")
    return manifest, manifest.seconds


@dataclass(frozen=True)
class Captured:
    """A statement a request ran: its SQL with the values in place (shown with its plan), and
    the statement that runs it on the floor's connection as the application did."""

    text: str
    runnable: str


class Floor:
    """The connection the hand-written SQL runs on (psycopg or sqlite3), in autocommit."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.postgres = parsed.scheme.startswith("postgres")
        self.sql = Sql("postgresql" if self.postgres else "sqlite")
        if self.postgres:
            import psycopg

            self.pg = psycopg.connect(url, autocommit=True)
            # As the application's connections (config/settings.py): prepared statements keep
            # their generic plan; the floor's own statements carry their values.
            self.pg.execute("SET plan_cache_mode = force_generic_plan")
            self.prepared_count = 0
        else:
            self.lite = sqlite3.connect(parsed.path, isolation_level=None)
            # The statistics figures' triggers call it, as on the app's own connections.
            self.lite.create_function(SQLITE_FUNCTION, 2, local_day, deterministic=True)

    def prepared(self, sql: str, params: Sequence[Any]) -> str:
        """`EXECUTE` of `sql` (placeholders %s) prepared on this connection, with `params` in
        place: run or explained, it takes the generic plan, as the application's prepared
        statements do (`leadcrew/core/compiled.py`)."""
        from psycopg import sql as pg_sql

        self.prepared_count += 1
        name = f"bench_{self.prepared_count}"
        numbers = iter(range(1, len(params) + 1))
        numbered = re.sub(r"%([%s])", lambda m: "%" if m[1] == "%" else f"${next(numbers)}", sql)
        self.pg.execute(f"PREPARE {name} AS {numbered}")
        values = ", ".join(pg_sql.Literal(value).as_string(self.pg) for value in params)
        return f"EXECUTE {name}({values})"

    def rows(self, statement: str) -> list[tuple[Any, ...]]:
        if self.postgres:
            return self.pg.execute(statement).fetchall()
        return self.lite.execute(statement).fetchall()

    def all_rows(self, statements: Sequence[str]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for statement in statements:
            found += self.rows(statement)
        return found

    def script(self, statements: Sequence[str]) -> None:
        for statement in statements:
            if self.postgres:
                self.pg.execute(statement)
            else:
                self.lite.execute(statement)

    def explain(self, statement: str) -> tuple[str, int | None]:
        """The plan as run (PostgreSQL: EXPLAIN ANALYZE) and how many lead rows it read (None
        where the database cannot say)."""
        if not self.postgres:
            plan = self.lite.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
            return "\n".join(str(row[-1]) for row in plan), None
        raw = self.pg.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}").fetchone()
        assert raw is not None
        document = raw[0] if not isinstance(raw[0], str) else json.loads(raw[0])
        text = "\n".join(
            row[0] for row in self.pg.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}").fetchall()
        )
        return text, _lead_rows_read(document[0]["Plan"])

    def close(self) -> None:
        if self.postgres:
            self.pg.close()
        else:
            self.lite.close()


def _lead_rows_read(node: dict[str, Any]) -> int:
    read = 0
    if node.get("Relation Name") == "leads_lead":
        kept = node.get("Actual Rows", 0)
        removed = node.get("Rows Removed by Filter", 0) + node.get(
            "Rows Removed by Index Recheck", 0
        )
        read += int((kept + removed) * node.get("Actual Loops", 1))
    for child in node.get("Plans", []):
        read += _lead_rows_read(child)
    return read


# --- The run --------------------------------------------------------------------------------


class Bench:
    def __init__(
        self,
        options: Options,
        manifest: Manifest,
        floor: Floor,
        port: int,
        baseline_port: int | None = None,
    ) -> None:
        self.options, self.manifest, self.floor, self.port = options, manifest, floor, port
        self.baseline_port = baseline_port
        self.baseline_clients: dict[str, Client] = {}
        self.sql = floor.sql
        self.large = manifest.large
        self.account_id = self.large.account_id
        self.measurements: list[Measurement] = []
        self.tokens: dict[str, str] = {}
        self.clients: dict[str, Client] = {}
        self.settings = "managers_only"

    # --- credentials and clients

    def login(self) -> None:
        from leadcrew.accounts.models import User
        from leadcrew.accounts.services import user_token_issue

        for persona, user_id in self.large.personas.items():
            self.tokens[persona] = user_token_issue(user=User.objects.get(pk=user_id))
        small = self.manifest.small[0]
        plain = self.small_plain_user()
        self.tokens["small_admin"] = user_token_issue(user=User.objects.get(pk=small.admin_ids[0]))
        self.tokens["small_member"] = user_token_issue(user=User.objects.get(pk=plain))
        for persona, token in self.tokens.items():
            self.clients[persona] = Client(self.port, {"X-USER-TOKEN": token})
            if self.baseline_port is not None:
                self.baseline_clients[persona] = Client(self.baseline_port, {"X-USER-TOKEN": token})

    def small_plain_user(self) -> int:
        from leadcrew.teams.models import Membership

        small = self.manifest.small[0]
        return (
            Membership.objects.filter(account_id=small.account_id, is_manager=False)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .first()
        ) or small.user_ids[-1]

    def actor(self, persona: str) -> Any:
        from leadcrew.access.actor import actor_for_user
        from leadcrew.accounts.models import User

        user_id = self.tokens_user(persona)
        return actor_for_user(User.objects.select_related("account").get(pk=user_id))

    def tokens_user(self, persona: str) -> int:
        if persona == "small_admin":
            return self.manifest.small[0].admin_ids[0]
        if persona == "small_member":
            return self.small_plain_user()
        return self.large.personas[persona]

    def visibility(self, persona: str) -> Visibility:
        """Which assigned leads the persona's default list shows, from the same actor the
        policy reads (literal team lists, as docs/architecture.md recommends)."""
        actor = self.actor(persona)
        if actor.is_admin:
            return Visibility(actor.account_id, None, everything=True)
        teams: set[int] = set()
        if actor.settings.teams_on:
            if actor.settings.team_privacy == "team_shared":
                teams |= actor.member_team_ids
            if actor.settings.team_privacy in ("managers_only", "team_shared"):
                teams |= actor.managed_team_ids
        return Visibility(actor.account_id, actor.user_id, tuple(sorted(teams)))

    def set_team_privacy(self, value: str) -> float:
        elapsed, response = clock_ms(
            lambda: self.clients["admin"].request(
                "PUT", f"{API}/account/settings", body={"team_privacy": value}
            )
        )
        self.expect(response)
        self.settings = value
        return elapsed

    @staticmethod
    def expect(response: Response, status: int = 200) -> Response:
        if response.status != status:
            raise RuntimeError(f"HTTP {response.status}: {response.body[:300]!r}")
        return response

    # --- in-process capture: the SQL a request runs, for plans and scan checks

    def captured_sql(
        self, persona: str, method: str, path: str, params: dict[str, Any], *, web: bool = False
    ) -> list[Captured]:
        """The statements on leads the request runs in-process (an API path, or with `web` a
        page's), each runnable on the floor's connection as the application ran it (a prepared
        one by its generic plan)."""
        from django.db import connection
        from django.test import Client as DjangoClient

        from leadcrew.accounts.models import User

        if web:
            client = DjangoClient()
            client.force_login(User.objects.get(pk=self.tokens_user(persona)))
        else:
            client = DjangoClient(headers={"X-USER-TOKEN": self.tokens[persona]})
            path = API + path
        captured: list[Captured] = []

        def record(
            execute: Callable[..., Any], sql: str, values: Any, many: bool, context: Any
        ) -> Any:
            result = execute(sql, values, many, context)
            if "leads_lead" in sql and sql.lstrip(" (").upper().startswith(("SELECT", "WITH")):
                captured.append(self.captured(connection, context["cursor"], sql, values or ()))
            return result

        with connection.execute_wrapper(record):
            if method == "GET":
                client.get(path, params)
            else:
                client.generic(method, path, json.dumps(params), "application/json")
        return captured

    def captured(self, connection: Any, cursor: Any, sql: str, values: Sequence[Any]) -> Captured:
        if connection.vendor == "postgresql":
            import psycopg

            text = connection.ops.compose_sql(sql, values)
            if not isinstance(cursor.cursor, psycopg.ClientCursor):  # prepared_cursor's
                return Captured(text, self.floor.prepared(sql, values))
            return Captured(text, text)
        text = connection.ops.last_executed_query(cursor.cursor, sql, values)
        return Captured(text, text)

    def plans_of(self, statements: Sequence[Captured]) -> tuple[list[str], int | None]:
        plans, total = [], 0
        known = True
        for statement in statements:
            plan, read = self.floor.explain(statement.runnable)
            plans.append(f"{statement.text}\n\n{plan}")
            if read is None:
                known = False
            else:
                total += read
        return plans, total if known else None

    # --- one comparison: the app's request against the fastest floor candidate

    def compare(
        self,
        measurement: Measurement,
        app: Callable[[], Any],
        candidates: dict[str, Callable[[], Any]],
        *,
        runs: int | None = None,
        warmup: int | None = None,
        baseline: Callable[[], Any] | None = None,
    ) -> None:
        """`baseline`: the same request to the --baseline server, timed in turn with the two."""
        runs = runs or self.options.runs
        warmup = self.options.warmup if warmup is None else warmup
        if len(candidates) > 1:
            trial = interleaved(list(candidates.values()), max(5, runs // 3), warmup)
            measurement.candidates = {
                name: Stats.of(samples) for name, samples in zip(candidates, trial, strict=True)
            }
            best = min(measurement.candidates, key=lambda n: measurement.candidates[n].median_ms)
        else:
            best = next(iter(candidates))
        timed = [app, candidates[best]] + ([baseline] if baseline is not None else [])
        samples = interleaved(timed, runs, warmup)
        measurement.app, measurement.floor = Stats.of(samples[0]), Stats.of(samples[1])
        if baseline is not None:
            measurement.baseline = Stats.of(samples[2])
        measurement.floor_shape = best
        if len(candidates) == 1:
            measurement.candidates = {best: measurement.floor}
        self.measurements.append(measurement)
        ratio = measurement.app.median_ms / max(measurement.floor.median_ms, 1e-6)
        compared = (
            f", baseline {measurement.baseline.median_ms:.2f} ms" if measurement.baseline else ""
        )
        log(
            f"{measurement.label}: app {measurement.app.median_ms:.2f} ms, floor "
            f"{measurement.floor.median_ms:.2f} ms ({best}), ×{ratio:.1f}{compared}"
        )

    # --- lead lists

    def list_request(
        self, persona: str, extra: dict[str, Any] | None = None, *, baseline: bool = False
    ) -> Response:
        params = {**NEWEST_FIRST, **(extra or {})}
        clients = self.baseline_clients if baseline else self.clients
        return self.expect(clients[persona].get(f"{API}/leads", **params))

    def on_baseline(self, request: Callable[[], Any]) -> Callable[[], Any] | None:
        """`request`, when a --baseline server runs (None otherwise)."""
        return request if self.baseline_port is not None else None

    def measure_list(
        self,
        key: str,
        label: str,
        persona: str,
        *,
        offset: int = 0,
        scan_check: bool = True,
        order: str | None = None,
    ) -> Measurement:
        """One page of GET /leads, newest first or in `order` (one of floors.ORDERINGS)."""
        vis = self.visibility(persona)
        extra: dict[str, Any] = {"offset": offset} if offset else {}
        ordering = floors.NEWEST_FIRST
        if order is not None:
            ordering = floors.ORDERINGS[order]
            extra |= {"order": order, "direction": ordering.direction.lower()}
        answer = self.list_request(persona, extra)
        ids = [lead["id"] for lead in answer.json()]
        total = int(answer.headers["x-total-count"])
        measurement = Measurement(key, "list", label, target="list")
        pages = floors.list_page(self.sql, vis, offset=offset, ordering=ordering)
        counts = floors.list_count(vis)
        candidates: dict[str, Callable[[], Any]] = {}
        for page_name, page_sql in pages.items():
            for count_name, count_sql in counts.items():
                name = f"{page_name}, {count_name}"
                candidates[name] = self._floor_list(page_sql, count_sql, ids, total, measurement)
        measurement.checks.update(
            {"visible_leads": total, "team_ids": list(vis.team_ids), "settings": self.settings}
        )
        self.compare(
            measurement,
            lambda: self.list_request(persona, extra),
            candidates,
            baseline=self.on_baseline(lambda: self.list_request(persona, extra, baseline=True)),
        )
        captured = self.captured_sql(persona, "GET", "/leads", {**NEWEST_FIRST, **extra})
        measurement.plans, read = self.plans_of(captured)
        measurement.checks["lead_rows_read"] = read
        measurement.checks["queries_on_leads"] = len(captured)
        if scan_check and not vis.everything:
            measurement.checks["full_account_scan"] = (
                None if read is None else read > FULL_SCAN_SHARE * self.large.leads
            )
        return measurement

    def _floor_list(
        self, page_sql: str, count_sql: str, ids: list[int], total: int, measurement: Measurement
    ) -> Callable[[], Any]:
        got = [row[0] for row in self.floor.rows(page_sql)]
        counted = self.floor.rows(count_sql)[0][0]
        same = got == ids and counted == total
        measurement.checks.setdefault("same_answer", True)
        measurement.checks["same_answer"] = measurement.checks["same_answer"] and same
        if not same:
            measurement.checks.setdefault("mismatches", []).append(
                {"floor_ids": got[:5], "app_ids": ids[:5], "floor_total": counted, "app": total}
            )

        def run() -> None:
            self.floor.rows(page_sql)
            self.floor.rows(count_sql)

        return run

    def measure_keyset(self, key: str, label: str, persona: str) -> Measurement:
        """The same deep page by keyset: GET /leads has no cursor, so only the floor runs."""
        vis = self.visibility(persona)
        offset = self.deep_offset(persona)
        previous = self.list_request(persona, {"offset": offset - 1, "limit": 1}).json()[0]
        # The cursor as stored (the API shows milliseconds, the column keeps microseconds).
        stored = self.floor.rows(f"SELECT updated_at FROM leads_lead WHERE id = {previous['id']}")
        updated = stored[0][0]
        if isinstance(updated, datetime):
            updated = updated.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        cursor = (str(updated), int(previous["id"]))
        expected = [lead["id"] for lead in self.list_request(persona, {"offset": offset}).json()]
        measurement = Measurement(key, "list", label, target=None)
        pages = floors.list_page(self.sql, vis, after=cursor)
        runners: dict[str, Callable[[], Any]] = {}
        for name, statement in pages.items():
            got = [row[0] for row in self.floor.rows(statement)]
            measurement.checks[f"same_answer ({name})"] = got == expected
            runners[name] = partial(self.floor.rows, statement)
        samples = interleaved(list(runners.values()), self.options.runs, self.options.warmup)
        measurement.candidates = {n: Stats.of(s) for n, s in zip(runners, samples, strict=True)}
        best = min(measurement.candidates, key=lambda n: measurement.candidates[n].median_ms)
        measurement.floor, measurement.floor_shape = measurement.candidates[best], best
        measurement.note = "GET /leads pages by offset only: no keyset cursor to measure"
        self.measurements.append(measurement)
        log(f"{label}: floor {measurement.floor.median_ms:.2f} ms ({best})")
        return measurement

    def deep_offset(self, persona: str) -> int:
        """DEEP_OFFSET, or as deep as the persona's list goes where it is shorter."""
        total = int(self.list_request(persona, {"limit": 1}).headers["x-total-count"])
        return max(0, min(DEEP_OFFSET, total - PAGE))

    def measure_count(self, key: str, label: str, persona: str) -> Measurement:
        """X-TOTAL-COUNT: the count statement the list endpoint runs, timed as SQL."""
        vis = self.visibility(persona)
        captured = self.captured_sql(persona, "GET", "/leads", dict(NEWEST_FIRST))
        count_sql = [
            s
            for s in captured
            if "COUNT(" in s.text.upper() or any(tally in s.text for tally in TALLIES)
        ]
        measurement = Measurement(key, "count", label, target=None)
        if not count_sql:
            measurement.note = "the list neither counted nor read a tally"
            self.measurements.append(measurement)
            return measurement
        # The list counts per branch and adds up, in the statement that also finds the page's
        # ids: the answer to compare with is the total the list itself sends.
        expected = int(self.list_request(persona).headers["x-total-count"])
        candidates: dict[str, Callable[[], Any]] = {}
        for name, statement in floors.list_count(vis).items():
            measurement.checks[f"same_answer ({name})"] = (
                self.floor.rows(statement)[0][0] == expected
            )
            candidates[name] = partial(self.floor.rows, statement)
        measurement.checks["count"] = expected
        measurement.plans, _ = self.plans_of(count_sql)
        measurement.checks["statements"] = len(count_sql)
        measurement.note = (
            "the application's statements that answer the total (a count or a tally read in the "
            "statement that also finds the page's ids, and on PostgreSQL newest first its leads' "
            "objects; or a read of a tally), run as SQL on the same connection"
        )
        counted = [statement.runnable for statement in count_sql]
        self.compare(measurement, lambda: self.floor.all_rows(counted), candidates)
        return measurement

    def measure_search(self, key: str, label: str, persona: str, lead_id: int) -> Measurement:
        """GET /leads?q= for one lead's contact e-mail (in its description, as the generated
        leads carry it): the full-text search the list runs, against the same search written
        by hand over the lead index alone (the matches first, then the page of them), and
        against the application's own statements run as SQL (what the request costs beyond its
        queries). Walking the list's order and testing each lead, as a plain query plans it,
        takes seconds at a million leads."""
        vis = self.visibility(persona)
        address = self.floor.rows(
            "SELECT substring(description from 'lead[0-9]+@example[.]com') FROM leads_lead "
            f"WHERE id = {lead_id}"
        )[0][0]
        extra = {"q": address}
        ids = [lead["id"] for lead in self.list_request(persona, extra).json()]
        measurement = Measurement(key, "list", label, target="list")
        by_hand = (
            "WITH matched AS MATERIALIZED (SELECT id FROM leads_lead WHERE "
            f"{vis.live} AND to_tsvector('simple'::regconfig, "
            f"leadcrew_fold(title || ' ' || description)) @@ to_tsquery('simple', "
            f"$$'{address}':*$$)) SELECT id FROM leads_lead WHERE id IN (SELECT id FROM matched) "
            f"AND {vis.predicate()} ORDER BY updated_at DESC, id DESC LIMIT {PAGE}"
        )
        found = [row[0] for row in self.floor.rows(by_hand)]
        measurement.checks.update({"found": len(ids), "same_answer": found == ids})
        captured = self.captured_sql(persona, "GET", "/leads", {**NEWEST_FIRST, **extra})
        measurement.plans, read = self.plans_of(captured)
        measurement.checks["lead_rows_read"] = read
        candidates: dict[str, Callable[[], Any]] = {
            "one full-text match on the lead index": partial(self.floor.rows, by_hand),
            "the application's statements": partial(
                self.floor.all_rows, [statement.runnable for statement in captured]
            ),
        }
        self.compare(
            measurement,
            lambda: self.list_request(persona, extra),
            candidates,
            baseline=self.on_baseline(lambda: self.list_request(persona, extra, baseline=True)),
        )
        return measurement

    def measure_detail(self, key: str, label: str, persona: str, lead_id: int) -> Measurement:
        vis = self.visibility(persona)
        path = f"{API}/leads/{lead_id}"
        answer = self.expect(self.clients[persona].get(path)).json()
        visible = f"(l.owner_id = {vis.owner_id}"
        if vis.team_ids:
            visible += f" OR l.team_id IN ({vis.teams})"
        visible += " OR (l.owner_id IS NULL AND l.team_id IS NULL))"
        statements = floors.lead_detail(self.sql, self.account_id, lead_id, visible)
        measurement = Measurement(key, "detail", label, target="list")
        candidates: dict[str, Callable[[], Any]] = {}
        for name, statement in statements.items():
            rows = self.floor.rows(statement)
            measurement.checks["same_answer"] = bool(rows) and rows[0][0] == answer["id"]
            candidates[name] = partial(self.floor.rows, statement)
        self.compare(
            measurement,
            lambda: self.expect(self.clients[persona].get(path)),
            candidates,
            baseline=self.on_baseline(
                lambda: self.expect(self.baseline_clients[persona].get(path))
            ),
        )
        measurement.plans, _ = self.plans_of(
            self.captured_sql(persona, "GET", f"/leads/{lead_id}", {})
        )
        return measurement

    # --- statistics

    def checked_candidates(
        self,
        measurement: Measurement,
        statements_by_name: dict[str, list[str]],
        same: Callable[[list[tuple[Any, ...]]], bool],
    ) -> dict[str, Callable[[], Any]]:
        """Each floor candidate (a list of statements) as a timed call, its answer checked
        against the application's by `same`."""
        candidates: dict[str, Callable[[], Any]] = {}
        for name, statements in statements_by_name.items():
            rows = self.floor.all_rows(statements)
            measurement.checks[f"same_answer ({name})"] = same(rows)
            candidates[name] = partial(self.floor.all_rows, statements)
        return candidates

    def measure_statistics(
        self,
        key: str,
        label: str,
        persona: str,
        params: dict[str, Any],
        team_ids: tuple[int, ...] | None,
        *,
        runs: int | None = None,
        target: str = "statistics",
    ) -> Measurement:
        query = {"from": STATS_FROM.isoformat(), "to": STATS_TO.isoformat(), "group_by": "month"}
        query.update(params)
        client = self.clients[persona]
        answer = self.expect(client.get(f"{API}/statistics", **query)).json()
        start = datetime.combine(STATS_FROM, datetime.min.time(), tzinfo=UTC)
        end = datetime.combine(STATS_TO + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        steps = tuple(self.large.step_ids)
        measurement = Measurement(key, "statistics", label, target=target)
        candidates = self.checked_candidates(
            measurement,
            floors.statistics(self.sql, self.account_id, team_ids, start, end, steps),
            partial(_same_statistics, answer=answer),
        )
        self.compare(
            measurement,
            lambda: self.expect(client.get(f"{API}/statistics", **query)),
            candidates,
            runs=runs,
        )
        measurement.plans, _ = self.plans_of(
            self.captured_sql(persona, "GET", "/statistics", query)
        )
        return measurement

    def measure_activity_report(self, key: str, label: str, persona: str) -> Measurement:
        """GET /statistics/activities over the teams the persona manages, 12 months by month."""
        query = {
            "scope": "teams_managed",
            "from": STATS_FROM.isoformat(),
            "to": STATS_TO.isoformat(),
            "group_by": "month",
        }
        client = self.clients[persona]
        path = f"{API}/statistics/activities"
        answer = self.expect(client.get(path, **query)).json()
        start = datetime.combine(STATS_FROM, datetime.min.time(), tzinfo=UTC)
        end = datetime.combine(STATS_TO + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        vis = self.visibility(persona)
        visible = (
            f"(l.owner_id = {vis.owner_id} OR l.team_id IN ({vis.teams}) "
            "OR (l.owner_id IS NULL AND l.team_id IS NULL))"
        )
        managed = tuple(self.large.persona_managed[persona])
        measurement = Measurement(key, "activities", label, target="activities")
        candidates = self.checked_candidates(
            measurement,
            floors.activity_report(self.sql, self.account_id, managed, visible, start, end),
            partial(_same_activity_report, answer=answer),
        )
        measurement.checks["activities"] = answer["totals"]["count"]
        self.compare(measurement, lambda: self.expect(client.get(path, **query)), candidates)
        measurement.plans, _ = self.plans_of(
            self.captured_sql(persona, "GET", "/statistics/activities", query)
        )
        return measurement

    # --- web pages

    def web_client(self, persona: str) -> Client:
        """A keep-alive client carrying a web session of the persona, made in-process."""
        from django.conf import settings
        from django.test import Client as DjangoClient

        from leadcrew.accounts.models import User

        django_client = DjangoClient()
        django_client.force_login(User.objects.get(pk=self.tokens_user(persona)))
        session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
        return Client(self.port, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"})

    def _web_get(self, client: Client, url: str) -> Response:
        return self.expect(client.get(url))

    def measure_web_pages(self, team_lead: int) -> None:
        """Every page a user reaches from the menus, as the admin, the manager of three teams
        and a member of two teams, over HTTP with a web session: no floor, the time of each."""
        pages = {
            "admin": WEB_PAGES_EVERYONE + WEB_PAGES_ADMIN,
            "manager": WEB_PAGES_EVERYONE,
            "member": WEB_PAGES_EVERYONE,
        }
        from leadcrew.leads.models import Lead

        description = Lead.objects.values_list("description", flat=True).get(pk=team_lead)
        address = re.search(r"lead[0-9]+@example[.]com", description)
        values = {
            "lead": team_lead,
            "address": address.group(0) if address else "lead",
            "team": self.large.team_ids[0],
        }
        runs = max(5, self.options.runs // 4)
        for persona, paths in pages.items():
            client = self.web_client(persona)
            # A lead of the persona's own list (the member's team lead is not the manager's).
            values["lead"] = self.list_request(persona).json()[0]["id"]
            for path, words in paths:
                url = path.format(**values)
                measurement = Measurement(
                    f"web_{persona}_{url}",
                    "web",
                    f"Web: {words} ({persona})",
                    target="web_list" if url == "/leads" else None,
                )
                answer = self.expect(client.get(url))
                measurement.checks["bytes"] = len(answer.body)
                if measurement.target:  # timed as the API's lists, every worker warmed first
                    timed, warmup = self.options.runs, 2 * self.options.workers
                else:
                    timed, warmup = runs, 2
                samples = interleaved([partial(self._web_get, client, url)], timed, warmup)
                measurement.app = Stats.of(samples[0])
                if measurement.target:
                    captured = self.captured_sql(persona, "GET", url, {}, web=True)
                    measurement.plans, _ = self.plans_of(captured)
                self.measurements.append(measurement)
                log(f"{measurement.label}: {measurement.app.median_ms:.1f} ms")
            client.close()

    # --- access explanation and privacy preview

    def measure_access(self, lead_id: int) -> Measurement:
        path = f"{API}/leads/{lead_id}/access"
        answer = self.expect(self.clients["admin"].get(path)).json()
        app_seeing = sum(1 for user in answer["users"] if user["see"]["allowed"])
        measurement = Measurement(
            "access", "access", "Access explanation, every user (admin)", target="explanation"
        )
        statement = floors.access_explanation(self.account_id, lead_id)["one join"]
        rows = self.floor.rows(statement)
        # Under managers_only: admins, the owner and the team's managers see it.
        floor_seeing = sum(
            1 for _, admin, owner, _, manager, _ in rows if admin or owner or manager
        )
        measurement.checks = {"users": len(rows), "same_answer": floor_seeing == app_seeing}
        self.compare(
            measurement,
            lambda: self.expect(self.clients["admin"].get(path)),
            {"one join": lambda: self.floor.rows(statement)},
        )
        return measurement

    def measure_preview(self) -> Measurement:
        body = {"team_privacy": "team_shared"}
        path = f"{API}/account/settings/preview"

        def app() -> Response:
            return self.expect(self.clients["admin"].request("POST", path, body=body))

        answer = app().json()
        statement = floors.preview_team_shared(self.account_id)[
            "grouped counts joined to memberships"
        ]
        rows = self.floor.rows(statement)
        gained_app = {row["user_id"]: row["see_gained"] for row in answer}
        gained_floor = {user: int(n) for user, n in rows}
        measurement = Measurement("preview", "access", "Privacy preview, every user (admin)")
        measurement.checks = {
            "users": len(answer),
            "same_answer": gained_app == gained_floor,
            "leads_gained": sum(gained_app.values()),
        }
        self.compare(
            measurement,
            app,
            {"grouped counts joined to memberships": lambda: self.floor.rows(statement)},
            runs=max(5, self.options.runs // 4),
        )
        return measurement

    # --- the first list after a privacy change

    def measure_privacy_change(self, steady: dict[str, Measurement]) -> None:
        """Rounds of: change team_privacy, then each persona's first list, then each persona's
        next list (the steady state under the same settings and the same conditions: the same
        connections, threads and database sessions, just as long after the change)."""
        firsts: dict[tuple[str, str], list[float]] = {}
        nexts: dict[tuple[str, str], list[float]] = {}
        puts: list[float] = []
        rounds = max(12, self.options.runs // 2)
        personas = ["admin", "manager", "member", "loner"]
        for number in range(rounds):
            # Each persona comes first after the change as often as the others.
            order = personas[number % 4 :] + personas[: number % 4]
            for setting in ("team_shared", "managers_only"):
                puts.append(self.set_team_privacy(setting))
                for times in (firsts, nexts):
                    for persona in order:
                        elapsed, _ = clock_ms(partial(self.list_request, persona))
                        times.setdefault((persona, setting), []).append(elapsed)
        change = Measurement("privacy_put", "privacy", "PUT /account/settings (team_privacy)")
        change.app = Stats.of(puts)
        self.measurements.append(change)
        for persona in personas:
            setting = steady[persona].checks["settings"]
            other = "managers_only" if setting == "team_shared" else "team_shared"
            first = Measurement(
                f"privacy_first_{persona}",
                "privacy",
                f"First list after a privacy change: {persona} ({setting})",
                target="privacy",
            )
            first.app = Stats.of(firsts[(persona, setting)])
            following = Stats.of(nexts[(persona, setting)])
            first.checks = {
                "settings": setting,
                "steady_median_ms": following.median_ms,
                "steady_p95_ms": following.p95_ms,
                "other_setting_first_median_ms": Stats.of(firsts[(persona, other)]).median_ms,
                "other_setting_steady_median_ms": Stats.of(nexts[(persona, other)]).median_ms,
            }
            self.measurements.append(first)
            log(f"{first.label}: {first.app.median_ms:.2f} ms vs next {following.median_ms:.2f}")

    # --- bulk

    def measure_bulk(self) -> None:
        """POST /leads/bulk place_in_team by filter (every standby lead, ~10 %), against one
        set-based statement with the same effects; each run moves them to the other of two
        teams. The leads' teams and dates are put back afterwards. Not measured past
        BULK_MAX_LEADS standby leads (`--scale huge`: a million, minutes per run)."""
        from leadcrew.teams.models import Team

        floor = self.floor
        a, b = self.large.team_ids[-1], self.large.team_ids[-2]
        names = dict(Team.objects.filter(pk__in=[a, b]).values_list("pk", "name"))
        live = f"account_id = {self.account_id} AND deleted_at IS NULL AND status = 'standby'"
        standby = floor.rows(f"SELECT count(*) FROM leads_lead WHERE {live}")[0][0]
        if standby > BULK_MAX_LEADS:
            log(f"bulk: not measured, {standby:,} standby leads (the target is for 100,000)")
            return
        floor.script(["DROP TABLE IF EXISTS bench_saved"])
        floor.script(
            [
                "CREATE TABLE bench_saved AS SELECT id, team_id, updated_at FROM leads_lead "
                f"WHERE {live}"
            ]
        )
        before_actions = floor.rows("SELECT coalesce(max(id), 0) FROM bulk_bulkaction")[0][0]
        targets = [a, b]
        app_times: list[float] = []
        floor_times: dict[str, list[float]] = {"with undo rows": [], "update + history only": []}
        changed: dict[str, list[int]] = {
            "app": [],
            "with undo rows": [],
            "update + history only": [],
        }
        turn = 0

        def next_team() -> int:
            nonlocal turn
            turn += 1
            return targets[turn % 2]

        for _ in range(self.options.bulk_runs):
            team = next_team()
            body = {
                "action": "place_in_team",
                "filter": {"status": "standby", "include_unassigned": True},
                "team_id": team,
            }
            post = partial(self.clients["admin"].request, "POST", f"{API}/leads/bulk", body=body)
            elapsed, response = clock_ms(post)
            self.expect(response)
            app_times.append(elapsed)
            changed["app"].append(response.json()["changed"])
            for shape, undo in (("with undo rows", True), ("update + history only", False)):
                team = next_team()
                elapsed, moved = clock_ms(partial(self._floor_bulk, team, names[team], undo))
                floor_times[shape].append(elapsed)
                changed[shape].append(moved)
        measurement = Measurement(
            "bulk", "bulk", "Bulk place_in_team by filter, with history", target="bulk"
        )
        measurement.app = Stats.of(app_times)
        measurement.candidates = {shape: Stats.of(times) for shape, times in floor_times.items()}
        # The application also saves every lead's previous values for undo: the floor with
        # the same effects is the one that writes them too.
        measurement.floor, measurement.floor_shape = (
            measurement.candidates["with undo rows"],
            "with undo rows",
        )
        measurement.checks = {"changed": changed, "matched_filter": "status=standby (all owners)"}
        self.measurements.append(measurement)
        without_undo = measurement.candidates["update + history only"].median_ms
        log(
            f"bulk: app {measurement.app.median_ms:.0f} ms, floor "
            f"{measurement.floor.median_ms:.0f} ms (without undo rows {without_undo:.0f} ms)"
        )
        log("putting the leads back…")
        self._restore_after_bulk(before_actions)

    def _floor_bulk(self, team: int, name: str, undo: bool) -> int:
        now = datetime.now(UTC)
        floor = self.floor
        if floor.postgres:
            actor = self.large.personas["admin"]
            statement = floors.bulk_place(self.account_id, (team, name), actor, now, with_undo=undo)
            with floor.pg.transaction():
                row = floor.pg.execute(statement).fetchone()
            return int(row[0]) if row else 0
        statements = floors.bulk_place_sqlite(
            self.account_id, (team, name), self.large.personas["admin"], now, with_undo=undo
        )
        floor.lite.execute("BEGIN")
        moved = 0
        for statement in statements:
            cursor = floor.lite.execute(statement)
            if statement.lstrip().upper().startswith("UPDATE"):
                moved = cursor.rowcount
        floor.lite.execute("COMMIT")
        return moved

    def _restore_after_bulk(self, before_actions: int) -> None:
        floor = self.floor
        actions = f"SELECT id FROM bulk_bulkaction WHERE id > {before_actions}"
        restore = (
            "UPDATE leads_lead SET team_id = s.team_id, updated_at = s.updated_at "
            "FROM bench_saved s WHERE leads_lead.id = s.id"
        )
        floor.script(
            [
                "BEGIN",
                restore,
                f"DELETE FROM leads_leadhistory WHERE bulk_action_id IN ({actions})",
                f"DELETE FROM bulk_bulkchange WHERE bulk_action_id IN ({actions})",
                f"DELETE FROM bulk_bulkaction WHERE id > {before_actions}",
                "COMMIT",
                "DROP TABLE bench_saved",
            ]
        )
        if floor.postgres:
            floor.script(
                [
                    "VACUUM ANALYZE leads_lead",
                    "VACUUM ANALYZE leads_leadhistory",
                    "VACUUM ANALYZE bulk_bulkchange",
                ]
            )

    # --- concurrent load

    def measure_load(self) -> dict[str, Any]:
        """`clients` threads for `load_seconds`, each on its own keep-alive connection, on a mix
        of list (50 %), detail (20 %), update (15 %) and team statistics (15 %): first each
        client sending its next request as soon as it has the answer (the server saturated),
        then each pacing its requests so that together they offer half that throughput (the
        same users, reading what they get between requests)."""
        saturated = self._load(rate=None)
        paced_rate = round(saturated["requests_per_second"] / 2, 1)
        load = {**saturated, "paced": self._load(rate=paced_rate)}
        if self.baseline_port is not None:
            log("the same saturated load on the baseline server…")
            load["baseline"] = self._load(rate=None, port=self.baseline_port)
        return load

    def _load(self, rate: float | None, port: int | None = None) -> dict[str, Any]:
        """One load phase; `rate`: the requests per second all clients offer together, each
        at regular intervals (None: no pause); `port`: another server's (the baseline's)."""
        member = self.large.personas["member"]
        visible = self.visibility("member")
        detail_ids = [
            row[0]
            for row in self.floor.rows(
                f"SELECT id FROM leads_lead WHERE {visible.live} AND {visible.predicate()} "
                "ORDER BY id LIMIT 500"
            )
        ]
        own_ids = [
            row[0]
            for row in self.floor.rows(
                f"SELECT id FROM leads_lead WHERE {visible.live} AND owner_id = {member} "
                "ORDER BY id LIMIT 200"
            )
        ]
        team = self.large.persona_managed["manager"][0]
        stats = {
            "scope": "team",
            "team_id": team,
            "from": STATS_FROM.isoformat(),
            "to": STATS_TO.isoformat(),
            "group_by": "month",
        }
        # Who asks for lists: mostly plain users and managers, as in an account of 1,000 users
        # and 5 admins; an admin's list (an exact count of ~950,000 leads) one time in twenty.
        personas = ["admin"] + ["manager"] * 5 + ["member"] * 7 + ["loner"] * 7
        clients = self.options.clients
        interval = clients / rate if rate else 0.0  # between two requests of one client
        deadline = time.monotonic() + self.options.load_seconds
        lock = threading.Lock()
        kinds = ["list", "list (admin)", "list (others)", "detail", "update", "statistics"]
        samples: dict[str, list[float]] = {kind: [] for kind in kinds}
        errors: list[str] = []

        def worker(number: int) -> None:
            rng = random.Random(number)
            connection = Client(port or self.port, {})
            # Paced clients start spread over one interval, not all at once.
            next_start = time.monotonic() + interval * number / clients
            while time.monotonic() < deadline:
                time.sleep(max(0.0, next_start - time.monotonic()))
                next_start += interval
                draw = rng.random()
                try:
                    body: dict[str, Any] | None = None
                    params: dict[str, Any] | None = None
                    if draw < 0.5:
                        kind, persona = "list", rng.choice(personas)
                        method, path, params = "GET", f"{API}/leads", NEWEST_FIRST
                    elif draw < 0.7:
                        kind, persona = "detail", "member"
                        method, path = "GET", f"{API}/leads/{rng.choice(detail_ids)}"
                    elif draw < 0.85:
                        kind, persona = "update", "member"
                        method, path = "PUT", f"{API}/leads/{rng.choice(own_ids)}"
                        body = {"amount": rng.randint(100, 99_999)}
                    else:
                        kind, persona = "statistics", "manager"
                        method, path, params = "GET", f"{API}/statistics", stats
                    call = partial(
                        connection.request, method, path, params, body, self._auth(persona)
                    )
                    elapsed, response = clock_ms(call)
                    with lock:
                        samples[kind].append(elapsed)
                        if kind == "list":  # an admin's list counts the whole account
                            who = "admin" if persona == "admin" else "others"
                            samples[f"list ({who})"].append(elapsed)
                        if response.status != 200:
                            errors.append(f"{kind}: HTTP {response.status} {response.body[:120]!r}")
                except Exception as error:  # counted, never fatal: the load must finish
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}")
            connection.close()

        pace = f"together offering {rate} requests/s" if rate else "without pause"
        log(f"concurrent load: {clients} clients {pace} for {self.options.load_seconds} s…")
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        total = sum(len(samples[kind]) for kind in ("list", "detail", "update", "statistics"))
        result: dict[str, Any] = {
            "clients": clients,
            "offered_requests_per_second": rate,
            "seconds": round(elapsed, 1),
            "requests": total,
            "requests_per_second": round(total / elapsed, 1),
            "errors": len(errors),
            "error_samples": errors[:10],
            "by_kind": {kind: asdict(Stats.of(times)) for kind, times in samples.items() if times},
        }
        log(
            f"load: {result['requests_per_second']} req/s, list p95 "
            f"{result['by_kind'].get('list', {}).get('p95_ms')} ms, {len(errors)} errors"
        )
        return result

    def _auth(self, persona: str) -> dict[str, str]:
        return {"X-USER-TOKEN": self.tokens[persona]}


def _same_statistics(rows: list[tuple[Any, ...]], answer: dict[str, Any]) -> bool:
    """The floor's rows against the application's totals and pipeline counts."""
    created = sum(int(r[3]) for r in rows if r[0] == "created")
    won = sum(int(r[3] or 0) for r in rows if r[0] == "closed")
    lost = sum(int(r[5] or 0) for r in rows if r[0] == "closed")
    cancelled = sum(int(r[6] or 0) for r in rows if r[0] == "closed")
    pipeline = {int(r[2]): int(r[3]) for r in rows if r[0] == "pipeline"}
    totals = answer["totals"]
    app_pipeline = {step["step_id"]: step["count"] for step in answer["pipeline"] if step["count"]}
    return (created, won, lost, cancelled) == (
        totals["created_count"],
        totals["won_count"],
        totals["lost_count"],
        totals["cancelled_count"],
    ) and pipeline == app_pipeline


def _same_activity_report(rows: list[tuple[Any, ...]], answer: dict[str, Any]) -> bool:
    """The floor's rows (month, type, activities, leads touched, leads won) against the
    application's totals and months."""
    totals = answer["totals"]
    months = {
        group["key"]: (
            {t["activity_id"]: t["count"] for t in group["by_activity"] if t["count"]},
            group["leads_touched"],
            group["leads_won"],
        )
        for group in answer["groups"]
        if group["count"]
    }
    floor_totals = next((r for r in rows if r[0] is None and r[1] is None), None)
    floor_months: dict[str, tuple[dict[int, int], int, int]] = {}
    for period, type_id, count, touched, won in rows:
        if period is None:
            continue
        month = str(period)[:10]
        by_type = floor_months.setdefault(month, ({}, 0, 0))[0]
        if type_id is None:
            floor_months[month] = (by_type, int(touched), int(won))
        else:
            by_type[int(type_id)] = int(count)
    return (
        floor_totals is not None
        and (int(floor_totals[2]), int(floor_totals[3]), int(floor_totals[4]))
        == (totals["count"], totals["leads_touched"], totals["leads_won"])
        and floor_months == months
    )


# --- Orchestration --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory_kb = 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "load_average_at_start": list(os.getloadavg()),
    }


def versions(floor: Floor) -> dict[str, str]:
    import django
    import gunicorn
    import ninja

    found = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "django-ninja": ninja.__version__,
        "gunicorn": gunicorn.__version__,
        "sqlite": sqlite3.sqlite_version,
    }
    if floor.postgres:
        found["postgresql"] = str(floor.rows("SHOW server_version")[0][0])
        found["postgresql_shared_buffers"] = str(floor.rows("SHOW shared_buffers")[0][0])
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        found["leadcrew"] = commit
    except (OSError, subprocess.CalledProcessError):
        found["leadcrew"] = "unknown"
    return found


def dataset(manifest: Manifest, floor: Floor) -> dict[str, Any]:
    account = manifest.large.account_id
    row = floor.rows(
        "SELECT count(*), "
        "sum(CASE WHEN owner_id IS NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN team_id IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status IN ('todo', 'standby') THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'standby' THEN 1 ELSE 0 END), min(created_at), max(created_at) "
        f"FROM leads_lead WHERE account_id = {account}"
    )[0]
    count = int(row[0])
    memberships = floor.rows(
        f"SELECT count(*), sum(CASE WHEN is_manager THEN 1 ELSE 0 END) FROM teams_membership "
        f"WHERE account_id = {account}"
    )[0]
    return {
        "scale": manifest.scale,
        "seed": manifest.seed,
        "large_account": {
            "leads": count,
            "users": len(manifest.large.user_ids),
            "admins": len(manifest.large.admin_ids),
            "teams": len(manifest.large.team_ids),
            "memberships": int(memberships[0]),
            "manager_memberships": int(memberships[1]),
            "unassigned_share": round(int(row[1]) / count, 4),
            "in_team_share": round(int(row[2]) / count, 4),
            "open_share": round(int(row[3]) / count, 4),
            "standby": int(row[4]),
            "created_from": str(row[5])[:10],
            "created_to": str(row[6])[:10],
            "activities": manifest.large.activities,
        },
        "small_accounts": [
            {"leads": small.leads, "users": len(small.user_ids)} for small in manifest.small
        ],
        "personas": {
            name: {
                "user_id": user_id,
                "teams": manifest.large.persona_teams.get(name, []),
                "manages": manifest.large.persona_managed.get(name, []),
            }
            for name, user_id in manifest.large.personas.items()
        },
    }


def run(options: Options) -> Path:
    started = time.perf_counter()
    # Stopped from outside, the run still leaves through `with server:` and stops the server.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    check_url(options.database_url)
    ensure_database(options.database_url)
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    manifest, generated = prepare_data(options)
    floor = Floor(options.database_url)
    env = {
        **os.environ,
        "DATABASE_URL": options.database_url,
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
        str(options.workers),
        "--threads",
        str(options.threads),
        "--no-scheduler",
    ]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    server = Server(
        command, env=env, log=BENCH_DIR / "data" / f"server-{stamp}.log", ready_path=f"{API}/ping"
    )
    baseline: Server | None = None
    if options.baseline:
        commit, checkout = baseline_checkout(options.baseline)
        baseline = Server(
            command,
            env={**env, "PYTHONPATH": str(checkout)},
            log=BENCH_DIR / "data" / f"baseline-server-{stamp}.log",
            ready_path=f"{API}/ping",
            cwd=checkout,
        )
    results: dict[str, Any] = {
        "db": options.db,
        "scale": options.scale,
        "started_at": stamp,
        "machine": machine(),
        "versions": versions(floor),
        "dataset": dataset(manifest, floor),
        "generation_seconds": generated if generated is not None else manifest.seconds,
        "generated_in_this_run": generated is not None,
        "options": asdict(options) | {"database_url": _redacted(options.database_url)},
    }
    log(f"starting the server on port {server.port}…")
    with server, baseline or nullcontext():
        if baseline is not None:
            results["baseline"] = {"ref": options.baseline, "commit": commit}
            log(f"baseline {options.baseline} ({commit[:12]}) served on port {baseline.port}")
        bench = Bench(options, manifest, floor, server.port, baseline.port if baseline else None)
        bench.login()
        results["load"] = _measure(bench)
        results["peer"] = _peer(options, manifest, bench)
    floor.close()
    results["measurements"] = [asdict(m) for m in bench.measurements]
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{options.db}-{options.scale}-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    report.update_document(results)
    log(f"results: {path}; docs/benchmarks.md updated; {results['run_seconds']} s in all")
    return path


def baseline_checkout(ref: str) -> tuple[str, Path]:
    """The commit `ref` names, and a copy of its files in the temporary directory (outside the
    project, where no test run, lint or type check finds it) to serve it from, with this
    checkout's virtualenv, against the same database (whose schema must suit both)."""
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise SystemExit(f"--baseline {ref}: not a commit of this repository")
    commit = found.stdout.strip()
    checkout = Path(tempfile.gettempdir()) / f"leadcrew-baseline-{commit[:12]}"
    if not (checkout / "leadcrew" / "cli.py").exists():
        checkout.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit], cwd=ROOT, capture_output=True, check=True
        )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
            files.extractall(checkout, filter="data")
    return commit, checkout


def _redacted(url: str) -> str:
    parsed = urlparse(url)
    return parsed._replace(netloc=parsed.hostname or "").geturl() if parsed.password else url


def _measure(bench: Bench) -> dict[str, Any]:
    """Every measurement, in an order that leaves the data as generated for the next one."""
    large = bench.large
    bench.set_team_privacy("managers_only")
    log("warming up…")
    for persona in ("admin", "manager", "member", "loner"):
        for _ in range(5):
            bench.list_request(persona)
    steady: dict[str, Measurement] = {}
    # Settings A: privacy admins_only, team_privacy managers_only.
    steady["admin"] = bench.measure_list("list_admin", "Lead list, admin", "admin")
    steady["manager"] = bench.measure_list(
        "list_manager", "Lead list, manager of 3 teams (managers_only)", "manager"
    )
    steady["loner"] = bench.measure_list("list_loner", "Lead list, user in no team", "loner")
    bench.measure_count("count_manager", "X-TOTAL-COUNT, manager of 3 teams", "manager")
    bench.measure_count("count_admin", "X-TOTAL-COUNT, admin", "admin")
    managed = tuple(large.persona_managed["manager"])
    bench.measure_statistics(
        "stats_team",
        "Statistics, one team, 12 months by month (manager)",
        "manager",
        {"scope": "team", "team_id": managed[0]},
        managed[:1],
    )
    bench.measure_statistics(
        "stats_teams",
        "Statistics, 3 teams consolidated (manager)",
        "manager",
        {"scope": "teams_managed"},
        managed,
    )
    bench.measure_statistics(
        "stats_account",
        "Statistics, account-wide (admin)",
        "admin",
        {"scope": "account"},
        None,
        runs=max(5, bench.options.runs // 4),
        target="statistics_account",
    )
    bench.measure_activity_report(
        "activities_teams",
        "Activity report, 3 teams over 12 months by month (manager)",
        "manager",
    )
    team_lead = _team_lead(bench)
    bench.measure_access(team_lead)
    bench.measure_preview()
    # Settings B: team_privacy team_shared, where a plain member sees their teams' leads.
    bench.set_team_privacy("team_shared")
    steady["member"] = bench.measure_list(
        "list_member", "Lead list, member of 2 teams (team_shared)", "member"
    )
    deep = bench.deep_offset("member")
    bench.measure_list(
        "list_member_deep", f"Lead list, member, offset {deep:,}", "member", offset=deep
    )
    bench.measure_keyset("list_member_keyset", "Same page by keyset (floor only)", "member")
    bench.measure_count("count_member", "X-TOTAL-COUNT, member of 2 teams", "member")
    bench.measure_detail(
        "detail_member", "Lead detail, a teammate's lead (member)", "member", team_lead
    )
    _measure_sorted_lists(bench)
    bench.measure_web_pages(team_lead)
    if bench.floor.postgres:  # SQLite searches with LIKE over its small data: no index to test
        bench.measure_search("search_admin", "Search by e-mail, admin", "admin", team_lead)
        bench.measure_search("search_member", "Search by e-mail, member", "member", team_lead)
    small = f"Small account ({bench.manifest.small[0].leads:,} leads)"
    bench.measure_list("list_small_admin", f"{small}: admin", "small_admin", scan_check=False)
    bench.measure_list(
        "list_small_member", f"{small}: plain user", "small_member", scan_check=False
    )
    bench.measure_privacy_change(steady)
    bench.measure_bulk()
    bench.set_team_privacy("team_shared")
    load = bench.measure_load()
    bench.set_team_privacy("managers_only")
    return load


# (path, what it is) of the pages measured for every persona, and for the admin only.
WEB_PAGES_EVERYONE = (
    ("/leads", "lead list"),
    ("/leads/{lead}", "a lead's page"),
    ("/pipeline", "pipeline board"),
    ("/unassigned", "unassigned leads"),
    ("/todo", "to-do list"),
    ("/stats", "statistics"),
    ("/stats/activities", "activity report"),
    ("/clients", "client folders"),
    ("/search?q={address}", "search by e-mail"),
    ("/notifications", "notifications"),
    ("/bulk", "bulk actions"),
    ("/leads/new", "new lead form"),
    ("/profile", "profile"),
)
WEB_PAGES_ADMIN = (
    ("/leads/{lead}/access", "who can see a lead"),
    ("/bin", "bin"),
    ("/leads/import", "import"),
    ("/settings/privacy", "privacy settings"),
    ("/settings/teams", "teams"),
    ("/settings/teams/{team}", "a team"),
    ("/settings/users", "users"),
    ("/settings/pipelines", "pipelines"),
    ("/settings/activities", "activity types"),
    ("/settings/fields", "fields"),
    ("/settings/tags", "tags"),
    ("/settings/api-keys", "API keys"),
    ("/settings/webhooks", "webhooks"),
    ("/settings/data", "your data"),
)

SORTED_LISTS = {
    "creation_date": "creation date",
    "amount": "amount",
    "probability": "probability",
    "alphabetically": "title",
    "next_action": "next action",
    "probalized_amount": "weighted amount",
}


def _measure_sorted_lists(bench: Bench) -> None:
    """GET /leads in each other `order`, for the admin and for a member of two teams (settings
    B: team_shared). `sale_step` is left out: it sorts by the step's and the pipeline's
    positions, which no lead column holds."""
    for order, words in SORTED_LISTS.items():
        bench.measure_list(
            f"list_admin_{order}", f"Lead list by {words}, admin", "admin", order=order
        )
        bench.measure_list(
            f"list_member_{order}", f"Lead list by {words}, member", "member", order=order
        )


def _team_lead(bench: Bench) -> int:
    """A lead of one of the member's teams owned by someone else."""
    member = bench.large.personas["member"]
    team = bench.large.persona_teams["member"][0]
    row = bench.floor.rows(
        f"SELECT id FROM leads_lead WHERE account_id = {bench.account_id} AND deleted_at IS NULL "
        f"AND team_id = {team} AND owner_id IS NOT NULL AND owner_id <> {member} "
        "ORDER BY id LIMIT 1"
    )
    return int(row[0][0])


def _peer(options: Options, manifest: Manifest, bench: Bench) -> dict[str, Any]:
    if not options.peer:
        return {"status": "skipped", "reason": "not asked for (--no-peer)"}
    if not bench.floor.postgres:
        return {"status": "skipped", "reason": "the peer runs on PostgreSQL only"}
    from bench import peer

    member = next(m for m in bench.measurements if m.key == "list_member")
    reference = {
        "port": bench.port,
        "token": bench.tokens["member"],
        "visible": member.checks["visible_leads"],
    }
    # A peer request takes seconds at full scale: fewer runs, still interleaved with leadcrew's.
    runs = max(5, options.runs // 4)
    return peer.measure(options=options, manifest=manifest, runs=runs, reference=reference)


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--database-url", help="default: leadcrew_bench_<scale> on 127.0.0.1")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per measurement")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="server worker processes (default: leadcrew serve's own default)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (default 1, as leadcrew serve)"
    )
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--bulk-runs", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip the peer CRM")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also serve commit REF (same virtualenv and database) and time it beside this code",
    )
    args = parser.parse_args(argv)
    return Options(
        db=args.db,
        scale=args.scale,
        database_url=args.database_url or default_url(args.db, args.scale),
        runs=args.runs,
        warmup=args.warmup,
        workers=args.workers,
        threads=args.threads,
        load_seconds=min(args.load_seconds, 600),
        clients=min(args.clients, 64),
        bulk_runs=args.bulk_runs,
        peer=not args.no_peer,
        baseline=args.baseline,
    )


def main(argv: Sequence[str] | None = None) -> int:
    run(parse(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
