"""The compact view: filters, a page of leads, a selection and the bulk actions over it."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadcrew.bulk.export import csv_lines
from leadcrew.bulk.models import BulkAction
from leadcrew.bulk.services import (
    MAX_IDS,
    Selection,
    bulk_action_for,
    bulk_apply,
    bulk_export_leads,
    bulk_undo,
)
from leadcrew.contacts.selectors import FieldDef, lead_values_of
from leadcrew.core.errors import ApiError, Forbidden, NotFound
from leadcrew.core.replicas import reads_from_replica
from leadcrew.leads.selectors import MERGEABLE_ORDERS
from leadcrew.web.forms import MATCHING, BulkForm, LeadFilterForm, show_domain_error
from leadcrew.web.paging import cursor_page, first_page
from leadcrew.web.views.base import (
    WebRequest,
    actor_of,
    directory_of,
    done,
    int_or_none,
    pager_urls,
    render_page,
    safe_next,
)

REGIONS = ("lead-list",)
COLUMNS_KEY = "lead_list_columns"  # the session's list of the field keys shown as columns

# The columns of the list that sort it (by the filter form's `order`), and the direction a
# first click sorts in: titles A to Z, the rest largest or newest first.
SORTABLE_COLUMNS = {
    "title": ("alphabetically", "asc"),
    "step": ("sale_step", "asc"),
    "amount": ("amount", "desc"),
    "updated": ("last_update", "desc"),
}


def sort_headers(
    filters: LeadFilterForm,
    *,
    url: str = "",
    columns: dict[str, tuple[str, str]] = SORTABLE_COLUMNS,
    default: tuple[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """Per sortable column: the list's URL sorted by it (again: the other way round), keeping
    the other filters, and its `aria-sort` when the list is sorted by it. The lead list's
    columns by default; another list of leads (the unassigned pool) names its own."""
    order, direction = list_ordering(filters, default)
    kept = [(k, v) for k, v in filters.active_params() if k not in {"order", "direction"}]
    url = url or reverse("web:leads")
    headers = {}
    for column, (key, first) in columns.items():
        current = key == order
        wanted = ("asc" if direction == "desc" else "desc") if current else first
        query = urlencode([*kept, ("order", key), ("direction", wanted)])
        headers[column] = {
            "url": f"{url}?{query}",
            "sort": ("ascending" if direction == "asc" else "descending") if current else "",
        }
    return headers


def list_ordering(filters: LeadFilterForm, default: tuple[str, str] | None) -> tuple[str, str]:
    """The order asked for, or the list's own when none is."""
    if default is not None and not getattr(filters, "cleaned_data", {}).get("order"):
        return default
    return filters.ordering


def lead_query(filters: LeadFilterForm) -> str:
    """The list's filters as a query to add to a lead's URL: its page then offers the previous
    and next lead of the same list."""
    params = [(k, v) for k, v in filters.active_params() if k not in {"after", "before"}]
    return f"?{urlencode(params)}" if params else ""


def _selected_ids(request: WebRequest) -> list[int]:
    ids = (int_or_none(value) for value in request.POST.getlist("ids"))
    return list(dict.fromkeys(i for i in ids if i is not None))[:MAX_IDS]


def _bulk_shown(request: WebRequest) -> BulkAction | None:
    """The bulk action whose summary the list shows (?bulk=<id>): its author's or, for an
    admin, anyone's; any other id shows nothing."""
    bulk_id = int_or_none(request.GET.get("bulk"))
    if bulk_id is None:
        return None
    try:
        return bulk_action_for(actor_of(request), bulk_id)
    except NotFound:
        return None


def shown_columns(request: WebRequest) -> list[FieldDef]:
    """The lead fields the reader chose to see as columns of the list (remembered in their
    session), in the fields' order."""
    chosen = set(request.session.get(COLUMNS_KEY) or ())
    return [field for field in directory_of(request).lead_fields if field.key in chosen]


def _with_columns(leads: list[Any], columns: list[FieldDef]) -> None:
    """Gives each lead of the page its `column_values`, (field name, value) pairs read in one
    query for the page."""
    values = lead_values_of([lead.pk for lead in leads], [field.id for field in columns])
    for lead in leads:
        lead.column_values = [(f.name, values.get((lead.pk, f.id), "")) for f in columns]


