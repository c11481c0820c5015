"""Admin panel, tags: the account's tag vocabulary, categories (one may be required on won
leads) and the predefined tags in them, which the lead forms suggest (thin, over
leadcrew.contacts.vocabulary). Everything is posted to the one page, the category or tag named
by its id in the form."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadcrew.contacts import vocabulary
from leadcrew.contacts.models import Category
from leadcrew.core.errors import ApiError
from leadcrew.web.admin_forms import show_admin_error
from leadcrew.web.field_forms import CategoryForm, PredefinedTagForm
from leadcrew.web.views.admin import _again, _refused, admin_required
from leadcrew.web.views.base import WebRequest, actor_of, int_or_none, render_page

LOOSE = "loose"  # the prefix of the forms of the tags without a category


def _page(request: WebRequest, bound: dict[str, Any] | None = None) -> HttpResponse:
    """The categories with their tags, then the tags without a category; `bound` carries the
    forms posted back with their errors, by prefix."""
    actor = actor_of(request)
    bound = bound or {}
    tags = list(vocabulary.predefined_tag_list(actor))
    cards = []
    for category in vocabulary.category_list(actor):
        edit = f"category{category.pk}"
        add = f"tag{category.pk}"
        cards.append(
            {
                "category": category,
                "tags": [tag for tag in tags if tag.category_id == category.pk],
                "form": bound.get(edit) or CategoryForm(initial=_initial(category), prefix=edit),
                "tag_form": bound.get(add) or PredefinedTagForm(prefix=add),
            }
        )
    context = {
        "section": "tags",
        "cards": cards,
        "loose_tags": [tag for tag in tags if tag.category_id is None],
        "loose_form": bound.get(LOOSE) or PredefinedTagForm(prefix=LOOSE),
        "create_form": bound.get("new") or CategoryForm(prefix="new"),
    }
    return render_page(request, "web/settings/tags.html", context)


def _initial(category: Category) -> dict[str, Any]:
    return {"name": category.name, "is_required": category.is_required}


@admin_required
@require_http_methods(["GET", "POST"])
def settings_tags(request: WebRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    actor = actor_of(request)
    action = request.POST.get("action", "")
    ref = int_or_none(request.POST.get("id")) or 0
    try:
        if action == "category_create":
            return _category_create(request)
        if action == "category_edit":
            return _category_edit(request, ref)
        if action == "tag_add":
            return _tag_add(request, ref)
        if action == "category_delete":
            vocabulary.category_delete(actor=actor, category_id=ref)
            messages.success(request, _("Category deleted; its tags stay, without a category."))
        elif action == "tag_remove":
            vocabulary.predefined_tag_delete(actor=actor, tag_id=ref)
            messages.success(request, _("Tag removed from the suggestions; leads keep it."))
    except ApiError as error:
        _refused(request, error)
    return _again("web:settings_tags")


def _category_create(request: WebRequest) -> HttpResponse:
    form = CategoryForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            category = vocabulary.category_create(actor=actor_of(request), **form.cleaned_data)
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
            return _again("web:settings_tags", anchor=f"#category-{category.pk}")
    return _page(request, {"new": form})


def _category_edit(request: WebRequest, category_id: int) -> HttpResponse:
    prefix = f"category{category_id}"
    form = CategoryForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            vocabulary.category_update(
                actor=actor_of(request), category_id=category_id, **form.cleaned_data
            )
        except ApiError as error:
            if error.status == 404:
                raise
            show_admin_error(form, error)
        else:
            messages.success(request, _("Category saved."))
            return _again("web:settings_tags", anchor=f"#category-{category_id}")
    return _page(request, {prefix: form})


def _tag_add(request: WebRequest, category_id: int) -> HttpResponse:
    """A tag in the category `category_id`, or without a category when it is 0."""
    prefix = f"tag{category_id}" if category_id else LOOSE
    form = PredefinedTagForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            vocabulary.predefined_tag_create(
                actor=actor_of(request),
                name=form.cleaned_data["name"],
                category=category_id or None,
            )
        except ApiError as error:
            if error.field == "category_id":
                raise
            show_admin_error(form, error)
        else:
            messages.success(request, _("Tag added."))
            anchor = f"#category-{category_id}" if category_id else "#loose-tags"
            return _again("web:settings_tags", anchor=anchor)
    return _page(request, {prefix: form})
