"""The Content-Security-Policy of every page: the header is there, and nothing in the HTML needs
more than it allows (no inline script without the nonce, no inline handler or style, nothing
from another host). tests/e2e/test_csp_browser.py checks the same in a real browser."""

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template import engines
from django.template.response import TemplateResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from leadcrew.accounts.models import User
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
CSP = "Content-Security-Policy"
# Script types a browser runs; any other (application/json…) is a data block, never run.
SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}
STATIC = "/static/"


class Page(HTMLParser):
    """What in a page's HTML the policy has a say on."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[dict[str, str]] = []
        self.script_srcs: list[str] = []
        self.stylesheets: list[str] = []
        self.inline_handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.style_elements: list[dict[str, str]] = []
        self.htmx_config = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name in attributes:
            if name.startswith(("on", "hx-on", "data-hx-on")):
                self.inline_handlers.append(f"<{tag} {name}>")
        if "style" in attributes:
            self.style_attributes.append(f"<{tag} style={attributes['style']!r}>")
        if tag == "script":
            if "src" in attributes:
                self.script_srcs.append(attributes["src"])
            elif attributes.get("type", "").lower() in SCRIPT_TYPES:
                self.inline_scripts.append(attributes)
        elif tag == "style":
            self.style_elements.append(attributes)
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        elif tag == "meta" and attributes.get("name") == "htmx-config":
            self.htmx_config = attributes["content"]


def policy(response: Any) -> dict[str, list[str]]:
    header = response[CSP]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def check_page(response: Any) -> Page:
    """Asserts that the page keeps to its policy; returns what it found."""
    assert response.status_code == 200, response
    rules = policy(response)
    assert rules["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in rules["script-src"]
    assert "'unsafe-eval'" not in rules["script-src"]
    assert rules["style-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]
    nonces = [value for value in rules["script-src"] if value.startswith("'nonce-")]

    page = Page()
    html = response.content.decode()
    page.feed(html)
    for script in page.inline_scripts:
        assert script.get("nonce"), f"an inline script without a nonce: {script}"
        assert nonces == [f"'nonce-{script['nonce']}'"]
    assert page.inline_handlers == []
    assert page.style_attributes == []
    assert page.style_elements == []
    for url in page.script_srcs + page.stylesheets:
        # From leadcrew's own static files: same origin ('self'), and they exist.
        assert url.startswith(STATIC), url
        assert finders.find(url.removeprefix(STATIC)), url
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    return page


def test_the_login_page_keeps_to_the_policy(client: Client) -> None:
    page = check_page(client.get(reverse("web:login")))
    # htmx would add a <style> element of its own, which style-src 'self' refuses.
    assert '"includeIndicatorStyles": false' in page.htmx_config
    assert '"allowEval": false' in page.htmx_config
    assert page.script_srcs == ["/static/web/htmx.min.js", "/static/web/app.js"]


def main_pages(cast: Cast) -> list[str]:
    lead = cast.leads.mona_north.pk
    team = cast.north.pk
    return [
        reverse("web:leads"),
        reverse("web:leads") + "?q=north",
        reverse("web:lead", args=[lead]),
        reverse("web:lead_access", args=[lead]),
        reverse("web:lead_new"),
        reverse("web:pipeline"),
        reverse("web:unassigned"),
        reverse("web:todo"),
        reverse("web:stats"),
        reverse("web:password"),
        reverse("web:settings"),
        reverse("web:settings_privacy"),
        reverse("web:settings_teams"),
        reverse("web:settings_users"),
        reverse("web:user_edit", args=[cast.mona.pk]),
        reverse("web:settings_pipelines"),
        reverse("web:settings_api_keys"),
        reverse("web:settings_log"),
        reverse("web:settings_team", args=[team]),
    ]


def test_every_main_page_keeps_to_the_policy(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    for url in main_pages(cast):
        check_page(client.get(url, follow=True))


def test_the_stats_page_data_block_is_not_a_script(login: Login, cast: Cast) -> None:
    response = login(cast.admin).get(reverse("web:stats"))
    page = check_page(response)
    assert '<script id="stats-chart-data" type="application/json">' in response.content.decode()
    assert page.script_srcs[-2:] == ["/static/web/vendor/chart.umd.min.js", "/static/web/stats.js"]


def test_htmx_partials_and_error_pages_carry_the_header(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    partial = client.get(reverse("web:leads"), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "script-src 'self'" in partial[CSP]
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "script-src 'self'" in missing[CSP]


def test_an_inline_script_gets_the_requests_nonce(rf: RequestFactory) -> None:
    """What a template that needs an inline script writes: the nonce of the header."""
    template = engines["django"].from_string('<script nonce="{{ csp_nonce }}">go()</script>')
    request = rf.get("/")
    request.user = AnonymousUser()

    def view(request: HttpRequest) -> HttpResponse:
        return TemplateResponse(request, template, {}).render()

    response = ContentSecurityPolicyMiddleware(view)(request)
    page = check_page(response)
    assert len(page.inline_scripts) == 1


# --- The API documentation ---------------------------------------------------------------------


def test_the_api_docs_load_swagger_ui_from_leadcrews_own_static_files(client: Client) -> None:
    response = client.get("/api/v2/docs")
    page = check_page(response)
    html = response.content.decode()
    # No URL of another host at all: not a script, not a stylesheet, not an icon.
    assert not re.search(r"https?://", html)
    assert page.script_srcs == [
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ]
    assert page.stylesheets == ["/static/ninja/swagger-ui.css"]
    # Its settings are a data block (checked above as not run), read by swagger-ui-init.js.
    assert '<script type="application/json" id="swagger-settings">' in html
