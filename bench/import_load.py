"""A spreadsheet of 100,000 leads imported in one call, on PostgreSQL, next to the floor: the
same rows written by raw SQL (`INSERT … SELECT` from generate_series, leads and their history).

    python -m bench.import_load --database-url postgres://postgres@127.0.0.1/leadcrew_bench_import

Each size runs in a fresh process, so that its peak memory (max RSS) is its own: a flat
figure across sizes says the import streams. Prints a Markdown table and writes
bench/results/import-<time>.json. The database must be named leadcrew_bench*; it is dropped
and created again.
"""

import argparse
import csv
import json
import multiprocessing
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
OWNERS = 20
STATUSES = ("todo", "Gagné", "perdu", "won", "À faire")


def _fresh_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("leadcrew_bench"):
        raise SystemExit("the database must be named leadcrew_bench*")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def write_csv(path: Path, rows: int, tag: str) -> None:
    """A French-style export: semicolons, Windows-1252, amounts with a decimal comma."""
    with path.open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            ["Titre", "Propriétaire", "Statut", "Montant", "Étiquettes", "Date de création"]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"Société {n}",
                    _owner(n, tag),
                    STATUSES[n % len(STATUSES)],
                    f"{n % 9000 + 1} {n % 1000:03d},{n % 100:02d}",
                    "salon; 2024" if n % 3 else "",
                    f"{n % 28 + 1:02d}/{n % 12 + 1:02d}/2024 10:30",
                ]
            )


def _owner(n: int, tag: str) -> str:
    return f"owner{n % OWNERS}.{tag}@import-bench.test"


def _account(tag: str) -> Any:
    """An account of its own per measure, with the owners its spreadsheet names."""
    from leadcrew.access.actor import actor_for_user
    from leadcrew.accounts.models import User
    from leadcrew.accounts.services import account_create

    new = account_create(
        name=f"Import bench {tag}",
        admin_email=f"admin.{tag}@import-bench.test",
        admin_password="bench-password-1",
        time_zone="Europe/Paris",
    )
    User.objects.bulk_create(
        User(account=new.account, email=_owner(n, tag), first_name=f"Owner{n}")
        for n in range(OWNERS)
    )
    return actor_for_user(new.admin)


def _measure_import(url: str, rows: int, queue: Any) -> None:
    _setup(url)
    from leadcrew.imports.services import import_run

    folder = Path(tempfile.mkdtemp())
    path = folder / "leads.csv"
    write_csv(path, rows, str(rows))
    actor = _account(str(rows))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with path.open("rb") as file:
        result = import_run(actor=actor, file=file, file_name="leads.csv")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "rows": rows,
            "file_bytes": path.stat().st_size,
            "created": result.created,
            "errors": len(result.errors),
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "max_rss_mb_before": round(before / 1024, 1),
            "max_rss_mb_after": round(peak / 1024, 1),
        }
    )


def _measure_floor(url: str, rows: int, queue: Any) -> None:
    """Leads and their history rows written by two INSERT … SELECT, nothing parsed or checked."""
    _setup(url)
    from django.db import connection, transaction

    actor = _account(f"floor-{rows}")
    from leadcrew.core.lookups import first_step_of_default_pipeline

    step_id = first_step_of_default_pipeline(actor).pk
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO leads_lead (account_id, title, description, amount, probability,
                currency, status, step_id, owner_id, starred, remind_note, created_from,
                created_at, updated_at, created_by_id)
            SELECT %s, 'Société ' || n, '', (n %% 9000) + 0.5, 0, 'EUR', 'todo', %s, %s, false,
                '', 'floor', now(), now(), %s
            FROM generate_series(1, %s) AS n
            """,
            [actor.account_id, step_id, actor.user_id, actor.user_id, rows],
        )
        cursor.execute(
            """
            INSERT INTO leads_leadhistory (account_id, lead_id, actor_id, action, new_value,
                created_at)
            SELECT account_id, id, %s, 'created', 'floor', now() FROM leads_lead
            WHERE account_id = %s
            """,
            [actor.user_id, actor.account_id],
        )
    seconds = time.perf_counter() - started
    queue.put(
        {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds)}
    )


def _in_process(target: Any, url: str, rows: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(url, rows, queue))
    process.start()
    result = queue.get()
    process.join()
    return dict(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    _fresh_database(args.database_url)
    _setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    imports = [_in_process(_measure_import, args.database_url, rows) for rows in args.rows]
    floors = [_in_process(_measure_floor, args.database_url, rows) for rows in args.rows]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"import-{stamp}.json"
    out.write_text(json.dumps({"imports": imports, "floors": floors}, indent=2) + "\n")
    print("| rows | import s | rows/s | peak RSS MB | floor s | floor rows/s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row, floor in zip(imports, floors, strict=True):
        print(
            f"| {row['rows']:,} | {row['seconds']} | {row['rows_per_second']:,} | "
            f"{row['max_rss_mb_after']} | {floor['seconds']} | {floor['rows_per_second']:,} |"
        )
    print(f"\n{out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
