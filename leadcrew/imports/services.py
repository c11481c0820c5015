"""Importing a spreadsheet of leads (docs/user-guide.md, "Import a spreadsheet").

Every row goes through `lead_build`, the very rules of POST /leads, so an import never creates
what its author could not create by hand. Rows are read as a stream and the valid ones are
written in batches of set-based INSERTs, all in one transaction: a real import is one bulk
action (logged, listed in GET /bulk_actions, undone by POST /bulk_actions/{id}/undo), and
either all of its valid rows are created or none is."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.bulk.models import BulkAction, BulkActionType, BulkChange
from leadcrew.contacts.selectors import FieldDef, lead_field_defs
from leadcrew.contacts.services import lead_values_store_many
from leadcrew.core.errors import (
    ApiError,
    Code,
    InvalidParameter,
    MissingParameter,
    PayloadTooLarge,
)
from leadcrew.core.lookups import Ref, pipeline_lookup, step_lookup, user_lookup_by_name
from leadcrew.events.recording import record_leads_created
from leadcrew.imports.headers import Field, checked_mapping, recognise
from leadcrew.imports.models import Import
from leadcrew.imports.readers import Cell, Sheet, open_sheet
from leadcrew.imports.values import (
    DateOrder,
    date_order_for,
    is_blank,
    parse_amount,
    parse_boolean,
    parse_date,
    parse_datetime,
    parse_probability,
    parse_status,
    parse_tags,
    parse_time,
    text_of,
)
from leadcrew.leads.models import HistoryAction, Lead, LeadHistory, LeadTag
from leadcrew.leads.services import LeadDraft, LeadRefs, LeadWrite, lead_build
from leadcrew.teams.models import Membership, Team

# Valid rows written per set-based INSERT: bounds the memory an import holds.
BATCH = 1000
# Errors kept with an import's record (the answer holds every one).
MAX_STORED_ERRORS = 1000
# Rows between two progress reports.
PROGRESS_EVERY = 500
# What `defaults` may set for every row (a column of the row wins).
DEFAULT_KEYS = ("user_id", "team_id", "pipeline_id", "step", "status", "tags")
# The field a refusal is about when the error names none.
CODE_FIELDS = {
    Code.CREATE_IN_TEAM_FORBIDDEN: "team_id",
    Code.TEAMS_OFF: "team_id",
    Code.ASSIGNEE_FORBIDDEN: "user_id",
    Code.DEFAULT_PIPELINE_EMPTY: "step",
}


def max_import_bytes() -> int:
    return int(settings.LEADCREW_IMPORT_MAX_BYTES)


def import_check_size(size: int | None) -> None:
    """A file over the configured size is refused (413) before anything is read of it."""
    limit = max_import_bytes()
    if size is not None and size > limit:
        raise PayloadTooLarge(
            Code.IMPORT_FILE_TOO_LARGE, field="file", max=max(limit // 1_000_000, 1)
        )


@dataclass(frozen=True)
class RowError:
    """Why one row (or one cell of it) cannot be imported."""

    row: int
    column: str | None
    value: str | None
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def out(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class ImportResult:
    id: int | None
    dry_run: bool
    file_name: str
    rows: int
    created: int
    skipped: int
    errors: list[RowError]
    bulk_action_id: int | None
    mapping: dict[str, str]

    def out(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "skipped": self.skipped,
            "errors": [error.out() for error in self.errors],
            "bulk_action_id": self.bulk_action_id,
        }


class ImportRefused(InvalidParameter):
    """An all-or-nothing import with rows that fail: nothing is created, and the answer
    carries the import's own report."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("file", Code.IMPORT_ROWS_FAILED, count=result.skipped)
        self.result = result

    def body(self) -> dict[str, Any]:
        return super().body() | self.result.out()


@dataclass
class Preview:
    """What the import page shows before importing: the columns, the mapping recognised
    (or given), the first rows as read, and the sheet's shape."""

    headers: list[str]
    mapping: dict[str, str]
    rows: list[tuple[int, list[str]]]
    kind: str
    encoding: str | None
    delimiter: str | None


Progress = Callable[[int], None]


# --- Columns --------------------------------------------------------------------------------


