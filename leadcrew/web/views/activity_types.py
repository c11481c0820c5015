"""Admin panel, activity types: add, rename, move, disable and enable (thin, over the
activities services)."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadcrew.activities import selectors, services
from leadcrew.activities.services import ActivityTypeChange
from leadcrew.core.errors import ApiError
from leadcrew.web.views.admin import _again, _refused, admin_required
from leadcrew.web.views.base import WebRequest, actor_of, render_page


def _id(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() else 0


@admin_required
@require_http_methods(["GET", "POST"])
def settings_activities(request: WebRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        type_id = _id(request.POST.get("id"))
        name = request.POST.get("name", "")
        try:
            if action == "create":
                services.activity_type_create(actor=actor, change=ActivityTypeChange(name=name))
            elif action == "rename":
                change = ActivityTypeChange(name=name)
                services.activity_type_update(actor=actor, activity_id=type_id, change=change)
            elif action in ("up", "down"):
                offset = -1 if action == "up" else 1
                services.activity_type_move(actor=actor, activity_id=type_id, offset=offset)
            elif action in ("disable", "enable"):
                change = ActivityTypeChange(is_disabled=action == "disable")
                services.activity_type_update(actor=actor, activity_id=type_id, change=change)
        except ApiError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Activity types saved."))
        return _again("web:settings_activities")
    context: dict[str, Any] = {
        "section": "activities",
        "types": list(selectors.activity_types(actor)),
    }
    return render_page(request, "web/settings/activities.html", context)
