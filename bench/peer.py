"""The peer: BottleCRM (PyPI `django-crm`), installed in its own virtualenv (bench/.peer-venv),
loaded with the same volume in its own database on the same PostgreSQL, served by gunicorn with
as many workers as leadcrew, and asked for the first page of a non-admin user's lead list in the
same run as leadcrew's. When any step fails, the result says which and why."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.generate import SCALES, Manifest
from bench.harness import Client, Server, Stats, interleaved, server_shape

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV = BENCH_DIR / ".peer-venv"
PACKAGE = "django-crm==1.35.0"
# BottleCRM needs Python >= 3.12.


class PeerUnavailable(Exception):
    def __init__(self, step: str, error: str) -> None:
        super().__init__(f"{step}: {error}")
        self.step, self.error = step, error


def _run(
    step: str, command: list[str], env: dict[str, str] | None = None, timeout: int = 1800
) -> str:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PeerUnavailable(step, str(error)) from error
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PeerUnavailable(step, " / ".join(tail) or f"exit {done.returncode}")
    return done.stdout


def ensure_installed() -> Path:
    python = VENV / "bin" / "python"
    if python.exists() and _installed_version(python):
        return python
    # The interpreter leadcrew's own set-up chooses: it proves each candidate works (a pyenv
    # shim answers to `python3.12` even when that version is not active).
    found = subprocess.run([str(ROOT / "scripts" / "find-python")], capture_output=True, text=True)
    interpreter = found.stdout.strip()
    if found.returncode != 0 or not interpreter:
        raise PeerUnavailable("install", "no Python 3.12+ interpreter found")
    _run("install", [interpreter, "-m", "venv", str(VENV)])
    _run(
        "install",
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PACKAGE],
    )
    return python


def _installed_version(python: Path) -> str | None:
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('django-crm'))"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _peer_env(database_url: str, database: str) -> dict[str, str]:
    parsed = urlparse(database_url)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "DBNAME": database,
        "DBUSER": parsed.username or "postgres",
        "DBPASSWORD": parsed.password or "",
        "DBHOST": parsed.hostname or "127.0.0.1",
        "DBPORT": str(parsed.port or 5432),
        "SECRET_KEY": "bench-peer-not-a-secret",
        "ENV_TYPE": "dev",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }


def ensure_loaded(python: Path, database_url: str, manifest: Manifest) -> dict[str, Any]:
    """The peer's database (leadcrew_bench_peer_<scale>): migrated and loaded once, its
    credentials kept beside the other generated data."""
    import psycopg

    database = f"leadcrew_bench_peer_{manifest.scale}"
    state = BENCH_DIR / "data" / f"{database}.json"
    env = _peer_env(database_url, database)
    admin = urlparse(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{database}"')
            state.unlink(missing_ok=True)
    if state.exists():
        return dict(json.loads(state.read_text())) | {"env": env}
    _run("migrate", [str(python), "-m", "django", "migrate", "--noinput"], env=env)
    scale = SCALES[manifest.scale]
    output = _run(
        "load",
        [
            str(python),
            "-m",
            "bench.peer_load",
            "--leads",
            str(scale.leads),
            "--users",
            str(scale.users),
            "--teams",
            str(scale.teams),
            "--admins",
            str(scale.admins),
            "--seed",
            str(manifest.seed),
        ],
        env=env,
    )
    loaded = json.loads(output.strip().splitlines()[-1])
    state.write_text(json.dumps(loaded))
    return dict(loaded) | {"env": env}


def measure(
    *, options: Any, manifest: Manifest, runs: int, reference: dict[str, Any]
) -> dict[str, Any]:
    """The peer's non-admin lead list against leadcrew's (the member persona, same page size),
    interleaved on the same machine in the same run."""
    from bench.run import API, NEWEST_FIRST, log

    try:
        python = ensure_installed()
        version = _installed_version(python) or "?"
        log(f"peer: BottleCRM {version}; loading its database if needed…")
        loaded = ensure_loaded(python, options.database_url, manifest)
        gunicorn = str(python.parent / "gunicorn")
        command = [
            gunicorn,
            "crm.wsgi:application",
            "--bind",
            "127.0.0.1:{port}",
            "--workers",
            str(options.workers),
            "--worker-class",
            "sync" if options.threads <= 1 else "gthread",
            "--threads",
            str(options.threads),
            "--access-logfile",
            "-",
        ]
        server = Server(
            command,
            env=loaded["env"],
            log=BENCH_DIR / "data" / "peer-server.log",
            ready_path="/api/leads/?limit=1",
        )
        peer_path = "/api/leads/"
        peer_params = {"limit": 50, "offset": 0}
        with server:
            peer = Client(server.port, {"Authorization": f"Bearer {loaded['token']}"})
            first = peer.get(peer_path, **peer_params)
            if first.status != 200:
                raise PeerUnavailable("request", f"HTTP {first.status}: {first.body[:200]!r}")
            body = first.json()
            visible = body.get("open_leads", {}).get("leads_count")
            ours = Client(reference["port"], {"X-USER-TOKEN": reference["token"]})

            def leadcrew() -> None:
                ours.get(f"{API}/leads", **NEWEST_FIRST)

            def bottlecrm() -> None:
                peer.get(peer_path, **peer_params)

            ours_samples, peer_samples = interleaved([leadcrew, bottlecrm], runs, 2)
            peer.close()
            ours.close()
    except PeerUnavailable as error:
        log(f"peer unavailable: {error}")
        return {
            "status": "unavailable",
            "reason": f"the {error.step} step failed",
            "error": error.error,
        }
    except (OSError, RuntimeError, ValueError) as error:
        log(f"peer unavailable: {error}")
        return {"status": "unavailable", "reason": "the peer did not run", "error": str(error)}
    result: dict[str, Any] = {
        "status": "ok",
        "version": version,
        "description": (
            f"Both loaded with {SCALES[manifest.scale].leads:,} leads, the same users, teams "
            "and lead draws, on the same PostgreSQL; each served by "
            f"{server_shape(options.workers, options.threads)}; requests interleaved, {runs} "
            "runs each."
        ),
        "leadcrew_request": (
            "GET /api/v2/leads?order=last_update&direction=desc&limit=50 as a plain member of "
            f"2 teams under team_shared ({reference['visible']:,} visible leads)"
        ),
        "peer_request": (
            f"GET /api/leads/?limit=50 as a plain user (role USER) ({visible:,} visible leads: "
            "BottleCRM shows a user the leads they created or are assigned, not their teams')"
            if isinstance(visible, int)
            else "GET /api/leads/?limit=50 as a plain user (role USER)"
        ),
        "leadcrew": Stats.of(ours_samples).__dict__,
        "peer": Stats.of(peer_samples).__dict__,
        "notes": [
            "BottleCRM's list answers two pages (open and closed leads, 50 each) with their "
            "counts, headline totals, and the organisation's contacts, tags and users; "
            "leadcrew's answers one page with X-TOTAL-COUNT.",
        ],
        "load_seconds": loaded.get("seconds"),
    }
    log(
        f"peer: leadcrew {result['leadcrew']['median_ms']:.1f} ms, BottleCRM "
        f"{result['peer']['median_ms']:.1f} ms"
    )
    return result