def _mapping(
    actor: Actor, sheet: Sheet, given: object | None, defs: list[FieldDef]
) -> dict[str, str]:
    """Column header → field (a `Field` value, or `fields.<key>` for a contact field)."""
    if given is None:
        mapping = recognise(sheet.headers, defs)
    else:
        mapping = checked_mapping(given, sheet.headers, defs)
    if Field.TITLE.value not in mapping.values():
        raise InvalidParameter("mapping", Code.IMPORT_NO_TITLE_COLUMN)
    return mapping


def import_headers(file: BinaryIO) -> list[str]:
    """The file's column headers (or the error that refuses the file)."""
    return open_sheet(file).headers


def import_preview(
    *, actor: Actor, file: BinaryIO, mapping: object | None = None, limit: int = 10
) -> Preview:
    """The file's columns, the mapping an import would use, and its first rows. Writes
    nothing; raises what an import of the file would raise before its first row."""
    sheet = open_sheet(file)
    columns = _mapping(actor, sheet, mapping, lead_field_defs(actor))
    rows: list[tuple[int, list[str]]] = []
    for number, cells in sheet.rows:
        rows.append((number, [text_of(cell) for cell in cells]))
        if len(rows) >= limit:
            break
    return Preview(
        headers=sheet.headers,
        mapping=columns,
        rows=rows,
        kind=sheet.kind,
        encoding=sheet.encoding,
        delimiter=sheet.delimiter,
    )


# --- Defaults -------------------------------------------------------------------------------


@dataclass
class _Defaults:
    data: LeadWrite
    pipeline_id: int | None = None
    shown: dict[str, str] = field(default_factory=dict)


def _defaults(actor: Actor, refs: LeadRefs, given: object | None) -> _Defaults:
    """The defaults, each checked once as the lead rules would check it (an error names
    `defaults.<key>`): a row that leaves a field blank takes its default."""
    if given is None:
        return _Defaults(data={})
    if not isinstance(given, dict):
        raise InvalidParameter("defaults", Code.IMPORT_NOT_AN_OBJECT)
    result = _Defaults(data={})
    for key, value in given.items():
        if key not in DEFAULT_KEYS:
            raise InvalidParameter(
                f"defaults.{key}"[:100], Code.NOT_ONE_OF, choices=", ".join(DEFAULT_KEYS)
            )
        try:
            _default(actor, refs, result, key, value)
        except ApiError as error:
            if error.field is None or error.field.startswith("defaults."):
                raise
            raise InvalidParameter(f"defaults.{key}", error.code, **error.params) from None
        if value is not None:
            result.shown[key] = str(value)
    if result.pipeline_id is not None and "step" in result.data:
        pipeline = pipeline_lookup(actor, result.pipeline_id)
        step_lookup(actor, result.data["step"] or "", field="defaults.step", pipeline=pipeline)
    return result


def _ref(value: object, key: str) -> Ref:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidParameter(key, Code.BAD_FORMAT, reason="an id or a name")
    return value


def _default(actor: Actor, refs: LeadRefs, result: _Defaults, key: str, value: object) -> None:
    data = result.data
    if key == "user_id":
        data["user_id"] = None if value is None else user_lookup_by_name(actor, _ref(value, key)).pk
    elif key == "team_id":
        if value is not None:
            data["team_id"] = refs.team(_ref(value, key)).pk
    elif key == "pipeline_id":
        if value is not None:
            result.pipeline_id = pipeline_lookup(actor, _ref(value, key)).pk
    elif key == "step":
        if value is not None:
            data["step"] = _ref(value, key)
    elif key == "status":
        if value is not None:
            data["status"] = parse_status(text_of(_ref(value, key)))
    elif key == "tags":
        if isinstance(value, list):
            data["tags"] = [str(tag) for tag in value]
        elif value is not None:
            data["tags"] = parse_tags(text_of(_ref(value, key)))


# --- Rows -----------------------------------------------------------------------------------