@reads_from_replica
def _list_page(
    request: WebRequest,
    filters: LeadFilterForm,
    bulk_form: BulkForm,
    *,
    bulk: BulkAction | None = None,
    selected: list[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    directory = directory_of(request)
    filters.is_valid()
    order, direction = filters.ordering
    params = request.GET if request.method == "GET" else request.POST
    lead_filter = filters.lead_filter(actor.user_id)
    after, before = int_or_none(params.get("after")), int_or_none(params.get("before"))
    if after is None and before is None and order in MERGEABLE_ORDERS:
        found = first_page(actor, lead_filter, order, direction)
    else:
        found = cursor_page(actor, lead_filter, order, direction, after=after, before=before)
    page = found.page
    columns = shown_columns(request)
    _with_columns(page.leads, columns)
    context: dict[str, Any] = {
        "columns": columns,
        "lead_fields": directory.lead_fields,
        "column_count": 8 + len(columns),
        "filters": filters,
        "filter_params": filters.active_params(),
        "bulk_form": bulk_form,
        "page": page,
        "count": found.count,
        "capped": found.capped,
        "bulk": bulk,
        "selected": set(selected or ()),
        "may_export": directory.may_export,
        "teams_on": actor.settings.teams_on,
        "list_url": reverse("web:leads"),
        "sort_headers": sort_headers(filters),
        "lead_query": lead_query(filters),
        "may_delete": directory.may_delete,
        **pager_urls(reverse("web:leads"), filters.active_params(), page),
    }
    return render_page(request, "web/leads/list.html", context, regions=REGIONS, status=status)


@login_required
@require_GET
def lead_list(request: WebRequest) -> HttpResponse:
    directory = directory_of(request)
    filters = LeadFilterForm(request.GET, directory=directory)
    bulk_form = BulkForm(directory=directory)
    return _list_page(request, filters, bulk_form, bulk=_bulk_shown(request))


def _list_url(filters: LeadFilterForm, **extra: Any) -> str:
    query = urlencode([*filters.active_params(), *extra.items()])
    return reverse("web:leads") + (f"?{query}" if query else "")


@login_required
@require_POST
def lead_bulk(request: WebRequest) -> HttpResponse:
    """One bulk action over the selected leads or every lead matching the filters; answers with
    the list showing what changed, what was skipped and why, and an Undo button."""
    actor = actor_of(request)
    directory = directory_of(request)
    filters = LeadFilterForm(request.POST, directory=directory)
    filters.is_valid()
    form = BulkForm(request.POST, directory=directory)
    ids = _selected_ids(request)
    if form.is_valid():
        matching = form.cleaned_data["scope"] == MATCHING
        if not matching and not ids:
            form.add_error(None, _("Select at least one lead, or apply to every matching lead."))
        else:
            selection = (
                Selection(filters=filters.lead_filter(actor.user_id))
                if matching
                else Selection(ids=ids)
            )
            try:
                result = bulk_apply(
                    actor=actor,
                    action=form.cleaned_data["action"],
                    selection=selection,
                    params=form.params(),
                )
            except ApiError as error:
                show_domain_error(form, error)
            else:
                return done(request, _list_url(filters, bulk=result.bulk_action.pk))
    return _list_page(request, filters, form, selected=ids)


@login_required
@require_POST
def lead_export(request: WebRequest) -> HttpResponse | StreamingHttpResponse:
    """The selection as CSV (a plain download, never through htmx)."""
    actor = actor_of(request)
    directory = directory_of(request)
    filters = LeadFilterForm(request.POST, directory=directory)
    filters.is_valid()
    ids = _selected_ids(request)
    matching = request.POST.get("scope") == MATCHING
    form = BulkForm(request.POST, directory=directory)
    if not matching and not ids:
        form.add_error(None, _("Select at least one lead, or apply to every matching lead."))
        return _list_page(request, filters, form, selected=ids)
    selection = (
        Selection(filters=filters.lead_filter(actor.user_id)) if matching else Selection(ids=ids)
    )
    try:
        leads = bulk_export_leads(actor=actor, selection=selection)
    except ApiError as error:
        show_domain_error(form, error)
        return _list_page(request, filters, form, selected=ids)
    lines = csv_lines(leads, fields=directory.lead_fields)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="leads.csv"'
    return response


@login_required
@require_POST
def bulk_undo_view(request: WebRequest, bulk_id: int) -> HttpResponse:
    """Undoes a bulk action (its author or an admin), then shows the list with what the undo
    put back."""
    actor = actor_of(request)
    filters = LeadFilterForm(request.POST, directory=directory_of(request))
    filters.is_valid()
    try:
        bulk_undo(actor=actor, bulk_action_id=bulk_id)
    except Forbidden as error:  # already undone, or too old
        messages.error(request, error.text())
    return done(request, _list_url(filters, bulk=bulk_id))


@login_required
@require_POST
def lead_columns(request: WebRequest) -> HttpResponse:
    """Which lead fields the list shows as columns: remembered in the reader's session, then
    back to the list as it was."""
    known = {field.key for field in directory_of(request).lead_fields}
    request.session[COLUMNS_KEY] = [key for key in request.POST.getlist("columns") if key in known]
    return done(request, safe_next(request, request.POST.get("next"), reverse("web:leads")))
