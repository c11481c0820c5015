"""What the layout needs on every page: the navigation and the user menu."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from leadcrew.access.policy import may_delete_leads
from leadcrew.accounts.models import Locale, User
from leadcrew.events.selectors import unread_count

EVERYONE, ADMINS, DELETERS = "everyone", "admins", "deleters"

# (url name, label, for whom). Pages still to come are left out until their URL exists.
NAVIGATION = (
    ("web:leads", _("Leads"), EVERYONE),
    ("web:clients", _("Clients"), EVERYONE),
    ("web:pipeline", _("Pipeline"), EVERYONE),
    ("web:unassigned", _("Unassigned"), EVERYONE),
    ("web:todo", _("To-do"), EVERYONE),
    ("web:stats", _("Statistics"), EVERYONE),
    ("web:bin", _("Bin"), DELETERS),
    ("web:settings", _("Admin"), ADMINS),
)


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def web(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not isinstance(user, User):
        return {"languages": Locale.choices}
    items = []
    for name, label, who in NAVIGATION:
        url = _url(name)
        if url is None or (who == ADMINS and not user.is_admin):
            continue
        if who == DELETERS and not _may_delete(request):
            continue
        current = request.path == url or request.path.startswith(url + "/")
        items.append({"url": url, "label": label, "current": current})
    return {
        "navigation": items,
        "languages": Locale.choices,
        "unread_notifications": _unread(request, user),
    }


def _unread(request: HttpRequest, user: User) -> int:
    """The bell's count: one indexed COUNT, once per request however many templates render."""
    count: int | None = getattr(request, "_leadcrew_unread", None)
    if count is None:
        count = unread_count(user.pk)
        request._leadcrew_unread = count  # type: ignore[attr-defined]
    return count


def _may_delete(request: HttpRequest) -> bool:
    # The views' own actor of the request (built once per request).
    from leadcrew.web.views.base import actor_of

    return may_delete_leads(actor_of(request))
