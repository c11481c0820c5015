"""One read replica serving statistics, lists and exports under the paced load: the same paced
mix of requests against a server reading only the primary, then against one whose lag-tolerant
reads go to a streaming replica.

    python -m bench.replica_load                    # 100,000 leads, 30 s phases
    python -m bench.replica_load --scale tiny --seconds 10

A primary and a streaming replica are made for the run in a temporary folder from the machine's
PostgreSQL packages (leadcrew/testing/clusters.py), on free loopback ports; the benchmark's
dataset is generated in it. The mix: lists of the admin's newest leads (45 %), lead pages
(20 %), updates by another credential (15 %), account-wide statistics over 12 months by month
(20 %). First the primary-only server runs saturated (each client sends its next request as soon
as it has the answer); both servers then get half that throughput, paced, in turns of a few
seconds each so that whatever else the machine does weighs on both alike. Prints a Markdown
table and writes bench/results/replicas-<scale>-<time>.json.

On one machine the primary, the replica and the server share the same cores: what this shows is
what the routing costs a request and where the statistics' time goes, not the capacity a replica
on a machine of its own adds.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench.harness import LOOPBACK, Client, Server, Stats, clock_ms
from leadcrew.testing.clusters import Cluster

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
API = "/api/v2"
DATABASE = "leadcrew_bench_replicas"
KINDS = ("list", "detail", "update", "statistics")
KEYS_SCRIPT = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from leadcrew.access.actor import actor_for_user
from leadcrew.accounts.models import Account, User
from leadcrew.accounts.services import api_key_create
from bench.generate import LARGE_ACCOUNT
account = Account.objects.get(name=LARGE_ACCOUNT)
admin = User.objects.filter(account=account, is_admin=True).order_by("pk").first()
actor = actor_for_user(admin, account)
keys = [api_key_create(actor=actor, name=name)[1] for name in ("reader", "writer")]
from leadcrew.leads.models import Lead
live = Lead.objects.filter(account=account, deleted_at=None).order_by("pk")
leads = list(live.values_list("pk", flat=True)[:500])
print(json.dumps({"reader": keys[0], "writer": keys[1], "leads": leads}))
"""


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _environment(**extra: str) -> dict[str, str]:
    cleared = ("DATABASE_URL", "LEADCREW_REPLICA_URLS", "LEADCREW_DATABASE_POOLER")
    env = {key: value for key, value in os.environ.items() if key not in cleared}
    return env | {"LEADCREW_API_RATE_LIMIT": "0", "LEADCREW_LOG_LEVEL": "WARNING", **extra}


def prepare(cluster: Cluster, scale: str) -> dict[str, Any]:
    env = _environment(DATABASE_URL=cluster.primary_url)
    log(f"generating the {scale} dataset in a new primary…")
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--scale", scale],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    done = subprocess.run(
        [sys.executable, "-c", KEYS_SCRIPT], cwd=ROOT, env=env, check=True, capture_output=True
    )
    prepared: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    cluster.wait_for_replay()
    return prepared


def replica_transactions(cluster: Cluster) -> int:
    return int(
        cluster.replica_value(
            f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{DATABASE}'"
        )
    )


@dataclass
class Phase:
    samples: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    replica_transactions: int = 0

    def add(self, other: "Phase") -> None:
        for kind in KINDS:
            self.samples[kind] += other.samples[kind]
        self.errors += other.errors
        self.seconds += other.seconds
        self.replica_transactions += other.replica_transactions

    def summary(self, rate: float | None) -> dict[str, Any]:
        total = sum(len(times) for times in self.samples.values())
        return {
            "offered_requests_per_second": rate,
            "seconds": round(self.seconds, 1),
            "requests_per_second": round(total / self.seconds, 1),
            "errors": len(self.errors),
            "error_samples": self.errors[:10],
            "by_kind": {
                kind: asdict(Stats.of(times)) for kind, times in self.samples.items() if times
            },
            "replica_transactions": self.replica_transactions,
        }


