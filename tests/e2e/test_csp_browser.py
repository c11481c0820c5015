"""The Content-Security-Policy in a real browser: htmx, Chart.js and the API docs' Swagger UI run
under it without one violation, and no page asks another host for anything."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from leadcrew.testing.browser import chart_drawn, settled
from leadcrew.testing.cast import CAST_PASSWORD, Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the first script on, before the page's own.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def page(context: Any, live_server: Any) -> Any:
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.outside = []  # requests to any other host than the live server's
    page.console_violations = []
    own = urlsplit(live_server.url).netloc

    def on_request(request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in {"http", "https"} and url.netloc != own:
            page.outside.append(request.url)

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            page.console_violations.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    return page


def violations(page: Any) -> list[str]:
    recorded: list[str] = page.evaluate("window.cspViolations")
    return [*recorded, *page.console_violations]


def test_pages_and_api_docs_run_under_the_policy(page: Any, acme: Cast) -> None:
    page.goto("/login")
    page.get_by_label(re.compile("E-mail")).fill(acme.admin.email)
    page.get_by_label(re.compile("Password")).fill(CAST_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/leads$"))
    assert page.evaluate("typeof htmx") == "object"

    # htmx at work: the search swaps the list in.
    page.get_by_role("searchbox", name="Search", exact=True).fill("north")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=north"))
    settled(page)
    assert violations(page) == []

    for path in ("/pipeline", "/todo", "/settings/api-keys", "/settings/users"):
        page.goto(path)
        settled(page)
        assert violations(page) == [], path

    # Chart.js draws the chart.
    page.goto("/stats")
    chart_drawn(page)
    assert page.evaluate("Object.keys(Chart.instances).length") > 0
    assert violations(page) == []

    # Swagger UI renders the API's operations from the same origin. The OpenAPI document is
    # built on first request (a second or more on a busy machine), hence the longer wait.
    page.goto("/api/v2/docs")
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert "leadcrew API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations(page) == []

    assert page.outside == []
