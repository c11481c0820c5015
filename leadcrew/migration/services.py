"""Migrating a whole account from noCRM.io (or any server speaking its v2 API) into a leadcrew
account: settings, users, teams and memberships, pipelines and steps, leads and comments.

Every write goes through the services of the app that owns the row (user_import, team_create,
pipeline_create, activity_type_create, lead_import, comment_create, ...), acting as the
account's API keys do, so the rules, the history and the sensitive-actions log are those of
any change. Each record's write and its line in the source table (SourceRecord) commit
together, one lead (with its comments) per transaction: a run stopped at any point is resumed
by running it again, and a run over an unchanged source writes nothing.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadcrew.access.actor import Actor, actor_for_api_key
from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Locale,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
)
from leadcrew.accounts.services import (
    ImportedUser,
    SettingsChange,
    account_settings_update,
    user_import,
)
from leadcrew.activities.models import ActivityKind, ActivityType
from leadcrew.activities.services import ActivityTypeChange, activity_type_create
from leadcrew.contacts.client_folder_services import client_folder_create, client_folder_update
from leadcrew.contacts.models import (
    Category,
    ClientFolder,
    Field,
    FieldType,
    ParentType,
    PredefinedTag,
)
from leadcrew.contacts.services import field_create
from leadcrew.contacts.vocabulary import category_create, predefined_tag_create
from leadcrew.core.errors import ApiError
from leadcrew.leads.models import Pipeline, Status, Step
from leadcrew.leads.pipeline_services import (
    pipeline_create,
    pipeline_update,
    step_create,
    step_update,
)
from leadcrew.leads.services import (
    CommentWrite,
    ImportedLead,
    comment_create,
    comment_update,
    lead_delete,
    lead_import,
)
from leadcrew.migration.client import Record, SourceApi, SourceError
from leadcrew.migration.models import SourceKind, SourceRecord
from leadcrew.teams.models import Membership, Team
from leadcrew.teams.services import (
    team_create,
    team_member_add,
    team_member_remove,
    team_settings_update,
    team_update,
)


class MigrationError(Exception):
    """The migration cannot start or go on (no such account, no admin to act as, ...)."""


class Skip(StrEnum):
    """Why a source record was not written (besides the domain's own error codes)."""

    EXISTING_USER = "existing_user"
    USER_NOT_IMPORTED = "user_not_imported"
    OWNER_NOT_IMPORTED = "owner_not_imported"
    TEAM_NOT_IMPORTED = "team_not_imported"
    STEP_NOT_IMPORTED = "step_not_imported"
    PIPELINE_NOT_IMPORTED = "pipeline_not_imported"
    FOLDER_NOT_IMPORTED = "folder_not_imported"
    DELETED_LOCALLY = "deleted_locally"
    NO_TEXT = "no_text"
    BAD_VALUE = "bad_value"
    NOT_SHOWN = "not_shown"


SKIP_MESSAGES: dict[Skip, str] = {
    Skip.EXISTING_USER: "a user of this account already has this e-mail: kept as is, and used",
    Skip.USER_NOT_IMPORTED: "its user was not imported",
    Skip.OWNER_NOT_IMPORTED: "its owner was not imported",
    Skip.TEAM_NOT_IMPORTED: "its team was not imported",
    Skip.STEP_NOT_IMPORTED: "its step was not imported",
    Skip.PIPELINE_NOT_IMPORTED: "its pipeline was not imported",
    Skip.FOLDER_NOT_IMPORTED: "its client folder was not imported",
    Skip.DELETED_LOCALLY: "deleted in leadcrew since it was imported",
    Skip.NO_TEXT: "a system entry without text (an e-mail, a call)",
    Skip.BAD_VALUE: "a value leadcrew cannot read",
    Skip.NOT_SHOWN: "the source's API does not show it",
}


class _Skipped(Exception):
    def __init__(self, reason: Skip, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# --- The report ---------------------------------------------------------------------------------


@dataclass
class Skipped:
    kind: str
    source_id: str
    reason: str
    message: str


@dataclass
class Report:
    """What a run did, kind by kind; `skipped` says why for each record left out."""

    source: str
    dry_run: bool
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    # Records imported by an earlier run and gone from the source since (their local row sent
    # to the bin).
    binned: Counter[str] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0

    def skip(self, kind: str, source_id: object, reason: str, message: str) -> None:
        self.skipped.append(Skipped(kind, str(source_id), reason, message))

    def as_dict(self) -> dict[str, Any]:
        kinds = [kind.value for kind in SourceKind]
        skipped_by_kind = Counter(entry.kind for entry in self.skipped)
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "requests": self.requests,
            "kinds": {
                kind: {
                    "created": self.created[kind],
                    "updated": self.updated[kind],
                    "unchanged": self.unchanged[kind],
                    "binned": self.binned[kind],
                    "skipped": skipped_by_kind[kind],
                }
                for kind in kinds
            },
            "skipped": [entry.__dict__ for entry in self.skipped],
            "warnings": self.warnings,
        }


Progress = Callable[[str], None]
ACTOR_LABEL = "import-nocrm"
# The fingerprint of a source user found already here by e-mail: never updated from the source.
MATCHED = "matched"


def _quiet(message: str) -> None:
    return None


# --- Source values ------------------------------------------------------------------------------


def fingerprint(record: object) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _id(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, dict):
        return _id(value.get("id"))
    return str(value) if str(value).strip() else None


def _instant(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace(" ", "T"))
    except ValueError:
        raise _Skipped(Skip.BAD_VALUE, f"{value!r} is not a date-time") from None
    return moment if timezone.is_aware(moment) else None


def _day(value: object) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _Skipped(Skip.BAD_VALUE, f"{value!r} is not a date") from None


def _clock(value: object) -> time | None:
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise _Skipped(Skip.BAD_VALUE, f"{value!r} is not a time of day") from None


def _decimal(value: object) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _Skipped(Skip.BAD_VALUE, f"{value!r} is not an amount") from None


def _locale(value: object) -> str:
    text = str(value or "").lower()
    return Locale.FR if text.startswith("fr") else Locale.EN


def _comment_text(comment: Record) -> str:
    content = comment.get("content")
    if isinstance(content, str) and content.strip():
        return content
    raw = comment.get("raw_content")
    return raw if isinstance(raw, str) else ""


# --- The run ------------------------------------------------------------------------------------


@dataclass
class _Run:
    api: SourceApi
    account: Account
    actor: Actor
    report: Report
    progress: Progress
    invite: bool
    recheck_comments: bool
    records: dict[tuple[str, str], SourceRecord] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    pipelines: dict[str, int] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    activities: dict[str, int] = field(default_factory=dict)
    folders: dict[str, int] | None = None  # None: the source shows no client folders

    # --- the source table

    def known(self, kind: SourceKind, source_id: str) -> SourceRecord | None:
        return self.records.get((kind, source_id))

    def remember(self, kind: SourceKind, source_id: str, local_id: int, print_: str) -> None:
        """Writes the record's line, in the caller's transaction: the row and its line commit
        together or not at all."""
        record = self.known(kind, source_id)
        if record is None:
            record = SourceRecord(
                account=self.account, source=self.report.source, kind=kind, source_id=source_id
            )
        record.local_id, record.fingerprint = local_id, print_
        record.save()
        self.records[(kind, source_id)] = record

    def count(self, kind: SourceKind, changed: bool, *, created: bool) -> None:
        if created:
            self.report.created[kind] += 1
        elif changed:
            self.report.updated[kind] += 1
        else:
            self.report.unchanged[kind] += 1

    def skip(self, kind: SourceKind, source_id: object, error: Exception) -> None:
        if isinstance(error, _Skipped):
            message = SKIP_MESSAGES[error.reason] + (f": {error.detail}" if error.detail else "")
            self.report.skip(kind, source_id, error.reason, message)
        elif isinstance(error, ApiError):
            field_name = f" ({error.field})" if error.field else ""
            self.report.skip(kind, source_id, error.code, error.message + field_name)
        else:
            raise error

    def refresh_actor(self) -> None:
        """The actor carries the account's settings: read them again after changing them."""
        self.account.refresh_from_db()
        self.actor = _actor(self.account)


def migrate_account(
    *,
    account_id: int,
    api: SourceApi,
    invite: bool = False,
    dry_run: bool = False,
    recheck_comments: bool = False,
    progress: Progress = _quiet,
) -> Report:
    """Reads the whole source account and recreates it in the account `account_id`. Users are
    created without a password, disabled unless `invite` (then enabled, waiting for an admin
    to set their password). A lead's comments are read when the lead is new or changed, or for
    every lead with `recheck_comments` (a comment added to a lead that is otherwise unchanged
    does not change the lead in every source). A dry run does everything in one transaction
    and rolls it back: its report is what a real run would do, refusals included."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise MigrationError(f"there is no account {account_id}")
    report = Report(source=api.base, dry_run=dry_run)
    run = _Run(
        api=api,
        account=account,
        actor=_actor(account),
        report=report,
        progress=progress,
        invite=invite,
        recheck_comments=recheck_comments,
    )
    lines = SourceRecord.objects.filter(account=account, source=api.base)
    run.records = {(line.kind, line.source_id): line for line in lines}
    try:
        if dry_run:
            with transaction.atomic():
                _migrate(run)
                transaction.set_rollback(True)
        else:
            _migrate(run)
    finally:
        report.requests = api.requests
    return report


def _actor(account: Account) -> Actor:
    """The migration acts as the account's API keys do: with admin rights, as nobody in
    particular (history rows without an author, the sensitive-actions log saying
    `API key import-nocrm`), and naming the author of each comment it copies."""
    return actor_for_api_key(account, prefix=ACTOR_LABEL)


def _migrate(run: _Run) -> None:
    teams = _read_teams(run)
    _migrate_settings(run, has_teams=bool(teams))
    users = _read_all(run, "/users", "Users")
    _migrate_users(run, users)
    if teams:
        _migrate_teams(run, teams, users)
    _migrate_pipelines(run)
    _migrate_activities(run)
    _migrate_fields(run)
    _migrate_client_folders(run)
    _migrate_vocabulary(run)
    _migrate_leads(run)


def _read_all(run: _Run, path: str, label: str) -> list[Record]:
    records: list[Record] = []
    for page in run.api.pages(path):
        records.extend(page)
        run.progress(f"{label}: {len(records)} read")
    return records


# --- Settings -----------------------------------------------------------------------------------

# The settings leadcrew shares with the source when the source shows them (leadcrew does, at
# GET /account/settings; noCRM's API does not), with the values leadcrew knows.
SETTING_CHOICES: dict[str, list[str] | None] = {
    "edition": list(Edition.values),
    "privacy": list(Privacy.values),
    "assignment": list(Assignment.values),
    "team_privacy": list(TeamPrivacy.values),
    "team_assignment": list(TeamAssignment.values),
}
# Every setting but the account's name: time zone, currency, and the admin-only toggles.
SETTINGS = tuple(
    setting.name for setting in dataclass_fields(SettingsChange) if setting.name != "name"
)


def _read_teams(run: _Run) -> list[Record]:
    """The teams, or none when the source has no teams (403 where the edition lacks them)."""
    answer = run.api.get("/teams")
    if answer.status in (402, 403, 404):
        run.report.skip(SourceKind.TEAM, "*", Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
        return []
    if answer.status != 200 or not isinstance(answer.data, list):
        raise SourceError(f"GET /teams: HTTP {answer.status}", status=answer.status)
    if answer.total is not None and answer.total > len(answer.data):
        return _read_all(run, "/teams", "Teams")
    return [team for team in answer.data if isinstance(team, dict)]


def _migrate_settings(run: _Run, *, has_teams: bool) -> None:
    kind, source_id = SourceKind.SETTINGS, "account"
    answer = run.api.get("/account/settings")
    shown: dict[str, object] = {}
    if answer.status == 200 and isinstance(answer.data, dict):
        for name in SETTINGS:
            value, choices = answer.data.get(name), SETTING_CHOICES.get(name)
            if value is not None and (choices is None or value in choices):
                shown[name] = value
    else:
        run.report.skip(kind, source_id, Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
    if has_teams:
        # The source has teams: they need the teams layer, which needs the dream_team edition.
        shown.update(edition=Edition.DREAM_TEAM, teams_enabled=True)
    if not shown:
        return
    print_ = fingerprint(shown)
    record = run.known(kind, source_id)
    if record is not None and record.fingerprint == print_:
        run.count(kind, False, created=False)
        return
    before = {name: getattr(run.account, name) for name in shown}
    try:
        with transaction.atomic():
            account_settings_update(actor=run.actor, change=SettingsChange(**shown))  # type: ignore[arg-type]
            run.remember(kind, source_id, run.account.pk, print_)
    except ApiError as error:
        run.skip(kind, source_id, error)
        return
    run.refresh_actor()
    changed = before != {name: getattr(run.account, name) for name in shown}
    run.count(kind, changed, created=False)
    run.progress("Account settings: read")


# --- Users --------------------------------------------------------------------------------------


def _migrate_users(run: _Run, users: list[Record]) -> None:
    kind = SourceKind.USER
    for user in users:
        source_id = _id(user.get("id"))
        if source_id is None:
            continue
        try:
            _migrate_user(run, source_id, user)
        except (ApiError, _Skipped) as error:
            run.skip(kind, source_id, error)
    run.progress(f"Users: {len(run.users)} of {len(users)} imported or matched")


def _migrate_user(run: _Run, source_id: str, user: Record) -> None:
    kind = SourceKind.USER
    print_ = fingerprint(user)
    record = run.known(kind, source_id)
    if record is not None and User.objects.filter(account=run.account, pk=record.local_id).exists():
        run.users[source_id] = record.local_id
        if record.fingerprint == print_ or record.fingerprint == MATCHED:
            run.count(kind, False, created=False)
            return
        with transaction.atomic():
            _, changed = user_import(
                actor=run.actor, data=_imported_user(run, user), user_id=record.local_id
            )
            run.remember(kind, source_id, record.local_id, print_)
        run.count(kind, changed, created=False)
        return
    email = str(user.get("email") or "").strip()
    existing = User.objects.filter(account=run.account, email__iexact=email).first()
    with transaction.atomic():
        if existing is not None:
            # Someone already here (the admin running the migration, most often): theirs wins.
            run.remember(kind, source_id, existing.pk, MATCHED)
            run.users[source_id] = existing.pk
            run.report.skip(kind, source_id, Skip.EXISTING_USER, SKIP_MESSAGES[Skip.EXISTING_USER])
            return
        local, _ = user_import(actor=run.actor, data=_imported_user(run, user))
        run.remember(kind, source_id, local.pk, print_)
    run.users[source_id] = local.pk
    run.count(kind, True, created=True)


def _imported_user(run: _Run, user: Record) -> ImportedUser:
    disabled_there = bool(user.get("is_disabled"))
    return ImportedUser(
        email=str(user.get("email") or ""),
        first_name=str(user.get("firstname") or "")[:100],
        last_name=str(user.get("lastname") or "")[:100],
        is_admin=bool(user.get("is_admin")),
        locale=_locale(user.get("locale")),
        is_disabled=disabled_there or not run.invite,
        created_at=_instant(user.get("created_at")),
        phone=str(user.get("phone") or ""),
        mobile_phone=str(user.get("mobile_phone") or ""),
        job_title=str(user.get("job_title") or ""),
        time_zone=str(user.get("time_zone") or ""),
    )


# --- Teams and memberships ----------------------------------------------------------------------


def _migrate_teams(run: _Run, teams: list[Record], users: list[Record]) -> None:
    kind = SourceKind.TEAM
    for team in teams:
        source_id = _id(team.get("id"))
        if source_id is None:
            continue
        try:
            _migrate_team(run, source_id, team)
        except (ApiError, _Skipped) as error:
            run.skip(kind, source_id, error)
    members = _members_by_team(teams, users)
    for team_source_id, team_members in members.items():
        if team_source_id in run.teams:
            _migrate_members(run, team_source_id, team_members)
    run.progress(f"Teams: {len(run.teams)} of {len(teams)} imported, with their members")


def _migrate_team(run: _Run, source_id: str, team: Record) -> None:
    kind = SourceKind.TEAM
    name = str(team.get("name") or "").strip()
    summary = {"name": name, "round_robin": team.get("round_robin")}
    print_ = fingerprint(summary)
    record = run.known(kind, source_id)
    local = Team.objects.filter(account=run.account, pk=record.local_id).first() if record else None
    if record is not None and local is not None and record.fingerprint == print_:
        run.teams[source_id] = local.pk
        run.count(kind, False, created=False)
        return
    with transaction.atomic():
        created = False
        if local is None:
            local = Team.objects.filter(account=run.account, name__iexact=name).first()
        if local is None:
            local = team_create(actor=run.actor, name=name)
            created = True
        changed = created
        if local.name != name:
            local = team_update(actor=run.actor, team_id=local.pk, name=name)
            changed = True
        round_robin = team.get("round_robin")
        if isinstance(round_robin, bool) and local.round_robin != round_robin:
            team_settings_update(actor=run.actor, team_id=local.pk, round_robin=round_robin)
            changed = True
        run.remember(kind, source_id, local.pk, print_)
    run.teams[source_id] = local.pk
    run.count(kind, changed, created=created)


def _members_by_team(teams: list[Record], users: list[Record]) -> dict[str, dict[str, bool]]:
    """{team source id: {user source id: is_manager}}: from each team's `users`, or, for a
    team that does not list them, from each user's `teams`."""
    members: dict[str, dict[str, bool]] = {}
    for team in teams:
        team_id = _id(team.get("id"))
        if team_id is not None and isinstance(team.get("users"), list):
            listed = members.setdefault(team_id, {})
            for member in team["users"]:
                user_id = _id(member)
                if user_id is not None and isinstance(member, dict):
                    listed[user_id] = bool(member.get("is_manager"))
    unlisted = {_id(team.get("id")) for team in teams} - set(members)
    for user in users:
        user_id = _id(user.get("id"))
        for team in user.get("teams") or []:
            team_id = _id(team)
            if user_id is not None and team_id is not None and team_id in unlisted:
                is_manager = bool(team.get("is_manager")) if isinstance(team, dict) else False
                members.setdefault(team_id, {})[user_id] = is_manager
    return members


def _migrate_members(run: _Run, team_source_id: str, members: dict[str, bool]) -> None:
    kind = SourceKind.MEMBERSHIP
    team_id = run.teams[team_source_id]
    for user_source_id, is_manager in members.items():
        source_id = f"{team_source_id}:{user_source_id}"
        user_id = run.users.get(user_source_id)
        if user_id is None:
            run.skip(kind, source_id, _Skipped(Skip.USER_NOT_IMPORTED))
            continue
        print_ = fingerprint({"is_manager": is_manager})
        membership = Membership.objects.filter(team_id=team_id, user_id=user_id).first()
        record = run.known(kind, source_id)
        if record is not None and record.fingerprint == print_ and membership is not None:
            run.count(kind, False, created=False)
            continue
        try:
            with transaction.atomic():
                team_member_add(
                    actor=run.actor, team_id=team_id, user_ref=user_id, is_manager=is_manager
                )
                run.remember(kind, source_id, user_id, print_)
        except ApiError as error:
            run.skip(kind, source_id, error)
            continue
        changed = membership is None or membership.is_manager != is_manager
        run.count(kind, changed, created=membership is None)
    # Memberships an earlier run made that the source no longer has.
    prefix = f"{team_source_id}:"
    gone = [
        record
        for (kind_, source_id), record in run.records.items()
        if kind_ == kind
        and source_id.startswith(prefix)
        and source_id[len(prefix) :] not in members
    ]
    for record in gone:
        with transaction.atomic():
            if Membership.objects.filter(team_id=team_id, user_id=record.local_id).exists():
                team_member_remove(actor=run.actor, team_id=team_id, user_ref=record.local_id)
                run.report.updated[kind] += 1
            record.delete()
            del run.records[(kind, record.source_id)]


# --- Pipelines and steps ------------------------------------------------------------------------


def _migrate_pipelines(run: _Run) -> None:
    pipelines = _read_all(run, "/pipelines", "Pipelines")
    steps = _read_all(run, "/steps", "Steps")
    by_pipeline: dict[str, list[Record]] = {}
    for step in steps:
        pipeline_id = _id(step.get("pipeline_id")) or _id(step.get("pipeline"))
        if pipeline_id is not None:
            by_pipeline.setdefault(pipeline_id, []).append(step)
    for pipeline_steps in by_pipeline.values():
        pipeline_steps.sort(key=lambda step: (int(step.get("position") or 0), str(step.get("id"))))
    # The default pipeline first: making it the default needs it to have its steps.
    ordered = sorted(pipelines, key=lambda pipeline: not pipeline.get("is_default"))
    for pipeline in ordered:
        source_id = _id(pipeline.get("id"))
        if source_id is None:
            continue
        try:
            _migrate_pipeline(run, source_id, pipeline, by_pipeline.get(source_id, []))
        except (ApiError, _Skipped) as error:
            run.skip(SourceKind.PIPELINE, source_id, error)
    for pipeline_id, pipeline_steps in by_pipeline.items():
        for step in pipeline_steps:
            source_id = _id(step.get("id"))
            if source_id is None:
                continue
            try:
                _migrate_step(run, source_id, step, pipeline_id)
            except (ApiError, _Skipped) as error:
                run.skip(SourceKind.STEP, source_id, error)
    run.progress(f"Pipelines: {len(run.pipelines)}, steps: {len(run.steps)} imported or matched")


def _migrate_pipeline(run: _Run, source_id: str, pipeline: Record, steps: list[Record]) -> None:
    kind = SourceKind.PIPELINE
    name = str(pipeline.get("name") or "").strip()
    is_default = bool(pipeline.get("is_default"))
    print_ = fingerprint({"name": name, "is_default": is_default})
    record = run.known(kind, source_id)
    pipelines = Pipeline.objects.filter(account=run.account)
    local = pipelines.filter(pk=record.local_id).first() if record else None
    if record is not None and local is not None and record.fingerprint == print_:
        run.pipelines[source_id] = local.pk
        run.count(kind, False, created=False)
        return
    with transaction.atomic():
        created = False
        if local is None:
            local = pipelines.filter(name__iexact=name).first()
        if local is None:
            step_names = [str(step.get("name") or "").strip() for step in steps]
            local = pipeline_create(
                actor=run.actor, name=name, is_default=is_default, step_names=step_names
            )
            created = True
        changed = created
        if local.name != name or (is_default and not local.is_default):
            local = pipeline_update(
                actor=run.actor,
                pipeline_id=local.pk,
                name=name,
                is_default=True if is_default else None,
            )
            changed = True
        run.remember(kind, source_id, local.pk, print_)
    run.pipelines[source_id] = local.pk
    run.count(kind, changed, created=created)


def _migrate_step(run: _Run, source_id: str, step: Record, pipeline_source_id: str) -> None:
    kind = SourceKind.STEP
    pipeline_id = run.pipelines.get(pipeline_source_id)
    if pipeline_id is None:
        raise _Skipped(Skip.PIPELINE_NOT_IMPORTED)
    name = str(step.get("name") or "").strip()
    print_ = fingerprint({"name": name, "pipeline": pipeline_source_id})
    record = run.known(kind, source_id)
    steps = Step.objects.filter(account=run.account)
    local = steps.filter(pk=record.local_id).first() if record else None
    if record is not None and local is not None and record.fingerprint == print_:
        run.steps[source_id] = local.pk
        run.count(kind, False, created=False)
        return
    with transaction.atomic():
        created = False
        if local is None:
            local = steps.filter(pipeline_id=pipeline_id, name__iexact=name).first()
        if local is None:
            local = step_create(actor=run.actor, pipeline_id=pipeline_id, name=name)
            created = True
        changed = created
        if local.name != name or local.pipeline_id != pipeline_id:
            local = step_update(
                actor=run.actor, step_id=local.pk, name=name, pipeline_id=pipeline_id
            )
            changed = True
        run.remember(kind, source_id, local.pk, print_)
    run.steps[source_id] = local.pk
    run.count(kind, changed, created=created)


# --- Activity types -----------------------------------------------------------------------------


def _migrate_activities(run: _Run) -> None:
    """The types of activity the comments are logged with (calls, meetings...), by name."""
    kind = SourceKind.ACTIVITY
    answer = run.api.get("/activities")
    if answer.status != 200 or not isinstance(answer.data, list):
        run.report.skip(kind, "*", Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
        return
    for activity in answer.data:
        source_id = _id(activity.get("id")) if isinstance(activity, dict) else None
        if source_id is None:
            continue
        try:
            _migrate_activity(run, source_id, activity)
        except ApiError as error:
            run.skip(kind, source_id, error)


def _migrate_activity(run: _Run, source_id: str, activity: Record) -> None:
    kind = SourceKind.ACTIVITY
    name = str(activity.get("name") or "").strip()
    print_ = fingerprint({"name": name})
    record = run.known(kind, source_id)
    types = ActivityType.objects.filter(account=run.account)
    local = types.filter(pk=record.local_id).first() if record else None
    if record is not None and local is not None:
        run.activities[source_id] = local.pk
        run.count(kind, False, created=False)
        return
    with transaction.atomic():
        local = types.filter(name__iexact=name).first()
        created = local is None
        if local is None:
            source_kind = str(activity.get("kind") or "")
            local = activity_type_create(
                actor=run.actor,
                change=ActivityTypeChange(
                    name=name,
                    kind=source_kind if source_kind in ActivityKind.values else ActivityKind.OTHER,
                    is_disabled=bool(activity.get("is_disabled")),
                ),
            )
        run.remember(kind, source_id, local.pk, print_)
    run.activities[source_id] = local.pk
    run.count(kind, created, created=created)


# --- Fields -------------------------------------------------------------------------------------


def _migrate_fields(run: _Run) -> None:
    """The account's fields (first name, e-mail, custom ones...), by name: a lead's values are
    the `Label: value` lines of its description, which need their fields to be read."""
    kind = SourceKind.FIELD
    answer = run.api.get("/fields")
    if answer.status != 200 or not isinstance(answer.data, list):
        run.report.skip(kind, "*", Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
        return
    for source in answer.data:
        source_id = _id(source.get("id")) if isinstance(source, dict) else None
        if source_id is None:
            continue
        try:
            _migrate_field(run, source_id, source)
        except ApiError as error:
            run.skip(kind, source_id, error)


def _migrate_field(run: _Run, source_id: str, source: Record) -> None:
    kind = SourceKind.FIELD
    name = str(source.get("name") or "").strip()
    parent = str(source.get("parent_type") or ParentType.LEAD)
    if parent not in ParentType.values:
        parent = ParentType.LEAD
    fields = Field.objects.filter(account=run.account, parent_type=parent)
    record = run.known(kind, source_id)
    if record is not None and fields.filter(pk=record.local_id).exists():
        run.count(kind, False, created=False)
        return
    with transaction.atomic():
        local = fields.filter(name__iexact=name).first()
        created = local is None
        if local is None:
            field_type = str(source.get("type") or "")
            choices = source.get("choices")
            local = field_create(
                actor=run.actor,
                name=name,
                type=field_type if field_type in FieldType.values else FieldType.TEXT,
                parent_type=parent,
                is_key=bool(source.get("is_key")),
                choices=[str(choice) for choice in choices] if isinstance(choices, list) else None,
            )
        run.remember(kind, source_id, local.pk, fingerprint({"name": name}))
    run.count(kind, created, created=created)


# --- Client folders -----------------------------------------------------------------------------


def _migrate_client_folders(run: _Run) -> None:
    """The companies the leads belong to. Names are not unique: a folder is created, never
    matched, and found again by its source id."""
    kind = SourceKind.CLIENT_FOLDER
    if run.api.get("/clients", {"limit": 1}).status != 200:
        run.report.skip(kind, "*", Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
        return
    folders: dict[str, int] = {}
    run.folders = folders
    for page in run.api.pages("/clients", {"order": "id", "direction": "asc"}):
        for folder in page:
            source_id = _id(folder.get("id"))
            if source_id is None:
                continue
            try:
                _migrate_client_folder(run, source_id, folder, folders)
            except ApiError as error:
                run.skip(kind, source_id, error)
    run.progress(f"Client folders: {len(run.folders)} imported")


def _migrate_client_folder(
    run: _Run, source_id: str, folder: Record, mapping: dict[str, int]
) -> None:
    kind = SourceKind.CLIENT_FOLDER
    name = str(folder.get("name") or "")
    description = str(folder.get("description") or "")
    is_active = folder.get("is_active") is not False
    print_ = fingerprint({"name": name, "description": description, "is_active": is_active})
    record = run.known(kind, source_id)
    folders = ClientFolder.objects.filter(account=run.account)
    local = folders.filter(pk=record.local_id).first() if record else None
    if record is not None and local is not None and record.fingerprint == print_:
        mapping[source_id] = local.pk
        run.count(kind, False, created=False)
        return
    with transaction.atomic():
        created = local is None
        if local is None:
            local = client_folder_create(actor=run.actor, name=name, description=description)
        local = client_folder_update(
            actor=run.actor,
            folder_id=local.pk,
            name=name,
            description=description,
            is_active=is_active,
        )
        run.remember(kind, source_id, local.pk, print_)
    mapping[source_id] = local.pk
    run.count(kind, True, created=created)


# --- Tag vocabulary -----------------------------------------------------------------------------


def _migrate_vocabulary(run: _Run) -> None:
    """The tag categories and predefined tags, matched by name or created. A lead's tags are
    its own strings and arrive with it either way."""
    categories: dict[str, int] = {}
    answer = run.api.get("/categories")
    if answer.status == 200 and isinstance(answer.data, list):
        for source in answer.data:
            source_id = _id(source.get("id")) if isinstance(source, dict) else None
            if source_id is None:
                continue
            try:
                _migrate_named(run, SourceKind.CATEGORY, source_id, source, categories)
            except ApiError as error:
                run.skip(SourceKind.CATEGORY, source_id, error)
    else:
        run.report.skip(SourceKind.CATEGORY, "*", Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
    answer = run.api.get("/predefined_tags")
    if answer.status != 200 or not isinstance(answer.data, list):
        kind = SourceKind.PREDEFINED_TAG
        run.report.skip(kind, "*", Skip.NOT_SHOWN, SKIP_MESSAGES[Skip.NOT_SHOWN])
        return
    for source in answer.data:
        source_id = _id(source.get("id")) if isinstance(source, dict) else None
        if source_id is None:
            continue
        try:
            _migrate_named(run, SourceKind.PREDEFINED_TAG, source_id, source, categories)
        except ApiError as error:
            run.skip(SourceKind.PREDEFINED_TAG, source_id, error)


def _migrate_named(
    run: _Run, kind: SourceKind, source_id: str, source: Record, categories: dict[str, int]
) -> None:
    """A category or a predefined tag: found by name, else created (with its category)."""
    model: type[Category] | type[PredefinedTag] = (
        Category if kind == SourceKind.CATEGORY else PredefinedTag
    )
    name = str(source.get("name") or "").strip()
    rows = model.objects.filter(account=run.account)
    record = run.known(kind, source_id)
    local_id = record.local_id if record else None
    if local_id is None or not rows.filter(pk=local_id).exists():
        with transaction.atomic():
            found = rows.filter(name__iexact=name).first()
            created = found is None
            if found is not None:
                local_id = found.pk
            elif kind == SourceKind.CATEGORY:
                is_required = bool(source.get("is_required"))
                local_id = category_create(actor=run.actor, name=name, is_required=is_required).pk
            else:
                category = categories.get(_id(source.get("category_id")) or "")
                local_id = predefined_tag_create(actor=run.actor, name=name, category=category).pk
            run.remember(kind, source_id, local_id, fingerprint({"name": name}))
        run.count(kind, created, created=created)
    else:
        run.count(kind, False, created=False)
    if kind == SourceKind.CATEGORY:
        categories[source_id] = local_id


# --- Leads and comments -------------------------------------------------------------------------


def _lead_pages(run: _Run) -> Iterator[list[Record]]:
    """Every lead once: the list (oldest first, so that leads created meanwhile come last and
    no page shifts), then the unassigned pool, which the reference's list may leave out."""
    yield from run.api.pages("/leads", {"order": "id", "direction": "asc"})
    yield from run.api.pages("/leads/unassigned")


def _migrate_leads(run: _Run) -> None:
    seen: set[str] = set()
    read = 0
    for page in _lead_pages(run):
        for lead in page:
            source_id = _id(lead.get("id"))
            if source_id is None or source_id in seen:
                continue
            seen.add(source_id)
            read += 1
            try:
                _migrate_lead(run, source_id, lead)
            except (ApiError, _Skipped) as error:
                run.skip(SourceKind.LEAD, source_id, error)
        report = run.report
        run.progress(
            f"Leads: {read} read, {report.created[SourceKind.LEAD]} created, "
            f"{report.updated[SourceKind.LEAD]} updated"
        )
    _bin_leads_gone_from_source(run, seen)


def _bin_leads_gone_from_source(run: _Run, seen: set[str]) -> None:
    """A lead an earlier run imported and the source no longer lists was deleted there: its
    copy goes to the bin, where it can be restored for 30 days (the source's list is read
    whole before this, so a lead is never taken for gone because a page failed)."""
    gone = [
        record
        for (kind, source_id), record in run.records.items()
        if kind == SourceKind.LEAD and source_id not in seen
    ]
    for record in gone:
        try:
            with transaction.atomic():
                lead_delete(actor=run.actor, lead_id=record.local_id)
        except ApiError as error:
            if error.code != "not_found":  # already in the bin, or deleted here for good
                raise
            continue
        run.report.binned[SourceKind.LEAD] += 1


def _local(mapping: dict[str, int], value: object, reason: Skip) -> int | None:
    source_id = _id(value)
    if source_id is None:
        return None
    local = mapping.get(source_id)
    if local is None:
        raise _Skipped(reason, f"source id {source_id}")
    return local


def _imported_lead(run: _Run, lead: Record) -> ImportedLead:
    status = str(lead.get("status") or Status.TODO)
    step_id = _local(run.steps, lead.get("step_id"), Skip.STEP_NOT_IMPORTED)
    if step_id is None:
        raise _Skipped(Skip.STEP_NOT_IMPORTED, "the lead has no step")
    created_at = _instant(lead.get("created_at")) or timezone.now()
    closed_at = _instant(lead.get("closed_at"))
    if status in (Status.WON, Status.LOST, Status.CANCELLED) and closed_at is None:
        closed_at = _instant(lead.get("updated_at"))
    probability = lead.get("probability")
    tags = lead.get("tags") or []
    team_ref = lead.get("team_id") if "team_id" in lead else lead.get("team")
    created_by = lead.get("created_by_id")
    return ImportedLead(
        title=str(lead.get("title") or ""),
        description=str(lead.get("description") or ""),
        amount=_decimal(lead.get("amount")),
        probability=round(float(probability)) if probability not in (None, "") else 0,
        currency=str(lead.get("currency") or "") or None,
        status=status,
        step_id=step_id,
        owner_id=_local(run.users, lead.get("user_id"), Skip.OWNER_NOT_IMPORTED),
        team_id=_local(run.teams, team_ref, Skip.TEAM_NOT_IMPORTED),
        starred=bool(lead.get("starred")),
        remind_date=_day(lead.get("remind_date")),
        remind_time=_clock(lead.get("remind_time")),
        estimated_closing_date=_day(lead.get("estimated_closing_date")),
        created_at=created_at,
        closed_at=closed_at,
        created_by_id=run.users.get(_id(created_by) or ""),
        created_from=str(lead.get("created_from") or "nocrm"),
        tags=[str(tag) for tag in tags] if isinstance(tags, list) else [],
        client_folder_id=(
            _local(run.folders, lead.get("client_folder_id"), Skip.FOLDER_NOT_IMPORTED)
            if run.folders is not None
            else None
        ),
    )


def _migrate_lead(run: _Run, source_id: str, lead: Record) -> None:
    kind = SourceKind.LEAD
    print_ = fingerprint(lead)
    record = run.known(kind, source_id)
    if record is not None and record.fingerprint == print_ and not run.recheck_comments:
        run.count(kind, False, created=False)
        return
    data = _imported_lead(run, lead)
    comments = _read_all_quietly(run, f"/leads/{source_id}/comments")
    try:
        with transaction.atomic():
            local_id = record.local_id if record else None
            local, changed = lead_import(actor=run.actor, data=data, lead_id=local_id)
            run.remember(kind, source_id, local.pk, print_)
            _migrate_comments(run, local.pk, comments)
    except ApiError as error:
        if record is not None and error.code == "not_found":
            raise _Skipped(Skip.DELETED_LOCALLY) from None
        raise
    run.count(kind, changed, created=record is None)


def _read_all_quietly(run: _Run, path: str) -> list[Record]:
    return [record for page in run.api.pages(path) for record in page]


def _migrate_comments(run: _Run, lead_id: int, comments: Iterable[Record]) -> None:
    """The lead's comments, in its transaction: a lead is imported with all its comments or
    not at all. The oldest first, so that local ids follow the source's order."""
    kind = SourceKind.COMMENT
    ordered = sorted(comments, key=lambda comment: str(comment.get("created_at") or ""))
    for comment in ordered:
        source_id = _id(comment.get("id"))
        if source_id is None:
            continue
        print_ = fingerprint(comment)
        record = run.known(kind, source_id)
        if record is not None and record.fingerprint == print_:
            run.count(kind, False, created=False)
            continue
        try:
            text = _comment_text(comment)
            if not text.strip():
                raise _Skipped(Skip.NO_TEXT)
            author_ref = comment.get("user_id", comment.get("user"))
            data: CommentWrite = {
                "content": text,
                "user_id": run.users.get(_id(author_ref) or ""),
                "created_at": _instant(comment.get("created_at")) or timezone.now(),
                "activity_id": run.activities.get(_id(comment.get("activity_id")) or ""),
                "is_pinned": bool(comment.get("is_pinned")),
            }
            with transaction.atomic():
                if record is None:
                    local = comment_create(actor=run.actor, lead_id=lead_id, data=data)
                else:
                    # The author and the date of a comment stay what they were.
                    change: CommentWrite = {
                        "content": data["content"],
                        "activity_id": data["activity_id"],
                        "is_pinned": data["is_pinned"],
                    }
                    local = comment_update(
                        actor=run.actor, lead_id=lead_id, comment_id=record.local_id, data=change
                    )
                run.remember(kind, source_id, local.pk, print_)
        except (ApiError, _Skipped) as error:
            if isinstance(error, ApiError) and record is not None and error.code == "not_found":
                error = _Skipped(Skip.DELETED_LOCALLY)
            run.skip(kind, source_id, error)
            continue
        run.count(kind, True, created=record is None)
