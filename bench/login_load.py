"""Login under attack: what clients hammering GET /api/v2/auth/login with wrong passwords do to
another client's GET /api/v2/ping, against a real `leadcrew serve` on the loopback interface.

    python -m bench.login_load                      # SQLite in a temporary folder, 30 s phases
    python -m bench.login_load --database-url postgres://127.0.0.1/leadcrew_bench_login

For each scenario a fresh server starts (the real password hasher, leadcrew's default number of
workers), then one client pings at a steady pace alone ("unloaded"), then the same while the
attackers run, each in its own process, as fast as the server answers, for at most `--seconds`
and `--max-attempts` attempts each. Each attacker has its own loopback address (127.0.0.11,
127.0.0.12, …) and tries a new e-mail on every attempt, so that only the per-address count can
stop it: the worst case for the throttle. Prints a Markdown table and writes
bench/results/login-<time>.json. Touches nothing beyond the loopback interface and the database
it is given (a PostgreSQL database must be named leadcrew_bench*; it is emptied first).
"""

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.harness import LOOPBACK, Client, Server, Stats

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
API = "/api/v2"
ADMIN_EMAIL = "admin@login-bench.leadcrew.test"
ADMIN_PASSWORD = "a-long-bench-password-42"
PING_INTERVAL = 0.05  # the pinging client asks 20 times a second
# Hard bounds, whatever the options say.
MAX_SECONDS = 120.0
MAX_ATTEMPTS = 100_000


@dataclass(frozen=True)
class Attack:
    env: dict[str, str] = field(default_factory=dict)  # the server's settings
    one_address: bool = False  # every attacker from 127.0.0.1 rather than one address each
    path: str = "login"  # "login": wrong passwords; "ping": a wrong API key
    rate: float | None = None  # attempts per second of each attacker; None: as fast as answered


NO_THROTTLE = {"LEADCREW_LOGIN_FAILURES_PER_EMAIL": "0", "LEADCREW_LOGIN_FAILURES_PER_ADDRESS": "0"}
UNBOUNDED = {"LEADCREW_LOGIN_CONCURRENCY": "0"}
SCENARIOS: dict[str, Attack] = {
    # The server as it was: every attempt a PBKDF2 run, as many at once as there are workers.
    "no throttle, unbounded": Attack(NO_THROTTLE | UNBOUNDED),
    # The throttle alone (5 failures per e-mail, 20 per address, per 15 minutes): the first 20
    # failures of every address are still hashed, all at once.
    "throttle, unbounded": Attack(UNBOUNDED),
    # leadcrew's defaults: the throttle, and at most half the cores checking passwords.
    "throttle + bound": Attack(),
    "throttle + bound, one address": Attack(one_address=True),
    # For comparison: the same clients flooding the cheapest refusal there is, GET /ping with a
    # wrong key. What any flood costs this machine, login or not.
    "flood of /ping, wrong key": Attack(path="ping"),
    # Attackers that do not flood: 2 tries a second each. What hashing alone costs.
    "no throttle, unbounded, 2/s each": Attack(NO_THROTTLE | UNBOUNDED, rate=2.0),
    "throttle + bound, 2/s each": Attack(rate=2.0),
}


@dataclass
class Phase:
    ping: Stats
    ping_errors: int
    attempts: dict[str, int] = field(default_factory=dict)  # HTTP status -> count
    attempts_per_second: float = 0.0


@dataclass
class Scenario:
    name: str
    unloaded: Phase
    attacked: Phase
    # The pings of the attack's second half, once the throttle had its chance to lock.
    attacked_second_half: Stats
    ratio_p95: float


def log(message: str) -> None:
    print(f"[login-load] {message}", file=sys.stderr, flush=True)


# --- The attackers (one process each) ----------------------------------------------------------


def attacker(
    number: int, port: int, attack: Attack, deadline: float, max_attempts: int, queue: Any
) -> None:
    source = LOOPBACK if attack.one_address else f"127.0.0.{11 + number}"
    statuses: Counter[int] = Counter()

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, port, timeout=60, source_address=(source, 0))

    connection = connect()
    attempt = 0
    next_at = time.monotonic()
    while attempt < max_attempts and time.monotonic() < deadline:
        if attack.rate is not None:
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_at += 1 / attack.rate
        if attack.path == "ping":
            path, headers = f"{API}/ping", {"X-API-KEY": f"lc_wrong_{number}_{attempt}"}
        else:
            email = f"guess-{number}-{attempt}@login-bench.leadcrew.test"
            raw = base64.b64encode(f"{email}:wrong-password-{attempt}".encode()).decode()
            path, headers = f"{API}/auth/login", {"Authorization": f"Basic {raw}"}
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException):
            statuses[0] += 1
            connection.close()
            connection = connect()
        attempt += 1
    connection.close()
    queue.put(dict(statuses))


# --- The pinging client --------------------------------------------------------------------------


def pings(port: int, api_key: str, seconds: float) -> tuple[list[tuple[float, float]], int]:
    """(offset from the start in seconds, latency in ms) of every ping, and the errors."""
    client = Client(port, {"X-API-KEY": api_key}, timeout=60)
    samples: list[tuple[float, float]] = []
    errors = 0
    started = time.monotonic()
    next_at = started
    while True:
        now = time.monotonic()
        if now - started >= seconds:
            break
        if now < next_at:
            time.sleep(next_at - now)
        next_at += PING_INTERVAL
        sent = time.perf_counter()
        try:
            status = client.get(f"{API}/ping").status
        except OSError:
            status = 0
        elapsed = (time.perf_counter() - sent) * 1000
        if status != 200:
            errors += 1
        samples.append((time.monotonic() - started, elapsed))
    client.close()
    return samples, errors


