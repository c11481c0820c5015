"""Admin panel, fields: the lead fields and the client-folder fields of the account, to add,
rename, flag for duplicates, move and delete (thin, over the contacts services). Everything is
posted to the one page, the field named by its id in the form; a field of another account reads
as one that does not exist."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadcrew.contacts import selectors, services
from leadcrew.contacts.models import Field
from leadcrew.core.errors import ApiError, NotFound
from leadcrew.web.admin_forms import show_admin_error
from leadcrew.web.field_forms import (
    CHOICE_TYPES,
    FIELD_TYPE_LABELS,
    PARENT_TYPE_LABELS,
    FieldCreateForm,
    FieldEditForm,
)
from leadcrew.web.views.admin import _again, _refused, admin_required
from leadcrew.web.views.base import WebRequest, actor_of, int_or_none, render_page


def _edit_form(field: Field, data: Any = None) -> FieldEditForm:
    initial = {"name": field.name, "is_key": field.is_key, "choices": "\n".join(field.choices)}
    return FieldEditForm(
        data,
        initial=initial,
        prefix=f"field{field.pk}",
        with_choices=field.type in CHOICE_TYPES,
    )


def _page(
    request: WebRequest,
    *,
    create_form: FieldCreateForm | None = None,
    bound: FieldEditForm | None = None,
    bound_id: int | None = None,
) -> HttpResponse:
    """The two lists of fields; `bound` carries one field's form back with its errors. `?delete=`
    asks to confirm the deletion of a field, saying how many leads hold a value of it."""
    actor = actor_of(request)
    fields = list(selectors.field_list(actor))
    counts = selectors.field_value_counts(actor)
    groups = []
    for parent_type, title in PARENT_TYPE_LABELS.items():
        kind = [f for f in fields if f.parent_type == parent_type]
        rows = [
            {
                "field": field,
                "type_label": FIELD_TYPE_LABELS.get(field.type, field.type),  # type: ignore[call-overload]
                "values": counts.get(field.pk, 0),
                "form": bound if bound is not None and bound_id == field.pk else _edit_form(field),
                "first": index == 0,
                "last": index == len(kind) - 1,
            }
            for index, field in enumerate(kind)
        ]
        groups.append({"parent_type": str(parent_type), "title": title, "rows": rows})
    delete_id = int_or_none(request.GET.get("delete"))
    doomed = next((f for f in fields if f.pk == delete_id), None)
    context: dict[str, Any] = {
        "section": "fields",
        "groups": groups,
        "create_form": create_form or FieldCreateForm(prefix="new"),
        "doomed": doomed,
        "doomed_values": counts.get(doomed.pk, 0) if doomed else 0,
    }
    return render_page(request, "web/settings/fields.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def settings_fields(request: WebRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    action = request.POST.get("action", "")
    if action == "create":
        return _create(request)
    field_id = int_or_none(request.POST.get("id")) or 0
    try:
        field = selectors.field_get(actor_of(request), field_id)
    except NotFound as error:
        _refused(request, error)
        return _again("web:settings_fields")
    if action == "edit":
        return _edit(request, field)
    try:
        if action in ("up", "down"):
            _move(request, field, -1 if action == "up" else 1)
        elif action == "delete":
            services.field_delete(actor=actor_of(request), field_id=field.pk)
            messages.success(request, _("Field “%(name)s” deleted.") % {"name": field.name})
            return _again("web:settings_fields")
    except ApiError as error:
        _refused(request, error)
    return _again("web:settings_fields", anchor=f"#field-{field.pk}")


def _create(request: WebRequest) -> HttpResponse:
    form = FieldCreateForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            field = services.field_create(actor=actor_of(request), **form.field_data())
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Field “%(name)s” added.") % {"name": field.name})
            return _again("web:settings_fields", anchor=f"#field-{field.pk}")
    return _page(request, create_form=form)


def _edit(request: WebRequest, field: Field) -> HttpResponse:
    form = _edit_form(field, request.POST)
    if form.is_valid():
        try:
            services.field_update(actor=actor_of(request), field_id=field.pk, **form.field_data())
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Field saved."))
            return _again("web:settings_fields", anchor=f"#field-{field.pk}")
    return _page(request, bound=form, bound_id=field.pk)


def _move(request: WebRequest, field: Field, offset: int) -> None:
    """One place up or down among the fields of its kind."""
    actor = actor_of(request)
    kind = [sibling.pk for sibling in selectors.field_list(actor, field.parent_type)]
    position = kind.index(field.pk) + offset
    if 0 <= position < len(kind):
        services.field_update(actor=actor, field_id=field.pk, position=position)