class _RowReader:
    """Turns one row's cells into a lead write, collecting an error per cell it cannot
    read (every one of them, not only the first)."""

    def __init__(
        self,
        actor: Actor,
        mapping: dict[str, str],
        headers: list[str],
        defaults: _Defaults,
        order: DateOrder,
    ) -> None:
        self.actor = actor
        self.columns = [(headers.index(header), header, name) for header, name in mapping.items()]
        self.column_of = {name: header for header, name in mapping.items()}
        self.defaults = defaults
        self.order = order
        self.zone = actor.account.zone
        self._users: dict[str, int | ApiError] = {}
        self._steps: dict[tuple[int, str], int | ApiError] = {}

    def read(
        self, number: int, cells: list[Cell]
    ) -> tuple[LeadWrite, list[RowError], dict[str, Cell]]:
        data: LeadWrite = dict(self.defaults.data)  # type: ignore[assignment]
        errors: list[RowError] = []
        values: dict[str, Cell] = {}
        for index, _header, name in self.columns:
            cell = cells[index] if index < len(cells) else None
            if is_blank(cell):
                continue
            values[name] = cell
            try:
                self._set(data, name, cell)
            except ApiError as error:
                errors.append(self.error(number, error, name, cell))
        pipeline_id = self.defaults.pipeline_id
        if Field.PIPELINE.value in values and not errors:
            try:
                pipeline_id = pipeline_lookup(self.actor, text_of(values[Field.PIPELINE.value])).pk
            except ApiError as error:
                errors.append(self.error(number, error, Field.PIPELINE.value, None))
        if pipeline_id is not None and not errors:
            try:
                data["step"] = self._step_in(pipeline_id, data.get("step"))
            except ApiError as error:
                errors.append(self.error(number, error, Field.STEP.value, values.get("step")))
        return data, errors, values

    def _step_in(self, pipeline_id: int, ref: Ref | None) -> int:
        key = (pipeline_id, str(ref).strip().lower() if ref is not None else "")
        if key not in self._steps:
            try:
                pipeline = pipeline_lookup(self.actor, pipeline_id)
                if ref is None:
                    step = pipeline.steps.order_by("position", "id").first()
                    if step is None:
                        raise InvalidParameter("pipeline_id", Code.UNKNOWN_STEP)
                else:
                    step = step_lookup(self.actor, ref, pipeline=pipeline)
                self._steps[key] = step.pk
            except ApiError as error:
                self._steps[key] = error
        answer = self._steps[key]
        if isinstance(answer, ApiError):
            raise answer
        return answer

    def _owner(self, cell: Cell) -> int:
        text = text_of(cell)
        key = " ".join(text.lower().split())
        if key not in self._users:
            try:
                self._users[key] = user_lookup_by_name(self.actor, text).pk
            except ApiError as error:
                self._users[key] = error
        answer = self._users[key]
        if isinstance(answer, ApiError):
            raise answer
        return answer

    def _set(self, data: LeadWrite, name: str, cell: Cell) -> None:
        if name.startswith("fields."):
            fields = dict(data.get("fields") or {})
            fields[name.removeprefix("fields.")] = text_of(cell)
            data["fields"] = fields
            return
        match Field(name):
            case Field.TITLE:
                data["title"] = text_of(cell)
            case Field.DESCRIPTION:
                data["description"] = cell if isinstance(cell, str) else text_of(cell)
            case Field.OWNER:
                data["user_id"] = self._owner(cell)
            case Field.TEAM:
                data["team_id"] = text_of(cell)
            case Field.PIPELINE:
                pass  # resolved with the step, once the row is read
            case Field.STEP:
                data["step"] = text_of(cell)
            case Field.STATUS:
                data["status"] = parse_status(cell)
            case Field.AMOUNT:
                data["amount"] = parse_amount(cell)
            case Field.PROBABILITY:
                data["probability"] = parse_probability(cell)
            case Field.CURRENCY:
                data["currency"] = text_of(cell)
            case Field.TAGS:
                data["tags"] = [*(data.get("tags") or []), *parse_tags(cell)]
            case Field.STARRED:
                data["starred"] = parse_boolean(cell, name)
            case Field.REMIND_DATE:
                data["remind_date"] = parse_date(cell, self.order, name)
            case Field.REMIND_TIME:
                data["remind_time"] = parse_time(cell, name)
            case Field.ESTIMATED_CLOSING_DATE:
                data["estimated_closing_date"] = parse_date(cell, self.order, name)
            case Field.CREATED_AT:
                data["created_at"] = parse_datetime(cell, self.order, self.zone, name)
            case Field.CLOSED_AT:
                data["closed_at"] = parse_datetime(cell, self.order, self.zone, name)

    def error(self, number: int, error: ApiError, name: str | None, cell: Cell) -> RowError:
        """The error as the answer reports it: on the column the field came from, with the
        value read there (or the default's, for a field no column filled)."""
        about = error.field or CODE_FIELDS.get(error.code) or name
        column = self.column_of.get(about or "") if about else None
        value: str | None = None
        if cell is not None:
            value = text_of(cell)
        elif about and about in self.defaults.shown:
            value = self.defaults.shown[about]
        return RowError(
            row=number,
            column=column,
            value=None if value is None else value[:255],
            code=str(error.code),
            message=error.message,
            params=dict(error.params),
        )


