"""The `leadcrew` command: set-up and operations (migrate, accounts, demo, server, scheduler).

Every subcommand reads the same settings as the web app, so DATABASE_URL picks the database.
"""

import argparse
import hashlib
import ipaddress
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger as GunicornLogger

from leadcrew.core.redact import RedactSecretsFilter, redact_query_secrets

logger = logging.getLogger("leadcrew.scheduler")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DOCS_PATH = "/api/v2/docs"
STATIC_STAMP = ".leadcrew-static-fingerprint"


# --- Arguments ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadcrew",
        description="Lead management for sales teams. Set DATABASE_URL to use PostgreSQL.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("migrate", help="create or update the database tables")

    create = commands.add_parser("create-account", help="create an account and its first admin")
    create.add_argument("--name", required=True, help="the company's name")
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-password", required=True)
    create.add_argument("--edition", choices=["essentials", "dream_team"], default="essentials")
    create.add_argument("--time-zone", default="UTC", help="e.g. Europe/Paris (default UTC)")
    create.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR)")
    create.add_argument("--json", action="store_true", help="end with one JSON line of the ids")

    serve = commands.add_parser("serve", help="run the production web server")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("LEADCREW_WORKERS", default_workers())),
        help="worker processes (default: LEADCREW_WORKERS, or 2 per CPU core + 1, at most 9)",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (default 1: each process answers one request at a time; "
        "more keep client connections open between requests)",
    )
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not start the reminder scheduler (another server or process runs it)",
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start a worker for webhooks and e-mails (`leadcrew worker` runs them)",
    )

    scheduler = commands.add_parser(
        "scheduler",
        help="turn passed standby reminders into to-dos; purge the bin and expired user tokens",
    )
    scheduler.add_argument(
        "--interval", type=float, help="seconds between runs (default LEADCREW_REMINDER_INTERVAL)"
    )
    scheduler.add_argument("--once", action="store_true", help="run once and exit")

    worker = commands.add_parser(
        "worker",
        help="deliver webhooks and send e-mails (the task queue in the database); run as many "
        "as needed, on any machine",
    )
    worker.add_argument(
        "--interval", type=float, default=1.0, help="seconds between looks at an empty queue"
    )
    worker.add_argument("--batch", action="store_true", help="run the tasks waiting now, then exit")

    generate = commands.add_parser(
        "generate", help="generate the benchmark's data (a fresh database; see docs/benchmarks.md)"
    )
    generate.add_argument("--scale", choices=["full", "small", "tiny"], default="full")
    generate.add_argument("--seed", type=int, help="default: the benchmark's own seed")

    rebuild = commands.add_parser(
        "rebuild-statistics",
        help="compute the statistics figures again from the leads (docs/operations.md)",
    )
    rebuild.add_argument("--account-id", type=int, help="only this account (default: all)")

    demo = commands.add_parser("demo", help="load the demo account (does nothing if present)")
    demo.add_argument(
        "--url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", help="where the server answers"
    )
    nocrm = commands.add_parser(
        "import-nocrm",
        help="migrate a whole noCRM.io account (or another leadcrew) into an account",
        description="Reads the whole source account through its v2 API and recreates it in the "
        "leadcrew account --account-id. Run it again to bring what is new or changed; a run "
        "that stopped halfway resumes where it was.",
    )
    nocrm.add_argument("--url", required=True, help="the source, e.g. https://acme.nocrm.io")
    nocrm.add_argument("--api-key", required=True, help="an API key of the source account")
    nocrm.add_argument("--account-id", type=int, required=True, help="the leadcrew account")
    nocrm.add_argument(
        "--dry-run",
        action="store_true",
        help="read everything, report what would change, write nothing",
    )
    nocrm.add_argument("--json", action="store_true", help="print the report as one JSON object")
    nocrm.add_argument(
        "--invite",
        action="store_true",
        help="create the users enabled (an admin then sets their passwords); by default they "
        "are disabled until invited",
    )
    nocrm.add_argument(
        "--recheck-comments",
        action="store_true",
        help="read the comments of every lead, not only of the new and changed ones",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_django()
    handler: Callable[[argparse.Namespace], int] = COMMANDS[args.command]
    return handler(args)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _fail(message: str, code: int = 1) -> int:
    print(f"leadcrew: error: {message}", file=sys.stderr)
    return code


# --- migrate --------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    _ensure_sqlite_folder()
    call_command("migrate", interactive=False)
    # The database cache's table (the rate limit's and the login throttle's counters): the
    # migrations make it too, but not if the cache moved from Redis to the database since.
    call_command("createcachetable")
    return 0


def _ensure_sqlite_folder() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] != ":memory:":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)