# --- A scenario ----------------------------------------------------------------------------------


def run_scenario(
    name: str, env: dict[str, str], api_key: str, options: argparse.Namespace
) -> Scenario:
    command = [sys.executable, "-m", "leadcrew.cli", "serve", "--host", LOOPBACK]
    command += ["--port", "{port}", "--no-scheduler"]
    if options.workers:
        command += ["--workers", str(options.workers)]
    attack = SCENARIOS[name]
    server_env = {**env, **attack.env, **options.env, "LEADCREW_LOG_LEVEL": "ERROR"}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = ROOT / "bench" / "data" / f"login-server-{stamp}.log"
    with Server(command, env=server_env, log=log_path, ready_path=f"{API}/ping") as server:
        pings(server.port, api_key, 2.0)  # warm every worker up
        log(f"{name}: unloaded pings for {options.seconds} s")
        quiet, quiet_errors = pings(server.port, api_key, options.seconds)
        log(f"{name}: {options.attackers} attackers for {options.seconds} s")
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        deadline = time.monotonic() + options.seconds
        workers = [
            context.Process(
                target=attacker,
                args=(n, server.port, attack, deadline, options.max_attempts, queue),
                daemon=True,
            )
            for n in range(options.attackers)
        ]
        for process in workers:
            process.start()
        loud, loud_errors = pings(server.port, api_key, options.seconds)
        totals: Counter[int] = Counter()
        for _ in workers:
            totals.update(queue.get(timeout=options.seconds + 120))
        for process in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    attempts = sum(totals.values())
    second_half = [ms for at, ms in loud if at >= options.seconds / 2]
    unloaded = Phase(Stats.of([ms for _, ms in quiet]), quiet_errors)
    attacked = Phase(
        Stats.of([ms for _, ms in loud]),
        loud_errors,
        {str(status): count for status, count in sorted(totals.items())},
        round(attempts / options.seconds, 1),
    )
    return Scenario(
        name=name,
        unloaded=unloaded,
        attacked=attacked,
        attacked_second_half=Stats.of(second_half),
        ratio_p95=round(attacked.ping.p95_ms / unloaded.ping.p95_ms, 2),
    )


# --- Set-up --------------------------------------------------------------------------------------


def prepare(database_url: str, env: dict[str, str]) -> str:
    """A migrated database with one account; answers its API key."""
    scheme = urlsplit(database_url).scheme
    if scheme.startswith("postgres"):
        name = urlsplit(database_url).path.lstrip("/")
        if not name.startswith("leadcrew_bench"):
            raise SystemExit("the PostgreSQL database must be named leadcrew_bench*")
        admin = database_url.rsplit("/", 1)[0] + "/postgres"
        for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", admin, "-qc", statement], check=True)
    leadcrew = [sys.executable, "-m", "leadcrew.cli"]
    subprocess.run([*leadcrew, "migrate"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [
            *leadcrew,
            "create-account",
            "--name",
            "Login bench",
            "--admin-email",
            ADMIN_EMAIL,
            "--admin-password",
            ADMIN_PASSWORD,
            "--json",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return str(json.loads(created.stdout.strip().splitlines()[-1])["api_key"])


def table(scenarios: Sequence[Scenario], options: argparse.Namespace) -> str:
    lines = [
        "| scenario | ping p95 unloaded ms | ping p95 attacked ms | ratio | "
        "p95 attack's 2nd half ms | ping median attacked ms | login attempts/s | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scenario in scenarios:
        answers = ", ".join(
            f"{count} × {status}" for status, count in scenario.attacked.attempts.items()
        )
        lines.append(
            f"| {scenario.name} | {scenario.unloaded.ping.p95_ms} | "
            f"{scenario.attacked.ping.p95_ms} | {scenario.ratio_p95}× | "
            f"{scenario.attacked_second_half.p95_ms} | {scenario.attacked.ping.median_ms} | "
            f"{scenario.attacked.attempts_per_second} | {answers} |"
        )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.login_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--attackers", type=int, default=6)
    parser.add_argument("--max-attempts", type=int, default=20_000, help="per attacker")
    parser.add_argument("--workers", type=int, help="default: leadcrew serve's own default")
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="default: every one"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="a server setting"
    )
    options = parser.parse_args(argv)
    options.env = dict(item.split("=", 1) for item in options.env)
    options.seconds = min(max(options.seconds, 1.0), MAX_SECONDS)
    options.max_attempts = min(max(options.max_attempts, 1), MAX_ATTEMPTS)
    options.attackers = min(max(options.attackers, 1), 50)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="leadcrew-login-bench-") as folder:
        for number, name in enumerate(options.scenario or list(SCENARIOS)):
            # A fresh database each time: no count or lock left over from the scenario before.
            database_url = options.database_url or f"sqlite:///{folder}/login-{number}.sqlite3"
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "LEADCREW_API_RATE_LIMIT": "0",
                # Slots of its own: a server or tests running beside it do not share them.
                "LEADCREW_LOGIN_SLOTS_DIR": f"{folder}/login-slots",
            }
            env.pop("LEADCREW_CACHE_URL", None)
            env.pop("DJANGO_SETTINGS_MODULE", None)
            api_key = prepare(database_url, env)
            results.append(run_scenario(name, env, api_key, options))
    print(table(results, options))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"login-{stamp}.json"
    document = {
        "started_at": stamp,
        "cpus": os.cpu_count(),
        "options": {key: value for key, value in vars(options).items() if key != "database_url"}
        | {"database": urlsplit(options.database_url or "sqlite://").scheme},
        "scenarios": [asdict(scenario) for scenario in results],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    log(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