def load(
    port: int,
    prepared: dict[str, Any],
    options: argparse.Namespace,
    rate: float | None,
    seconds: float,
) -> Phase:
    """`seconds` of load; `rate`: requests per second all clients offer together (None: no
    pause)."""
    today = datetime.now(UTC).date()
    statistics: dict[str, Any] = {
        "scope": "account",
        "from": today.replace(year=today.year - 1).isoformat(),
        "to": today.isoformat(),
        "group_by": "month",
    }
    newest: dict[str, Any] = {"order": "last_update", "direction": "desc", "limit": 50}
    clients = options.clients
    interval = clients / rate if rate else 0.0
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    phase = Phase()
    samples, errors = phase.samples, phase.errors

    def worker(number: int) -> None:
        rng = random.Random(number)
        reader = Client(port, {"X-API-KEY": prepared["reader"]})
        writer = Client(port, {"X-API-KEY": prepared["writer"]})
        next_start = time.monotonic() + interval * number / clients
        while time.monotonic() < deadline:
            time.sleep(max(0.0, next_start - time.monotonic()))
            next_start += interval
            draw = rng.random()
            lead = rng.choice(prepared["leads"])
            client, method, body = reader, "GET", None
            if draw < 0.45:
                kind, path, params = "list", f"{API}/leads", newest
            elif draw < 0.65:
                kind, path, params = "detail", f"{API}/leads/{lead}", {}
            elif draw < 0.8:
                kind, path, params = "update", f"{API}/leads/{lead}", {}
                client, method, body = writer, "PUT", {"amount": rng.randint(100, 99_999)}
            else:
                kind, path, params = "statistics", f"{API}/statistics", statistics
            call = partial(client.request, method, path, params, body)
            try:
                elapsed, response = clock_ms(call)
            except Exception as error:  # counted, never fatal: the load must finish
                with lock:
                    errors.append(f"{kind}: {type(error).__name__}: {error}")
                continue
            with lock:
                samples[kind].append(elapsed)
                if response.status != 200:
                    errors.append(f"{kind}: HTTP {response.status} {response.body[:120]!r}")
        reader.close()
        writer.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


def serve(cluster: Cluster, replica: bool, options: argparse.Namespace, name: str) -> Server:
    extra = {"DATABASE_URL": cluster.primary_url}
    if replica:
        extra["LEADCREW_REPLICA_URLS"] = cluster.replica_url
    command = [sys.executable, "-m", "leadcrew.cli", "serve", "--host", LOOPBACK]
    command += ["--port", "{port}", "--no-scheduler", "--workers", str(options.workers)]
    log_path = ROOT / "bench" / "data" / f"replicas-server-{name}.log"
    return Server(command, env=_environment(**extra), log=log_path, ready_path=f"{API}/ping")


def table(phases: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| phase | req/s | errors | list p50 / p95 | detail p50 / p95 | update p50 / p95 "
        "| statistics p50 / p95 | replica transactions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, phase in phases.items():
        cells = [name, str(phase["requests_per_second"]), str(phase["errors"])]
        for kind in KINDS:
            stats = phase["by_kind"].get(kind)
            cells.append(f"{stats['median_ms']} / {stats['p95_ms']} ms" if stats else "–")
        cells.append(str(phase["replica_transactions"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.replica_load", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["tiny", "small", "full"], default="small")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--rounds", type=int, default=4, help="turns of the paced servers")
    return parser.parse_args(argv)


def warm(port: int, prepared: dict[str, Any], options: argparse.Namespace) -> None:
    """Every worker's connections open and the databases' caches filled, before timing."""
    load(port, prepared, options, rate=None, seconds=3.0)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    phases: dict[str, dict[str, Any]] = {}
    with Cluster(database=DATABASE) as cluster:
        prepared = prepare(cluster, options.scale)
        with (
            serve(cluster, False, options, "primary-only") as plain,
            serve(cluster, True, options, "one-replica") as replicated,
        ):
            warm(plain.port, prepared, options)
            warm(replicated.port, prepared, options)
            log(f"primary only, saturated: {options.clients} clients for {options.seconds} s…")
            saturated = load(plain.port, prepared, options, None, options.seconds)
            phases["primary only, saturated"] = saturated.summary(None)
            rate = round(phases["primary only, saturated"]["requests_per_second"] / 2, 1)
            # The two servers in turns, a slice at a time: the machine's other load falls on
            # both alike.
            paced = {
                "primary only, paced": (plain, Phase()),
                "one replica, paced": (replicated, Phase()),
            }
            slice_seconds = options.seconds / options.rounds
            log(f"paced at {rate} requests/s: {options.rounds} rounds of {slice_seconds} s each…")
            for _ in range(options.rounds):
                for server, total in paced.values():
                    before = replica_transactions(cluster)
                    part = load(server.port, prepared, options, rate, slice_seconds)
                    part.replica_transactions = replica_transactions(cluster) - before
                    total.add(part)
            for name, (_, total) in paced.items():
                phases[name] = total.summary(rate)
    print(table(phases))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"replicas-{options.scale}-{stamp}.json"
    document = {"scale": options.scale, "options": vars(options), "phases": phases}
    path.write_text(json.dumps(document, indent=2) + "\n")
    log(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