# --- create-account -------------------------------------------------------------------------


def cmd_create_account(args: argparse.Namespace) -> int:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from leadcrew.accounts.services import account_create
    from leadcrew.core.errors import ApiError

    name = args.name.strip()
    checks: list[tuple[str, Callable[[], object]]] = [
        ("--name", lambda: _check_name(name)),
        ("--admin-email", lambda: validate_email(args.admin_email)),
        ("--admin-password", lambda: validate_password(args.admin_password)),
        ("--time-zone", lambda: _check_time_zone(args.time_zone)),
    ]
    for option, check in checks:
        try:
            check()
        except ValidationError as error:
            return _fail(f"{option}: {' '.join(error.messages)}")
    try:
        new = account_create(
            name=name,
            admin_email=args.admin_email,
            admin_password=args.admin_password,
            edition=args.edition,
            time_zone=args.time_zone,
            currency=args.currency.upper(),
        )
    except ApiError as error:
        return _fail(f"{error.message} ({args.admin_email})")
    if args.json:
        # Scripts read the last line: keep it the one JSON object, whatever is printed above.
        ids = {"account_id": new.account.pk, "admin_id": new.admin.pk, "api_key": new.api_key}
        print(json.dumps(ids))
    else:
        print(f"Account {name!r} created (id {new.account.pk}).")
        print(f"Admin: {new.admin.email} (id {new.admin.pk})")
        print(f"API key (shown once, keep it safe): {new.api_key}")
    return 0


def _invalid(message: str) -> None:
    from django.core.exceptions import ValidationError

    raise ValidationError(message)


def _check_name(name: str) -> None:
    if not name:
        _invalid("the account name is empty.")


def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        _invalid(f"unknown time zone {name!r}.")


# --- demo -----------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from leadcrew import demo

    result = demo.load_demo()
    if result.created:
        print(
            f"Demo account {demo.ACCOUNT_NAME!r} loaded: {len(result.people)} users, "
            f"{len(demo.TEAMS)} teams, {result.lead_count} leads."
        )
    else:
        print(f"The demo account {demo.ACCOUNT_NAME!r} already exists; nothing was changed.")
    url = args.url.rstrip("/")
    print()
    print(f"  Web app   {url}")
    print(f"  API docs  {url}{DOCS_PATH}")
    print(f"  API key   {result.api_key}")
    print("            (a demo-only key, published in leadcrew/demo.py: never expose the demo)")
    print(f"  Try it    curl -H 'X-API-KEY: {result.api_key}' {url}/api/v2/ping")
    print()
    print("  Logins (e-mail / password / role):")
    width = max(len(p.email) for p in result.people)
    for person in result.people:
        print(f"    {person.email:<{width}}  {demo.PASSWORD}  {person.role}")
    print()
    return 0


# --- rebuild-statistics --------------------------------------------------------------------


def cmd_rebuild_statistics(args: argparse.Namespace) -> int:
    from leadcrew.stats.services import figures_rebuild

    done = figures_rebuild(args.account_id)
    if args.account_id is not None and not done:
        return _fail(f"no account {args.account_id}")
    print(f"Statistics figures computed again for {done} account(s).")
    return 0


# --- import-nocrm ---------------------------------------------------------------------------


