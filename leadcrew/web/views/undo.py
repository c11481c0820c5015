"""Taking things back: the bin (deleted leads, restorable until they are purged) and the recent
bulk actions, each undoable from here for as long as the undo window lasts."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from leadcrew.bulk.models import BulkAction
from leadcrew.bulk.services import UNDO_WINDOW, bulk_undo, recent_bulk_actions
from leadcrew.core.errors import Forbidden, NotFound
from leadcrew.leads.selectors import bin_lead_list
from leadcrew.leads.services import BIN_RETENTION, lead_restore
from leadcrew.web.views.base import (
    WebRequest,
    actor_of,
    directory_of,
    done,
    int_or_none,
    render_page,
)

BIN_PAGE_SIZE = 50
BULK_ACTIONS_SHOWN = 50


@login_required
@require_GET
def bin_page(request: WebRequest) -> HttpResponse:
    """The leads in the bin that the reader may restore, newest first, with the day each will be
    purged for good."""
    actor = actor_of(request)
    page = max(int_or_none(request.GET.get("page")) or 1, 1)
    leads, total = bin_lead_list(actor, offset=(page - 1) * BIN_PAGE_SIZE, limit=BIN_PAGE_SIZE)
    rows = [
        {"lead": lead, "purge_at": _purge_at(lead.deleted_at)} for lead in leads if lead.deleted_at
    ]
    base = reverse("web:bin")
    context: dict[str, Any] = {
        "rows": rows,
        "total": total,
        "retention_days": BIN_RETENTION.days,
        "may_delete": directory_of(request).may_delete,
        "previous_url": f"{base}?page={page - 1}" if page > 1 else "",
        "next_url": f"{base}?page={page + 1}" if page * BIN_PAGE_SIZE < total else "",
        "teams_on": actor.settings.teams_on,
    }
    return render_page(request, "web/pages/bin.html", context, regions=("bin",))


def _purge_at(deleted_at: datetime) -> datetime:
    return deleted_at + BIN_RETENTION


@login_required
@require_POST
def bin_restore(request: WebRequest, lead_id: int) -> HttpResponse:
    try:
        lead = lead_restore(actor=actor_of(request), lead_id=lead_id)
    except NotFound:
        messages.error(request, _("This lead is no longer in the bin."))
    else:
        messages.success(request, _("“%(title)s” is restored.") % {"title": lead.title})
    return done(request, reverse("web:bin"))


@login_required
@require_GET
def bulk_actions_page(request: WebRequest) -> HttpResponse:
    """The reader's recent bulk actions (every one, for an admin), each with its Undo while it
    may still be undone."""
    actor = actor_of(request)
    now = timezone.now()
    rows = [
        {"bulk": bulk, "undoable": _undoable(bulk, now)}
        for bulk in recent_bulk_actions(actor, limit=BULK_ACTIONS_SHOWN)
    ]
    context = {"rows": rows, "shown": BULK_ACTIONS_SHOWN, "undo_days": UNDO_WINDOW.days}
    return render_page(request, "web/pages/bulk_actions.html", context, regions=("bulk-actions",))


def _undoable(bulk: BulkAction, now: datetime) -> bool:
    return (
        bulk.undone_at is None
        and bulk.changed > 0
        and bulk.action != "export"
        and bulk.created_at >= now - UNDO_WINDOW
    )


@login_required
@require_POST
def bulk_action_undo(request: WebRequest, bulk_id: int) -> HttpResponse:
    """Undoes a bulk action from the recent bulk actions page, then shows the page again."""
    try:
        result = bulk_undo(actor=actor_of(request), bulk_action_id=bulk_id)
    except (Forbidden, NotFound) as error:
        messages.error(request, error.text())
    else:
        text = ngettext(
            "Undone: %(count)s lead put back as it was.",
            "Undone: %(count)s leads put back as they were.",
            result.restored,
        )
        messages.success(request, text % {"count": result.restored})
    return done(request, reverse("web:bulk_actions") + f"#bulk-{bulk_id}")
