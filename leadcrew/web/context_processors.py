"""What the layout needs on every page: the navigation and the user menu."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from leadcrew.accounts.models import Locale, User

# (url name, label, admins only). Pages still to come are left out until their URL exists.
NAVIGATION = (
    ("web:leads", _("Leads"), False),
    ("web:pipeline", _("Pipeline"), False),
    ("web:unassigned", _("Unassigned"), False),
    ("web:todo", _("To-do"), False),
    ("web:stats", _("Statistics"), False),
    ("web:settings", _("Admin"), True),
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
    for name, label, admins_only in NAVIGATION:
        url = _url(name)
        if url is None or (admins_only and not user.is_admin):
            continue
        current = request.path == url or request.path.startswith(url + "/")
        items.append({"url": url, "label": label, "current": current})
    return {"navigation": items, "languages": Locale.choices}