def cmd_import_nocrm(args: argparse.Namespace) -> int:
    from leadcrew.migration.client import SourceApi, SourceError
    from leadcrew.migration.services import MigrationError, migrate_account

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def waiting(seconds: float, why: str) -> None:
        progress(f"Waiting {seconds:g} s: {why}.")

    try:
        api = SourceApi(args.url, args.api_key, on_wait=waiting)
    except SourceError as error:
        return _fail(f"--url: {error}")
    try:
        report = migrate_account(
            account_id=args.account_id,
            api=api,
            invite=args.invite,
            dry_run=args.dry_run,
            recheck_comments=args.recheck_comments,
            progress=progress,
        )
    except MigrationError as error:
        return _fail(str(error))
    except SourceError as error:
        return _fail(
            f"the source could not be read: {error}. What was imported so far is kept: run "
            "the same command again to go on."
        )
    finally:
        api.close()
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(format_report(report.as_dict()))
    return 0


def format_report(report: dict[str, Any]) -> str:
    """The report for a person: per kind, then every reason something was skipped."""
    title = "Dry run: nothing was written." if report["dry_run"] else "Migration done."
    lines = [f"{title} Source: {report['source']} ({report['requests']} requests)", ""]
    lines.append(
        f"  {'':<12}{'created':>9}{'updated':>9}{'unchanged':>11}{'binned':>8}{'skipped':>9}"
    )
    for kind, counts in report["kinds"].items():
        if any(counts.values()):
            lines.append(
                f"  {kind:<12}{counts['created']:>9}{counts['updated']:>9}"
                f"{counts['unchanged']:>11}{counts['binned']:>8}{counts['skipped']:>9}"
            )
    reasons: dict[tuple[str, str], list[str]] = {}
    for entry in report["skipped"]:
        reasons.setdefault((entry["kind"], entry["message"]), []).append(entry["source_id"])
    if reasons:
        lines += ["", "Skipped:"]
        for (kind, message), ids in reasons.items():
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            lines.append(f"  {kind} {shown}: {message}")
    for warning in report["warnings"]:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines)


# --- generate -------------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    """The benchmark's generator lives in bench/ beside the package, in a source checkout."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / "generate.py").exists():
        return _fail("the benchmark is part of leadcrew's source tree, not of this installation")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench import generate

    seed = generate.DEFAULT_SEED if args.seed is None else args.seed
    return generate.run_generate(scale=generate.SCALES[args.scale], seed=seed)


# --- scheduler ------------------------------------------------------------------------------