# --- Round-robin ----------------------------------------------------------------------------


class _RoundRobin:
    """Hands the unassigned leads of round-robin teams to their active members in turn, as
    `lead_create` does one lead at a time, and remembers where each team stopped."""

    def __init__(self) -> None:
        self.members: dict[int, list[int]] = {}
        self.last: dict[int, int | None] = {}

    def next_owner(self, team: Team) -> int | None:
        if team.pk not in self.members:
            locked = Team.objects.select_for_update().get(pk=team.pk)
            self.members[team.pk] = list(
                Membership.objects.filter(team_id=team.pk, user__is_disabled=False)
                .order_by("created_at", "id")
                .values_list("user_id", flat=True)
            )
            self.last[team.pk] = locked.last_dispatched_to_id
        members = self.members[team.pk]
        if not members:
            return None
        last = self.last[team.pk]
        following = members.index(last) + 1 if last in members else 0
        chosen = members[following % len(members)]
        self.last[team.pk] = chosen
        return chosen

    def save(self) -> None:
        for team_id, last in self.last.items():
            Team.objects.filter(pk=team_id).update(last_dispatched_to_id=last)


# --- The import -----------------------------------------------------------------------------


@dataclass
class _Writer:
    """Writes valid rows in batches: the leads, their tags, field values, history and the
    bulk action's changes, each one INSERT per batch."""

    actor: Actor
    bulk: BulkAction
    file_name: str
    now: datetime
    pending: list[tuple[int, LeadDraft]] = field(default_factory=list)
    created: int = 0
    dispatch: _RoundRobin = field(default_factory=_RoundRobin)

    def add(self, number: int, draft: LeadDraft) -> None:
        self.pending.append((number, draft))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        for _, draft in rows:
            lead, team = draft.lead, draft.team
            if lead.owner_id is None and team is not None and team.round_robin:
                lead.owner_id = self.dispatch.next_owner(team)
        leads = Lead.objects.bulk_create([draft.lead for _, draft in rows])
        account_id = self.actor.account_id
        LeadTag.objects.bulk_create(
            LeadTag(account_id=account_id, lead=draft.lead, name=name)
            for _, draft in rows
            for name in draft.tags
        )
        lead_values_store_many([(draft.lead, draft.values) for _, draft in rows if draft.values])
        LeadHistory.objects.bulk_create(
            LeadHistory(
                account_id=account_id,
                lead=draft.lead,
                actor_id=self.actor.user_id,
                action=HistoryAction.CREATED,
                new_value=f"imported from {self.file_name}, row {number}"[:255],
                created_at=self.now,
                bulk_action=self.bulk,
            )
            for number, draft in rows
        )
        BulkChange.objects.bulk_create(
            BulkChange(
                account_id=account_id,
                bulk_action=self.bulk,
                lead=lead,
                old_owner_id=lead.owner_id,
                old_team_id=lead.team_id,
                old_status=lead.status,
                old_step_id=lead.step_id,
                old_starred=lead.starred,
                changed_at=lead.updated_at,
            )
            for lead in leads
        )
        record_leads_created(
            account_id=account_id,
            actor_id=self.actor.user_id,
            lead_ids=[lead.pk for lead in leads],
            bulk_action_id=self.bulk.pk,
        )
        self.created += len(leads)


