from typing import Any

from ninja import Schema
from pydantic import Field

from leadcrew.core.api_types import Timestamp, format_datetime
from leadcrew.imports.models import Import

ROW_ERROR_CODES = (
    "Row error codes: `required` and `too_long` (title), `unknown_user`, `assignee_forbidden` "
    "(you may not give the lead to that owner, or the owner is disabled), `unknown_team`, "
    "`create_in_team_forbidden` (you may not create leads in that team), `teams_off`, "
    "`unknown_pipeline`, `unknown_step`, `unknown_status`, `import_invalid_amount`, "
    "`import_negative_amount`, `import_invalid_probability`, `import_invalid_date`, "
    "`import_invalid_boolean`, `invalid_currency`, `tag_too_long`, `too_many_tags`, "
    "`reminder_quarter_hour`, `standby_needs_date`, `closed_at_on_open_lead`, "
    "`closed_before_created`, and a contact field's own (`invalid_email`, `invalid_phone`, "
    "`invalid_url`, `invalid_number`, `invalid_field_date`, `not_one_of`, …)."
)


class RowErrorOut(Schema):
    row: int = Field(description="The spreadsheet's row number (the header is row 1)")
    column: str | None = Field(description="The column's header, or null for a default")
    value: str | None
    code: str
    message: str


class ImportOut(Schema):
    id: int | None = Field(description="The import's id; null for a dry run")
    dry_run: bool
    rows: int = Field(description="Rows read (blank rows are not counted)")
    created: int = Field(description="Leads created (for a dry run: that would be created)")
    skipped: int = Field(description="Rows refused, each with one or more errors")
    errors: list[RowErrorOut]
    bulk_action_id: int | None = Field(description="Undo the import with this bulk action")


class ImportRecordOut(Schema):
    id: int
    file_name: str
    user_id: int | None
    rows: int
    created: int
    skipped: int
    errors: list[RowErrorOut] = Field(description="The first 1000 row errors")
    bulk_action_id: int | None
    created_at: Timestamp


def import_record_out(record: Import) -> dict[str, Any]:
    return {
        "id": record.pk,
        "file_name": record.file_name,
        "user_id": record.actor_id,
        "rows": record.rows,
        "created": record.created,
        "skipped": record.skipped,
        "errors": record.errors,
        "bulk_action_id": record.bulk_action_id,
        "created_at": format_datetime(record.created_at),
    }
