"""`make soak`: the benchmark's paced load for ten minutes, with writes and bulk actions, while
every database connection of the server is killed once a minute (as a PostgreSQL restart or
failover would). The target: no error but the requests in flight at a kill.

    python -m bench.soak                         # PostgreSQL, small scale, 600 s
    python -m bench.soak --seconds 120 --kill-every 30

It uses the benchmark's data (generated on first use, in `leadcrew_bench_<scale>`) and writes
`bench/results/soak-<scale>-<time>.json` and the "Soak" section of docs/benchmarks.md.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import Client, Server, Stats
from bench.run import (
    API,
    BENCH_DIR,
    NEWEST_FIRST,
    RESULTS_DIR,
    STATS_FROM,
    STATS_TO,
    Bench,
    Floor,
    Options,
    check_url,
    default_url,
    ensure_database,
    log,
    prepare_data,
)

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- soak:start -->", "<!-- soak:end -->"
# Personas who ask for lists, as in the benchmark's load: mostly plain users and managers.
LIST_PERSONAS = ["admin"] + ["manager"] * 5 + ["member"] * 7 + ["loner"] * 7


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no answer (connection error)
    detail: str = ""


@dataclass
class SoakOptions:
    scale: str
    seconds: int
    kill_every: int
    clients: int
    rate: float
    workers: int


def _kill_server_connections(floor: Floor) -> int:
    """Ends every connection to the benchmark's database but the floor's own."""
    rows = floor.rows(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return int(rows[0][0])


def soak(options: SoakOptions) -> dict[str, Any]:
    url = default_url("postgres", options.scale)
    check_url(url)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    bench_options = Options(
        db="postgres",
        scale=options.scale,
        database_url=url,
        runs=1,
        warmup=0,
        workers=options.workers,
        threads=1,
        load_seconds=options.seconds,
        clients=options.clients,
        bulk_runs=0,
        peer=False,
    )
    manifest, _ = prepare_data(bench_options)
    floor = Floor(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
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
        "--no-scheduler",
    ]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = BENCH_DIR / "data" / f"soak-server-{stamp}.log"
    server = Server(command, env=env, log=log_path, ready_path=f"{API}/ping")
    with server:
        bench = Bench(bench_options, manifest, floor, server.port)
        bench.login()
        calls, kills = _run(bench, options)
    floor.close()
    return _summary(options, stamp, calls, kills)


def _run(bench: Bench, options: SoakOptions) -> tuple[list[Call], list[float]]:
    member = bench.large.personas["member"]
    own_ids = [
        row[0]
        for row in bench.floor.rows(
            f"SELECT id FROM leads_lead WHERE deleted_at IS NULL AND owner_id = {member} "
            "ORDER BY id LIMIT 400"
        )
    ]
    team = bench.large.persona_managed["manager"][0]
    stats = {
        "scope": "team",
        "team_id": team,
        "from": STATS_FROM.isoformat(),
        "to": STATS_TO.isoformat(),
        "group_by": "month",
    }
    interval = options.clients / options.rate
    deadline = time.monotonic() + options.seconds
    calls: list[Call] = []
    kills: list[float] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        rng = random.Random(number)
        connection = Client(bench.port, {}, timeout=60)
        next_start = time.monotonic() + interval * number / options.clients
        while time.monotonic() < deadline:
            time.sleep(max(0.0, next_start - time.monotonic()))
            next_start += interval
            for kind, persona, method, path, params, body in _requests(rng, own_ids, stats, bench):
                started = time.monotonic()
                try:
                    response = connection.request(method, path, params, body, bench._auth(persona))
                    status, detail = response.status, response.body[:160].decode(errors="replace")
                except Exception as error:  # counted, never fatal: the soak must go on
                    status, detail = None, f"{type(error).__name__}: {error}"
                with lock:
                    calls.append(Call(kind, started, time.monotonic(), status, detail))
        connection.close()

    def killer() -> None:
        while True:
            time.sleep(options.kill_every)
            if time.monotonic() >= deadline:
                return
            killed = _kill_server_connections(bench.floor)
            with lock:
                kills.append(time.monotonic())
            log(f"killed {killed} database connections")

    log(
        f"soak: {options.clients} clients offering {options.rate} requests/s for "
        f"{options.seconds} s, every connection killed each {options.kill_every} s…"
    )
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(options.clients)]
    threads.append(threading.Thread(target=killer, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads[:-1]:
        thread.join()
    return calls, kills


def _requests(
    rng: random.Random, own_ids: list[int], stats: dict[str, Any], bench: Bench
) -> list[tuple[str, str, str, str, dict[str, Any] | None, Any]]:
    """The next request of a client: list 45 %, detail 20 %, update 15 %, statistics 10 %, a
    bulk action adding or removing a tag on 25 leads 10 %."""
    draw = rng.random()
    if draw < 0.45:
        return [("list", rng.choice(LIST_PERSONAS), "GET", f"{API}/leads", NEWEST_FIRST, None)]
    if draw < 0.65:
        return [("detail", "member", "GET", f"{API}/leads/{rng.choice(own_ids)}", None, None)]
    if draw < 0.80:
        body = {"amount": rng.randint(100, 99_999)}
        return [("update", "member", "PUT", f"{API}/leads/{rng.choice(own_ids)}", None, body)]
    if draw < 0.90:
        return [("statistics", "manager", "GET", f"{API}/statistics", stats, None)]
    bulk: dict[str, Any] = {
        "action": rng.choice(["add_tags", "remove_tags"]),
        "ids": rng.sample(own_ids, 25),
        "tags": [f"soak-{rng.randint(1, 5)}"],
    }
    return [("bulk", "member", "POST", f"{API}/leads/bulk", None, bulk)]


def _summary(
    options: SoakOptions, stamp: str, calls: list[Call], kills: list[float]
) -> dict[str, Any]:
    failed = [call for call in calls if call.status != 200]
    in_flight = [c for c in failed if any(c.started <= kill <= c.ended for kill in kills)]
    other = [c for c in failed if c not in in_flight]
    elapsed = max((c.ended for c in calls), default=0) - min((c.started for c in calls), default=0)
    kinds = sorted({call.kind for call in calls})
    return {
        "started_at": stamp,
        "options": asdict(options),
        "seconds": round(elapsed, 1),
        "requests": len(calls),
        "requests_per_second": round(len(calls) / elapsed, 1) if elapsed else 0,
        "kills": len(kills),
        "failed_in_flight_at_a_kill": len(in_flight),
        "errors": len(other),
        "error_samples": [asdict(call) for call in other[:10]],
        "by_kind": {
            kind: asdict(Stats.of([(c.ended - c.started) * 1000 for c in calls if c.kind == kind]))
            for kind in kinds
        },
    }


def update_document(result: dict[str, Any], source: str) -> None:
    ok = result["errors"] == 0
    lines = [
        START,
        "## Soak: ten minutes with killed connections",
        "",
        f"`make soak` ({source}): {result['options']['clients']} clients offering "
        f"{result['options']['rate']} requests/s for {result['seconds']} s on the "
        f"{result['options']['scale']} dataset, PostgreSQL, {result['options']['workers']} "
        f"server processes; every database connection of the server killed every "
        f"{result['options']['kill_every']} s ({result['kills']} times). Requests: lists, "
        "details, updates, team statistics, and bulk tag actions of 25 leads.",
        "",
        "| | |",
        "|---|---|",
        f"| requests | {result['requests']} ({result['requests_per_second']}/s) |",
        f"| failed while in flight at a kill | {result['failed_in_flight_at_a_kill']} |",
        f"| other errors (target 0) | {result['errors']} {'✓' if ok else '✗'} |",
        "",
        "| request | n | median ms | p95 ms |",
        "|---|---:|---:|---:|",
    ]
    for kind, stats in result["by_kind"].items():
        lines.append(f"| {kind} | {stats['runs']} | {stats['median_ms']} | {stats['p95_ms']} |")
    lines += ["", END]
    body = "\n".join(lines)
    text = DOCUMENT.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + body + after
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    DOCUMENT.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--scale", choices=["tiny", "small", "full"], default="small")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--kill-every", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=40.0, help="requests/s, all clients")
    parser.add_argument("--workers", type=int, default=min(2 * (os.cpu_count() or 1) + 1, 9))
    args = parser.parse_args(argv)
    options = SoakOptions(
        scale=args.scale,
        seconds=max(10, min(args.seconds, 3600)),
        kill_every=max(5, args.kill_every),
        clients=max(1, args.clients),
        rate=max(0.5, args.rate),
        workers=max(1, args.workers),
    )
    result = soak(options)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"soak-{options.scale}-{result['started_at']}.json"
    path.write_text(json.dumps(result, indent=1))
    update_document(result, path.relative_to(ROOT).as_posix())
    log(
        f"soak: {result['requests']} requests, {result['failed_in_flight_at_a_kill']} failed in "
        f"flight at a kill, {result['errors']} other errors; {path}"
    )
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
