"""Activities in a real browser, at a desk (1280×800) and on a phone (390×844): logging one on a
lead and filtering its timeline, then a manager's activity report on the statistics page and
its CSV."""

import re
from typing import Any

import pytest

from leadcrew.leads.services import comment_create
from leadcrew.testing.cast import CAST_PASSWORD, Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def log_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label(re.compile("E-mail")).fill(email)
    page.get_by_label(re.compile("Password|Mot de passe")).fill(CAST_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/leads$"))


def settled(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_log_an_activity_then_filter_the_timeline_to_activities(
    context: Any, acme: Cast, viewport: str
) -> None:
    lead = acme.leads.nils_solo
    comment_create(actor=acme.actor(acme.nils), lead_id=lead.pk, data={"content": "Plain note"})
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.nils.email)
    page.goto(f"/leads/{lead.pk}")
    comments = page.locator("#comments")
    comments.get_by_label("Call", exact=True).check()
    page.get_by_label("New comment").fill("Talked about the quote")
    comments.get_by_role("button", name="Save").click()
    settled(page)
    timeline = page.locator("#timeline")
    first = timeline.locator("li[data-kind]").first
    assert "Talked about the quote" in first.inner_text()
    assert first.locator(".badge.activity").inner_text() == "Call"
    assert "Plain note" in timeline.inner_text()

    # The filter swaps the timeline only: what is typed in the form stays.
    page.get_by_label("New comment").fill("Draft kept")
    filters = page.get_by_role("navigation", name="Show in the timeline")
    filters.get_by_role("link", name="Activities").click()
    settled(page)
    page.wait_for_url(re.compile(r"timeline=activities"))
    kinds = page.locator("#timeline li[data-kind]").evaluate_all(
        "(items) => items.map((item) => item.dataset.kind)"
    )
    assert kinds == ["activity"]
    assert page.get_by_label("New comment").input_value() == "Draft kept"
    assert filters.get_by_role("link", name="Activities").get_attribute("aria-current") == "true"
    region = page.get_by_role("region", name=re.compile("newest first"))
    region.focus()
    assert region.evaluate("(r) => r === document.activeElement")
    assert page.evaluate(SIDEWAYS) == 0

    # The same link without JavaScript: a page of its own.
    page.goto(f"/leads/{lead.pk}?timeline=comments")
    assert "Plain note" in page.locator("#timeline").inner_text()
    assert "Talked about the quote" not in page.locator("#timeline").inner_text()
