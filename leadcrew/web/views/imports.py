"""Import a spreadsheet: upload, the columns recognised (and changed if need be), a preview of
the first rows and every row error, then the import, its progress and its undo."""

from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from leadcrew.contacts.selectors import lead_field_defs
from leadcrew.core.errors import ApiError, message_text
from leadcrew.imports import staging
from leadcrew.imports.services import (
    ImportRefused,
    ImportResult,
    import_check_size,
    import_headers,
    import_preview,
    import_run,
)
from leadcrew.imports.values import DateOrder
from leadcrew.web.labels import IMPORT_FIELD_LABELS
from leadcrew.web.views.base import WebRequest, actor_of, render_page

TEMPLATE = "web/leads/import.html"
PREVIEW_ROWS = 10


def _progress_key(user_id: int | None, token: str) -> str:
    return f"import-progress:{user_id}:{token}"


def _field_choices(request: WebRequest) -> list[tuple[str, str]]:
    choices = [(name, str(label)) for name, label in IMPORT_FIELD_LABELS.items()]
    defs = lead_field_defs(actor_of(request))
    return choices + [(f"fields.{field.key}", field.name) for field in defs]


def _errors(result: ImportResult) -> list[dict[str, Any]]:
    """The row errors in the reader's language."""
    return [
        {
            "row": error.row,
            "column": error.column,
            "value": error.value,
            "text": message_text(error.code, error.params),
        }
        for error in result.errors
    ]


def _posted_mapping(request: WebRequest, headers: list[str]) -> dict[str, str | None] | None:
    if "column_0" not in request.POST:
        return None
    return {
        header: request.POST.get(f"column_{index}") or None for index, header in enumerate(headers)
    }


def _date_order(request: WebRequest) -> DateOrder | None:
    value = request.POST.get("date_order") or ""
    return DateOrder(value) if value in {order.value for order in DateOrder} else None


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: WebRequest) -> HttpResponse:
    """Upload (a file), preview (a token and perhaps a changed mapping), import ("import")."""
    actor = actor_of(request)
    context: dict[str, Any] = {"date_orders": list(DateOrder), "section": "import"}
    if request.method == "GET":
        return render_page(request, TEMPLATE, context)
    upload = request.FILES.get("file")
    token = request.POST.get("token") or ""
    name = getattr(upload, "name", None) or request.POST.get("file_name") or "spreadsheet"
    context |= {
        "file_name": name[:255],
        "date_order": _date_order(request),
        "all_or_nothing": request.POST.get("all_or_nothing") == "on",
        "choices": _field_choices(request),
    }
    headers: list[str] = []
    mapping: dict[str, str | None] | None = None
    try:
        if upload is not None:
            import_check_size(upload.size)
            token = staging.stage(actor.user_id, upload)
        path = staging.staged(actor.user_id, token)
        context["token"] = token
        with path.open("rb") as file:
            headers = import_headers(file)
        mapping = _posted_mapping(request, headers)
        if request.POST.get("go") == "import":
            return _import(request, context, path, token, mapping)
        with path.open("rb") as file:
            preview = import_preview(actor=actor, file=file, mapping=mapping, limit=PREVIEW_ROWS)
        with path.open("rb") as file:
            dry = import_run(
                actor=actor,
                file=file,
                file_name=context["file_name"],
                mapping=mapping,
                dry_run=True,
                date_order=context["date_order"],
            )
    except ApiError as error:
        context["error"] = error.text()
        if headers:  # the file is read: the mapping may be what to change
            chosen = mapping or {}
            context["columns"] = [
                (index, header, chosen.get(header) or "") for index, header in enumerate(headers)
            ]
        else:
            context.pop("token", None)
        return render_page(request, TEMPLATE, context, status=422)
    context |= {
        "preview": preview,
        "columns": [
            (index, header, preview.mapping.get(header, ""))
            for index, header in enumerate(preview.headers)
        ],
        "dry": dry,
        "errors": _errors(dry),
    }
    return render_page(request, TEMPLATE, context)


def _import(
    request: WebRequest,
    context: dict[str, Any],
    path: Path,
    token: str,
    mapping: dict[str, str | None] | None,
) -> HttpResponse:
    actor = actor_of(request)
    key = _progress_key(actor.user_id, token)

    def progress(rows: int) -> None:
        cache.set(key, rows, 3600)

    try:
        with path.open("rb") as file:
            result = import_run(
                actor=actor,
                file=file,
                file_name=context["file_name"],
                mapping=mapping,
                all_or_nothing=context["all_or_nothing"],
                date_order=context["date_order"],
                progress=progress,
            )
    except ImportRefused as refused:
        context |= {"refused": refused.result, "errors": _errors(refused.result)}
        return render_page(request, TEMPLATE, context, status=422)
    staging.unstage(actor.user_id, token)
    cache.delete(key)
    context |= {"result": result, "errors": _errors(result)}
    context.pop("token", None)
    return render_page(request, TEMPLATE, context)


@login_required
@require_GET
def import_progress(request: WebRequest) -> HttpResponse:
    """How many rows the import of an upload (?token=) has read so far (polled by the page)."""
    token = request.GET.get("token") or ""
    rows = cache.get(_progress_key(actor_of(request).user_id, token[:64])) if token else None
    return render_page(request, "web/leads/_import_progress.html", {"rows": rows})
