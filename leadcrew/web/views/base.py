"""What every view of the web app shares: the actor of the request, the account's directory,
rendering a page or just the region htmx asked for, and answering a form post."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseLocation
from django_htmx.middleware import HtmxDetails

from leadcrew.access.actor import Actor, actor_for_user
from leadcrew.accounts.models import User
from leadcrew.web.choices import Directory
from leadcrew.web.paging import Page


class WebRequest(HttpRequest):
    """A request of the web app, once the middlewares have run."""

    htmx: HtmxDetails
    user: User  # every view but login requires one


def actor_of(request: HttpRequest) -> Actor:
    """The actor of this request, built once (its teams and the account's settings, read now:
    a settings change applies from the next request on)."""
    actor: Actor | None = getattr(request, "_leadcrew_actor", None)
    if actor is None:
        user = request.user
        assert isinstance(user, User)
        actor = actor_for_user(user, user.account)
        request._leadcrew_actor = actor  # type: ignore[attr-defined]
    return actor


def directory_of(request: HttpRequest) -> Directory:
    directory: Directory | None = getattr(request, "_leadcrew_directory", None)
    if directory is None:
        directory = Directory(actor_of(request))
        request._leadcrew_directory = directory  # type: ignore[attr-defined]
    return directory


def render_page(
    request: WebRequest,
    template: str,
    context: dict[str, Any],
    *,
    regions: tuple[str, ...] = (),
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only the region (a template partial named like its element id)
    that an htmx request targets."""
    target = request.htmx.target if request.htmx else None
    if target in regions:
        template = f"{template}#{target}"
    response = render(request, template, context, status=status)
    # One URL answers a whole page or a region: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """Where to go after a form: a path of this site, as the pages send it (`/leads?…`), else
    `default`. Anything else (another host, a bare word that `redirect` would take for a view
    name, a control character a Location header cannot carry) is ignored."""
    if (
        candidate
        and candidate.startswith("/")
        and candidate.isprintable()
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def done(request: WebRequest, url: str) -> HttpResponse:
    """After a successful post: htmx loads `url` into the region it targeted (and records it in
    the history); a plain form gets a redirect (303: the browser follows with a GET)."""
    if request.htmx and request.htmx.target:
        return HttpResponseLocation(url, target=f"#{request.htmx.target}", swap="outerHTML")
    return HttpResponseRedirect(url, status=303)


def int_or_none(value: str | None) -> int | None:
    """An id from a query or form parameter, or None. Only ASCII digits: `"²".isdigit()` is
    true, but int() refuses it, and `"١٢"` would be read as 12. Under 19 digits, a bigint."""
    if value and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def pager_urls(base_url: str, params: list[tuple[str, str]], page: Page) -> dict[str, str]:
    """The links of a keyset pager, keeping the filters in force."""
    urls = {}
    for name, key, cursor in (
        ("previous_url", "before", page.previous_cursor),
        ("next_url", "after", page.next_cursor),
    ):
        if cursor is not None:
            urls[name] = f"{base_url}?{urlencode([*params, (key, str(cursor))])}"
    return urls