def import_run(
    *,
    actor: Actor,
    file: BinaryIO,
    file_name: str,
    mapping: object | None = None,
    defaults: object | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    date_order: DateOrder | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Imports a spreadsheet of leads; see the module's docstring. A dry run writes nothing
    and reports what a real run would do (`created`: the rows it would create). With
    `all_or_nothing`, one failing row refuses the whole file (ImportRefused, 422)."""
    file_name = (file_name or "spreadsheet").replace("\n", " ").strip()[:255] or "spreadsheet"
    sheet = open_sheet(file)
    defs = lead_field_defs(actor)
    columns = _mapping(actor, sheet, mapping, defs)
    refs = LeadRefs(actor)
    account = actor.account
    order = date_order or date_order_for(account.time_zone)
    with transaction.atomic():
        base = _defaults(actor, refs, defaults)
        reader = _RowReader(actor, columns, sheet.headers, base, order)
        now = timezone.now()
        writer: _Writer | None = None
        if not dry_run:
            bulk = BulkAction.objects.create(
                account_id=actor.account_id,
                actor_id=actor.user_id,
                action=BulkActionType.IMPORT,
                params={"file": file_name},
                created_at=now,
            )
            writer = _Writer(actor=actor, bulk=bulk, file_name=file_name, now=now)
        result = _import_rows(sheet.rows, reader, refs, defs, writer, now, all_or_nothing, progress)
        result.file_name, result.dry_run = file_name, dry_run
        result.mapping = columns
        if result.rows == 0:
            raise InvalidParameter("file", Code.IMPORT_NO_ROWS)
        if all_or_nothing and result.errors:
            result.created = 0
            raise ImportRefused(result)
        if writer is not None:
            _record(actor, writer, result)
    return result


def _import_rows(
    rows: Iterator[tuple[int, list[Cell]]],
    reader: _RowReader,
    refs: LeadRefs,
    defs: list[FieldDef],
    writer: _Writer | None,
    now: datetime,
    all_or_nothing: bool,
    progress: Progress | None,
) -> ImportResult:
    result = ImportResult(
        id=None,
        dry_run=writer is None,
        file_name="",
        rows=0,
        created=0,
        skipped=0,
        errors=[],
        bulk_action_id=None,
        mapping={},
    )
    valid = 0
    for number, cells in rows:
        result.rows += 1
        data, errors, values = reader.read(number, cells)
        if not errors:
            try:
                draft = lead_build(
                    actor=reader.actor,
                    data=data,
                    created_from="import",
                    refs=refs,
                    field_defs=defs,
                    now=now,
                )
            except (InvalidParameter, MissingParameter, ApiError) as error:
                name = error.field or CODE_FIELDS.get(error.code)
                errors.append(reader.error(number, error, None, values.get(name or "")))
            else:
                valid += 1
                # Once a row failed, an all-or-nothing import writes no more: it will be undone.
                if writer is not None and not (all_or_nothing and result.errors):
                    writer.add(number, draft)
        if errors:
            result.skipped += 1
            result.errors.extend(errors)
        if progress is not None and result.rows % PROGRESS_EVERY == 0:
            progress(result.rows)
    if writer is not None:
        writer.flush()
    result.created = valid
    if progress is not None:
        progress(result.rows)
    return result


def _record(actor: Actor, writer: _Writer, result: ImportResult) -> None:
    """The import as one bulk action, one entry of the sensitive-actions log, one record."""
    writer.dispatch.save()
    bulk = writer.bulk
    skipped: dict[str, int] = {}
    for error in result.errors:
        skipped[error.code] = skipped.get(error.code, 0) + 1
    bulk.matched, bulk.changed, bulk.skipped = result.rows, writer.created, skipped
    bulk.params = {"file": result.file_name, "rows": result.rows, "refused": result.skipped}
    bulk.save(update_fields=["matched", "changed", "skipped", "params"])
    record = Import.objects.create(
        account_id=actor.account_id,
        actor_id=actor.user_id,
        file_name=result.file_name,
        rows=result.rows,
        created=writer.created,
        skipped=result.skipped,
        errors=[error.out() for error in result.errors[:MAX_STORED_ERRORS]],
        bulk_action=bulk,
        created_at=writer.now,
    )
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.IMPORT,
        count=writer.created,
        details={"bulk_action_id": bulk.pk, "import_id": record.pk, "file": result.file_name},
    )
    result.id, result.bulk_action_id, result.created = record.pk, bulk.pk, writer.created


def import_get(*, actor: Actor, import_id: int) -> Import:
    """An import its author or an admin may see (as its bulk action); 404 for anyone else."""
    from leadcrew.bulk.services import bulk_action_list
    from leadcrew.core.errors import NotFound

    record = (
        Import.objects.filter(account_id=actor.account_id, pk=import_id)
        .filter(bulk_action__in=bulk_action_list(actor))
        .first()
    )
    if record is None:
        raise NotFound("Import")
    return record