def cmd_scheduler(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import close_old_connections

    interval = args.interval if args.interval is not None else settings.LEADCREW_REMINDER_INTERVAL
    if args.once:
        return 0 if scheduler_tick() is not None else 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    logger.info("Reminder scheduler started: checking every %s s.", interval)
    while not stop.is_set():
        # Drops a connection that broke or outlived CONN_MAX_AGE; the next query reconnects.
        close_old_connections()
        scheduler_tick()
        stop.wait(max(float(interval), 0.1))
    logger.info("Reminder scheduler stopped.")
    return 0


def events_upkeep() -> int:
    """The events' periodic work, run by the scheduler: dispatches events a lost kick left
    behind, frees deliveries of dead workers, keeps the delivery log to 10 days."""
    from leadcrew.events import tasks

    return tasks.upkeep()


def cmd_worker(args: argparse.Namespace) -> int:
    """Django's task worker on the database queue (django-tasks-db): several of them, on one
    machine or many, share the queue, each task run by one of them."""
    from django.core.management import call_command

    options = ["--interval", str(args.interval), "--no-reload", "--queue-name", "default"]
    if args.batch:
        options.append("--batch")
    call_command("db_worker", *options)
    return 0


def scheduler_tick() -> int | None:
    """One run of the periodic jobs: wakes the standby leads whose reminder has passed, purges
    the leads in the bin for more than 30 days, then deletes the expired user tokens. Returns
    how many leads woke up; None when a job failed.

    A failure (database restarting, network cut) is logged, and the loop tries again at the next
    tick: the scheduler must outlive any outage of what it talks to. One job failing does not
    keep the others from running."""
    from leadcrew.accounts import services as account_services
    from leadcrew.leads import services

    woken = _run_job("Reminder run", services.standby_wake_due)
    purged = _run_job("Bin purge", services.bin_purge_expired)
    tokens = _run_job("Token purge", account_services.user_tokens_purge_expired)
    _run_job("Events upkeep", events_upkeep)
    if woken:
        logger.info("%d standby lead(s) back to to-do.", woken)
    elif woken == 0:
        logger.debug("No standby reminder due.")
    if purged:
        logger.info("%d lead(s) purged from the bin.", purged)
    if tokens:
        logger.info("%d expired user token(s) deleted.", tokens)
    return None if purged is None or tokens is None else woken


def _run_job(name: str, job: Callable[[], int]) -> int | None:
    from django.db import DatabaseError

    try:
        return job()
    except DatabaseError as error:
        # An outage repeats every tick: one line each, not a traceback.
        logger.error("%s failed (%s); retrying at the next tick.", name, error)
    except Exception:
        logger.exception("%s failed; retrying at the next tick.", name)
    return None


# --- serve ----------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from django.db import DatabaseError, connections

    refusal = _unsafe_secret_key_refusal(args.host)
    if refusal is not None:
        return _fail(refusal)
    try:
        _warn_unapplied_migrations()
    except DatabaseError as error:
        return _fail(f"cannot use the database: {error}")
    _collect_static_if_needed()
    # Workers are forked from this process: they must not share its database connections.
    connections.close_all()
    children = [] if args.no_scheduler else ["scheduler"]
    if not args.no_worker:
        children.append("worker")
    scheduler = SchedulerProcess(children) if children else None
    url = f"http://{_bind_host(args.host)}:{args.port}"
    server = LeadcrewServer(_gunicorn_options(args, url, scheduler))
    try:
        server.run()
    finally:
        if scheduler is not None:
            scheduler.stop()
    return 0


def _bind_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _unsafe_secret_key_refusal(host: str) -> str | None:
    """Why the server must not start, or None. The development key is published in leadcrew's
    source: anyone could forge sessions signed with it. It is fine on a loopback address (`make
    run`), which only this machine reaches, and with LEADCREW_DEBUG=1, which is never a
    production server."""
    from django.conf import settings

    if settings.SECRET_KEY != settings.LEADCREW_DEVELOPMENT_SECRET_KEY:
        return None
    if settings.DEBUG or is_loopback(host):
        return None
    return (
        f"refusing to serve on {host} with the development secret key, which is published in "
        "leadcrew's source. Set LEADCREW_SECRET_KEY to a long random string, e.g. "
        "LEADCREW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
        "or bind to a loopback address (--host 127.0.0.1) to try leadcrew on this machine only, "
        "or set LEADCREW_DEBUG=1 for development (see docs/operations.md)."
    )


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (brackets allowed): an address only this machine reaches."""
    host = host.strip().removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_workers() -> int:
    """Gunicorn's rule of thumb, two processes per core plus one, capped so that a large
    machine does not open more database connections than PostgreSQL's default allows."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def _gunicorn_options(
    args: argparse.Namespace, url: str, scheduler: "SchedulerProcess | None"
) -> dict[str, Any]:
    def when_ready(arbiter: Any) -> None:
        from django.conf import settings

        if scheduler is not None:
            scheduler.start()
        every = f"checked every {settings.LEADCREW_REMINDER_INTERVAL} s"
        reminders = "not checked here (--no-scheduler)" if scheduler is None else every
        print(f"\nleadcrew is serving {url}", flush=True)
        print(f"  API docs {url}{DOCS_PATH}; reminders {reminders}. Ctrl-C stops.\n", flush=True)

    def on_exit(arbiter: Any) -> None:
        if scheduler is not None:
            scheduler.stop()

    def post_worker_init(worker: Any) -> None:
        # Ctrl-C reaches every process of the terminal's group: workers leave it to the master,
        # which stops them gracefully (GracefulArbiter).
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    from django.conf import settings

    # The proxies whose X-Forwarded-Proto gunicorn believes (LEADCREW_FORWARDED_ALLOW_IPS);
    # unset, gunicorn's own default stands (FORWARDED_ALLOW_IPS, or the loopback addresses).
    forwarded: dict[str, Any] = {}
    if settings.LEADCREW_FORWARDED_ALLOW_IPS:
        forwarded["forwarded_allow_ips"] = settings.LEADCREW_FORWARDED_ALLOW_IPS
    return {
        **forwarded,
        "bind": f"{_bind_host(args.host)}:{args.port}",
        "workers": max(args.workers, 1),
        # One request at a time per process by default: leadcrew's requests are CPU-bound, and
        # threads of one process would share one core and answer in turns. Processes taking
        # requests from one queue keep the slowest answers close to the median under load
        # (docs/benchmarks.md). The proxy in front keeps client connections open.
        "worker_class": "sync" if args.threads <= 1 else "gthread",
        "threads": max(args.threads, 1),
        "proc_name": "leadcrew",
        "accesslog": "-",
        "errorlog": "-",
        # Writes `?api_key=[redacted]` in the access log, never the key.
        "logger_class": RedactingLogger,
        # A worker busy longer than this is restarted: an export of a million leads streams
        # for about two minutes on two cores.
        "timeout": 300,
        "graceful_timeout": 20,
        # Gunicorn's default control socket is one path per machine user: two servers would
        # fight over it, and leadcrew does not use it.
        "control_socket_disable": True,
        "when_ready": when_ready,
        "on_exit": on_exit,
        "post_worker_init": post_worker_init,
    }


