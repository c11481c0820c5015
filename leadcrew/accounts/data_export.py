"""The whole account as one archive, for its admins: the data belongs to the company, which may
take all of it away (GET /api/v2/account/export, Admin › Your data).

One ZIP file of JSON-lines files, one record a line, plus the leads as CSV:

    account.jsonl            the account and its settings (no webhook secret)
    users.jsonl              users, without any secret (no password hash)
    teams.jsonl, memberships.jsonl
    pipelines.jsonl, steps.jsonl
    api_keys.jsonl           names, prefixes and dates (no key hash)
    leads.jsonl, leads.csv   every lead, the bin's included (`deleted` true), with its tags
    comments.jsonl, history.jsonl   those of the leads above
    sensitive_actions.jsonl  the account's log, this export included

Leads are read through the access policy (`leads_for`, `binned_leads_for`): an admin gets every
one. Everything is read in chunks and written to the archive as it comes, and the archive is a
temporary file (on disk past a few megabytes), so an account of a million leads never sits in
memory. On PostgreSQL the reads share one snapshot (REPEATABLE READ), so the files agree with
each other even while people keep working.
"""

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.access.policy import binned_leads_for, ensure_may_export, leads_for
from leadcrew.accounts.models import Account, ApiKey, User
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.core import csv_safety
from leadcrew.leads.models import Comment, Lead, LeadHistory, LeadTag, Pipeline, Step
from leadcrew.teams.models import Membership, Team

CHUNK_SIZE = 2000
# Past this size the archive moves from memory to a temporary file on disk.
IN_MEMORY_BYTES = 8 * 1024 * 1024

USER_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "locale",
    "is_admin",
    "is_disabled",
    "last_login",
    "created_at",
    "updated_at",
)
LEAD_FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "step_id",
    "amount",
    "currency",
    "probability",
    "owner_id",
    "team_id",
    "starred",
    "remind_date",
    "remind_time",
    "next_action_at",
    "estimated_closing_date",
    "created_from",
    "created_by_id",
    "created_at",
    "closed_at",
    "updated_at",
    "deleted_at",
)
CSV_HEADER = [
    "id",
    "title",
    "description",
    "status",
    "pipeline",
    "step",
    "amount",
    "currency",
    "probability",
    "owner",
    "team",
    "tags",
    "starred",
    "remind_date",
    "remind_time",
    "estimated_closing_date",
    "created_at",
    "closed_at",
    "updated_at",
    "deleted_at",
]


# --- Reads ---------------------------------------------------------------------------------


def archived_leads(actor: Actor) -> QuerySet[Lead]:
    """Every lead the archive holds: the live ones the actor sees and those of the bin they
    may restore (for an admin: all of the account's)."""
    return (leads_for(actor) | binned_leads_for(actor)).order_by("pk")


def _rows(records: QuerySet[Any], *fields: str) -> Iterator[dict[str, Any]]:
    yield from records.order_by("pk").values(*fields).iterator(chunk_size=CHUNK_SIZE)


def _account_rows(actor: Actor) -> Iterator[Any]:
    yield from Account.objects.filter(pk=actor.account_id).values(
        "id",
        "name",
        "edition",
        "time_zone",
        "currency",
        "privacy",
        "assignment",
        "teams_enabled",
        "team_privacy",
        "team_assignment",
        "only_admins_export_leads",
        "only_admins_delete_leads",
        "only_admins_delete_comments",
        "only_admins_delete_client_folders",
        "only_admins_export_client_folders",
        "created_at",
    )


