"""Client folders (companies): the list of those the reader may see, a folder's page with only
the leads they may see, and its forms (create, edit, delete, export its leads as CSV).

Who sees a folder, and who may delete or export, is the contacts services' to decide: a folder
the reader may not see answers 404, as one that does not exist."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leadcrew.access.actor import Actor
from leadcrew.access.policy import ensure_may_export
from leadcrew.bulk.export import csv_lines
from leadcrew.contacts.client_folder_services import (
    client_folder_create,
    client_folder_delete,
    client_folder_leads_export,
    client_folder_update,
    ensure_may_delete_client_folders,
    ensure_may_export_client_folders,
)
from leadcrew.contacts.models import ClientFolder
from leadcrew.contacts.selectors import (
    FieldDef,
    client_field_defs,
    client_folder_get,
    client_folder_lead_counts,
    client_folder_leads,
    client_folder_search,
)
from leadcrew.core.errors import ApiError, Forbidden
from leadcrew.core.replicas import reads_from_replica
from leadcrew.leads.selectors import with_relations
from leadcrew.web.client_forms import ClientFolderForm, folder_values
from leadcrew.web.forms import show_domain_error
from leadcrew.web.paging import keyset_page, name_page
from leadcrew.web.views.base import (
    WebRequest,
    actor_of,
    done,
    int_or_none,
    pager_urls,
    render_page,
)

LIST_REGIONS = ("client-list",)
LEAD_REGIONS = ("folder-leads",)
FOLDER_PAGE_SIZE = 50


def _allowed(check: Callable[[Actor], None], actor: Actor) -> bool:
    """Whether the service's own check lets the actor through: the pages offer only that."""
    try:
        check(actor)
    except Forbidden:
        return False
    return True


def may_export_folder(actor: Actor) -> bool:
    """A folder's leads leave as an export of client folders and of leads alike."""
    return _allowed(ensure_may_export_client_folders, actor) and _allowed(ensure_may_export, actor)


# --- The list ---------------------------------------------------------------------------------


@reads_from_replica
def _list_page(request: WebRequest, form: ClientFolderForm, *, status: int = 200) -> HttpResponse:
    actor = actor_of(request)
    q = (request.GET.get("q") or "").strip()[:255]
    page = name_page(
        client_folder_search(actor, q),
        after=int_or_none(request.GET.get("after")),
        before=int_or_none(request.GET.get("before")),
        size=FOLDER_PAGE_SIZE,
    )
    counts = client_folder_lead_counts(actor, [folder.pk for folder in page.rows])
    rows = [(folder, counts.get(folder.pk, 0)) for folder in page.rows]
    list_url = reverse("web:clients")
    params = [("q", q)] if q else []
    context: dict[str, Any] = {
        "q": q,
        "rows": rows,
        "page": page,
        "form": form,
        "list_url": list_url,
        **pager_urls(list_url, params, page),  # type: ignore[arg-type]
    }
    return render_page(
        request, "web/clients/list.html", context, regions=LIST_REGIONS, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_list(request: WebRequest) -> HttpResponse:
    """The folders the reader may see, searched by name, with how many of their leads the
    reader sees; and the form that creates one (any user may)."""
    actor = actor_of(request)
    defs = client_field_defs(actor)
    form = ClientFolderForm(request.POST or None, defs=defs)
    if request.method == "POST":
        if form.is_valid():
            try:
                folder = client_folder_create(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    description=form.folder_description(),
                )
            except ApiError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("Client folder created."))
                return done(request, reverse("web:client", args=[folder.pk]))
        return _list_page(request, form, status=422)
    return _list_page(request, form)


# --- One folder -------------------------------------------------------------------------------


def _folder_page(
    request: WebRequest,
    folder: ClientFolder,
    defs: list[FieldDef],
    form: ClientFolderForm | None = None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    leads = client_folder_leads(actor, folder)
    page = keyset_page(
        with_relations(leads),
        "id",
        "desc",
        after=int_or_none(request.GET.get("after")),
        before=int_or_none(request.GET.get("before")),
    )
    values, notes = folder_values(folder, defs)
    folder_url = reverse("web:client", args=[folder.pk])
    context: dict[str, Any] = {
        "folder": folder,
        "values": values,
        "notes": notes,
        "page": page,
        "lead_count": client_folder_lead_counts(actor, [folder.pk]).get(folder.pk, 0),
        "form": form or ClientFolderForm(defs=defs, folder=folder),
        "editing": form is not None,
        "error": error,
        "may_delete": _allowed(ensure_may_delete_client_folders, actor),
        "may_export": may_export_folder(actor),
        "teams_on": actor.settings.teams_on,
        **pager_urls(folder_url, [], page),
    }
    return render_page(
        request, "web/clients/detail.html", context, regions=LEAD_REGIONS, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_detail(request: WebRequest, folder_id: int) -> HttpResponse:
    """A folder's name, values and notes, and its leads the reader may see. A post renames or
    edits it (whoever sees a folder may)."""
    actor = actor_of(request)
    folder = client_folder_get(actor, folder_id)
    defs = client_field_defs(actor)
    if request.method == "GET":
        return _folder_page(request, folder, defs)
    form = ClientFolderForm(request.POST, defs=defs, folder=folder)
    if form.is_valid():
        try:
            client_folder_update(
                actor=actor,
                folder_id=folder.pk,
                name=form.cleaned_data["name"],
                description=form.folder_description(),
            )
        except ApiError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return done(request, reverse("web:client", args=[folder.pk]))
    return _folder_page(request, folder, defs, form, status=422)


@login_required
@require_POST
def client_delete(request: WebRequest, folder_id: int) -> HttpResponse:
    """Deletes the folder; its leads stay, outside any folder. Refused, with the reason, to a
    non-admin under `only_admins_delete_client_folders`."""
    actor = actor_of(request)
    folder = client_folder_get(actor, folder_id)
    try:
        client_folder_delete(actor=actor, folder_id=folder.pk)
    except Forbidden as error:
        defs = client_field_defs(actor)
        return _folder_page(request, folder, defs, error=error.text(), status=403)
    messages.success(
        request,
        _("Client folder “%(name)s” deleted. Its leads stay, outside any folder.")
        % {"name": folder.name},
    )
    return done(request, reverse("web:clients"))


@login_required
@require_POST
def client_export(request: WebRequest, folder_id: int) -> HttpResponse | StreamingHttpResponse:
    """The folder's leads the reader may see, as CSV (a plain download). Refused, with the
    reason, under the export toggles; logged."""
    actor = actor_of(request)
    folder = client_folder_get(actor, folder_id)
    try:
        leads = client_folder_leads_export(actor=actor, folder_id=folder.pk)
    except Forbidden as error:
        defs = client_field_defs(actor)
        return _folder_page(request, folder, defs, error=error.text(), status=403)
    response = StreamingHttpResponse(csv_lines(leads), content_type="text/csv; charset=utf-8")
    filename = f"client-folder-{folder.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def folder_search_url(q: str) -> str:
    """The folder list searched for `q`."""
    return f"{reverse('web:clients')}?{urlencode([('q', q)])}"
