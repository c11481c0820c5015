"""/api/v2/imports: a spreadsheet of leads, imported through the rules of POST /leads."""

import json
from typing import Any

from ninja import File, Form, Router
from ninja.files import UploadedFile

from leadcrew.core.api_types import ApiRequest, Id
from leadcrew.core.errors import BadParameterFormat, Code
from leadcrew.imports import services
from leadcrew.imports.schemas import (
    ROW_ERROR_CODES,
    ImportOut,
    ImportRecordOut,
    import_record_out,
)
from leadcrew.imports.values import DateOrder

router = Router(tags=["Imports"])

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _json(text: str | None, field: str) -> object | None:
    if text is None or not text.strip():
        return None
    try:
        parsed: object = json.loads(text)
        return parsed
    except ValueError:
        raise BadParameterFormat(Code.BAD_FORMAT, field=field, reason="not valid JSON") from None


def _flag(request: ApiRequest, given: str | None, name: str) -> bool:
    """A yes/no given in the form or, as `?all_or_nothing=true`, in the query string."""
    value = given if given is not None else request.GET.get(name)
    if value is None:
        return False
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadParameterFormat(Code.BAD_FORMAT, field=name, reason="true or false")


@router.post(
    "/imports",
    response=ImportOut,
    summary="Import a spreadsheet of leads (CSV or .xlsx)",
    description=(
        "Multipart form: `file` (CSV in any common dialect and encoding, or an .xlsx "
        "workbook), optional `mapping` (JSON object: column header → field: `title`, "
        "`description`, `user_id`, `team_id`, `pipeline_id`, `step`, `status`, `amount`, "
        "`probability`, `currency`, `tags`, `starred`, `remind_date`, `remind_time`, "
        "`estimated_closing_date`, `created_at`, `closed_at`, `fields.<key>` or `ignore`; "
        "without it, headers are recognised in English or French), optional `defaults` (JSON "
        "object: `user_id`, `team_id`, `pipeline_id`, `step`, `status`, `tags`, for cells left "
        "blank), `dry_run` and `all_or_nothing` (true|false, in the form or the query string), "
        "`date_order` (`day_first` or `month_first`; by default the account's). Each row goes "
        "through the rules of POST /leads. A dry run writes nothing; a real run creates the "
        "valid rows in one transaction as one bulk action (undo it with POST "
        "/bulk_actions/{id}/undo). With all_or_nothing, one failing row refuses the file: 422 "
        "`import_rows_failed` with the same report. A file over the configured size gets 413. "
        + ROW_ERROR_CODES
    ),
)
def create_import(
    request: ApiRequest,
    file: File[UploadedFile],
    mapping: Form[str | None] = None,
    defaults: Form[str | None] = None,
    dry_run: Form[str | None] = None,
    all_or_nothing: Form[str | None] = None,
    date_order: Form[DateOrder | None] = None,
) -> Any:
    services.import_check_size(file.size)
    result = services.import_run(
        actor=request.auth,
        file=file.open("rb"),  # type: ignore[arg-type]
        file_name=file.name or "spreadsheet",
        mapping=_json(mapping, "mapping"),
        defaults=_json(defaults, "defaults"),
        dry_run=_flag(request, dry_run, "dry_run"),
        all_or_nothing=_flag(request, all_or_nothing, "all_or_nothing"),
        date_order=date_order,
    )
    return result.out()


@router.get("/imports/{id}", response=ImportRecordOut, summary="One import and its report")
def get_import(request: ApiRequest, id: Id) -> Any:
    return import_record_out(services.import_get(actor=request.auth, import_id=id))