def _lead_rows(actor: Actor, leads: QuerySet[Lead]) -> Iterator[dict[str, Any]]:
    """Each lead with its tags: the leads and their tags are two scans in lead order, merged,
    rather than a query per chunk of leads."""
    tags = (
        LeadTag.objects.filter(account_id=actor.account_id, lead_id__in=leads.values("pk"))
        .order_by("lead_id", "name")
        .values_list("lead_id", "name")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    pending = next(tags, None)
    for row in leads.values(*LEAD_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        while pending is not None and pending[0] < row["id"]:
            pending = next(tags, None)  # its lead left the archive between the two scans
        names = []
        while pending is not None and pending[0] == row["id"]:
            names.append(pending[1])
            pending = next(tags, None)
        row["deleted"] = row["deleted_at"] is not None
        row["tags"] = names
        yield row


# --- Writing -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON holds it: instants in ISO 8601 (UTC), days, times and money as text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _write_jsonl(archive: zipfile.ZipFile, name: str, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with archive.open(name, "w", force_zip64=True) as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        for row in rows:
            out.write(json.dumps(row, default=_plain, ensure_ascii=False) + "\n")
            count += 1
        out.flush()
        out.detach()
    return count


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: a text starting like a formula gets
    a leading apostrophe (the rule of every CSV leadcrew writes, in core/csv_safety.py)."""
    return csv_safety.neutralize(value)


class _CsvLabels:
    """The names the CSV shows instead of ids, read once: steps, pipelines, users, teams."""

    def __init__(self, actor: Actor) -> None:
        account = actor.account_id
        pipelines = dict(Pipeline.objects.filter(account_id=account).values_list("pk", "name"))
        self.steps = {
            pk: (pipelines.get(pipeline_id, ""), name)
            for pk, pipeline_id, name in Step.objects.filter(account_id=account).values_list(
                "pk", "pipeline_id", "name"
            )
        }
        self.users = dict(User.objects.filter(account_id=account).values_list("pk", "email"))
        self.teams = dict(Team.objects.filter(account_id=account).values_list("pk", "name"))

    def row(self, lead: dict[str, Any]) -> list[Any]:
        pipeline, step = self.steps.get(lead["step_id"], ("", ""))
        return [
            _cell(value)
            for value in (
                lead["id"],
                lead["title"],
                lead["description"],
                lead["status"],
                pipeline,
                step,
                lead["amount"],
                lead["currency"],
                lead["probability"],
                self.users.get(lead["owner_id"], ""),
                self.teams.get(lead["team_id"], ""),
                ", ".join(lead["tags"]),
                "yes" if lead["starred"] else "no",
                _plain(lead["remind_date"]) or "",
                lead["remind_time"].strftime("%H:%M") if lead["remind_time"] else "",
                _plain(lead["estimated_closing_date"]) or "",
                _plain(lead["created_at"]),
                _plain(lead["closed_at"]) or "",
                _plain(lead["updated_at"]),
                _plain(lead["deleted_at"]) or "",
            )
        ]


def _write_leads(archive: zipfile.ZipFile, actor: Actor, leads: QuerySet[Lead]) -> int:
    """leads.jsonl and leads.csv in one pass over the leads: the CSV goes to a temporary file
    meanwhile (an archive takes one file at a time), then into the archive."""
    labels = _CsvLabels(actor)
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES, mode="w+b") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        writer = csv_safety.writer(text)
        writer.writerow(CSV_HEADER)

        def with_csv() -> Iterator[dict[str, Any]]:
            for row in _lead_rows(actor, leads):
                writer.writerow(labels.row(row))
                yield row

        count = _write_jsonl(archive, "leads.jsonl", with_csv())
        text.flush()
        text.detach()
        spool.seek(0)
        with archive.open("leads.csv", "w", force_zip64=True) as out:
            shutil.copyfileobj(spool, out)
    return count


def _write_archive(archive: zipfile.ZipFile, actor: Actor) -> None:
    account = actor.account_id
    leads = archived_leads(actor)
    lead_ids = leads.values("pk")
    _write_jsonl(archive, "account.jsonl", _account_rows(actor))
    _write_jsonl(
        archive, "users.jsonl", _rows(User.objects.filter(account_id=account), *USER_FIELDS)
    )
    _write_jsonl(
        archive,
        "teams.jsonl",
        _rows(Team.objects.filter(account_id=account), "id", "name", "round_robin", "created_at"),
    )
    _write_jsonl(
        archive,
        "memberships.jsonl",
        _rows(
            Membership.objects.filter(account_id=account),
            "team_id",
            "user_id",
            "is_manager",
            "created_at",
        ),
    )
    _write_jsonl(
        archive,
        "pipelines.jsonl",
        _rows(
            Pipeline.objects.filter(account_id=account),
            "id",
            "name",
            "is_default",
            "position",
            "created_at",
        ),
    )
    _write_jsonl(
        archive,
        "steps.jsonl",
        _rows(Step.objects.filter(account_id=account), "id", "pipeline_id", "name", "position"),
    )
    _write_jsonl(
        archive,
        "api_keys.jsonl",
        _rows(
            ApiKey.objects.filter(account_id=account),
            "id",
            "name",
            "prefix",
            "created_by_id",
            "created_at",
            "last_used_at",
            "revoked_at",
        ),
    )
    lead_count = _write_leads(archive, actor, leads)
    _write_jsonl(
        archive,
        "comments.jsonl",
        _rows(
            Comment.objects.filter(account_id=account, lead_id__in=lead_ids),
            "id",
            "lead_id",
            "content",
            "activity_id",
            "is_pinned",
            "author_id",
            "created_at",
            "updated_at",
        ),
    )
    _write_jsonl(
        archive,
        "history.jsonl",
        _rows(
            LeadHistory.objects.filter(account_id=account, lead_id__in=lead_ids),
            "id",
            "lead_id",
            "action",
            "old_value",
            "new_value",
            "actor_id",
            "created_at",
            "bulk_action_id",
        ),
    )
    # Logged before the log is written out, so the archive shows its own export.
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.EXPORT,
        count=lead_count,
        details={"what": "account"},
    )
    _write_jsonl(
        archive,
        "sensitive_actions.jsonl",
        _rows(
            SensitiveAction.objects.filter(account_id=account),
            "id",
            "action",
            "actor_id",
            "actor_label",
            "count",
            "details",
            "created_at",
        ),
    )


# --- The service ---------------------------------------------------------------------------


def account_export(*, actor: Actor) -> IO[bytes]:
    """The account's archive (see the module's docstring) as a file positioned at its start,
    for admins and account keys; the caller streams it and closes it. Logged as an `export`
    (`what: account`, `count`: the leads), in the same transaction as the reads.
    `only_admins_export_leads` concerns non-admins, who may never export the whole account
    anyway; it is asked all the same, like every export."""
    ensure_admin(actor)
    ensure_may_export(actor)
    # Not a `with`: the open file is the answer, closed by whoever streams it.
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES, mode="w+b")  # noqa: SIM115
    try:
        with transaction.atomic():
            _one_snapshot()
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                _write_archive(archive, actor)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _one_snapshot() -> None:
    """On PostgreSQL, every read of this transaction sees the same committed state. Only
    possible as the transaction's first statement: inside an outer transaction (tests) the
    reads follow that transaction's own rules.

    Every query of the export is read to its end through a server-side cursor, which the
    planner otherwise plans for its first rows only (`cursor_tuple_fraction`, 0.1): with a
    misestimate (a freshly loaded account, before its tables are analyzed) that chose nested
    loops taking seconds per thousand comments. Planned for every row, it is a hash join."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if len(connection.atomic_blocks) == 1:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


def archive_name(actor: Actor) -> str:
    """The archive's file name: the account and the day, in the account's time zone."""
    day = timezone.localdate(timezone=actor.account.zone).isoformat()
    return f"leadcrew-account-{actor.account_id}-{day}.zip"