class RedactingLogger(GunicornLogger):  # type: ignore[misc]  # gunicorn is untyped
    """Gunicorn's logger, with the secrets of query strings redacted from the access log (the
    request line, the query, the referrer) and from the error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactSecretsFilter())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact_query_secrets(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


class LeadcrewServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """Gunicorn, configured from Python rather than from its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from config.wsgi import application

        return application

    def run(self) -> None:
        try:
            GracefulArbiter(self).run()
        except RuntimeError as error:
            print(f"leadcrew: error: {error}", file=sys.stderr)
            sys.exit(1)


class GracefulArbiter(Arbiter):  # type: ignore[misc]  # gunicorn is untyped
    """Ctrl-C stops the server the way SIGTERM does: requests in flight finish. Gunicorn's own
    quick stop can leave a threaded worker hanging until the master kills it."""

    def handle_int(self) -> None:
        self.handle_term()


class SchedulerProcess:
    """`leadcrew scheduler`, run as a child of the server's master process."""

    def __init__(self, commands: Sequence[str] = ("scheduler",)) -> None:
        self.commands = list(commands)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.owner_pid = os.getpid()

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.processes[0] if self.processes else None

    def start(self) -> None:
        for name in self.commands:
            command = [sys.executable, "-m", "leadcrew.cli", name]
            self.processes.append(subprocess.Popen(command, stdin=subprocess.DEVNULL))

    def stop(self) -> None:
        # Gunicorn's workers are forks of the master and unwind through the same frames when
        # they exit: only the process that started the scheduler may stop it.
        if not self.processes or os.getpid() != self.owner_pid:
            return
        processes, self.processes = self.processes, []
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _collect_static_if_needed() -> None:
    """Runs collectstatic when the static sources changed since the last run (whitenoise
    serves the collected copy)."""
    from django.conf import settings
    from django.core.management import call_command

    stamp = Path(settings.STATIC_ROOT) / STATIC_STAMP
    fingerprint = _static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def _static_fingerprint() -> str:
    from django.apps import apps
    from django.contrib.staticfiles.finders import get_finders

    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns  # type: ignore[attr-defined]
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns):
            digest.update(f"{path}\0{storage.path(path)}\0{storage.size(path)}\0".encode())
            digest.update(str(storage.get_modified_time(path).timestamp()).encode())
    return digest.hexdigest()


def _warn_unapplied_migrations() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        count = len(plan)
        print(f"leadcrew: warning: {count} migration(s) not applied: run `leadcrew migrate`.")


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "migrate": cmd_migrate,
    "rebuild-statistics": cmd_rebuild_statistics,
    "create-account": cmd_create_account,
    "serve": cmd_serve,
    "scheduler": cmd_scheduler,
    "worker": cmd_worker,
    "demo": cmd_demo,
    "generate": cmd_generate,
    "import-nocrm": cmd_import_nocrm,
}

if __name__ == "__main__":
    sys.exit(main())
