"""The bell in a real browser, at a desk and on a phone: a lead assigned by someone else shows
in the header's count, the list links to the lead, opening it marks it read."""

import re
from typing import Any

import pytest

from leadcrew.events.tests.test_webhooks import run_worker
from leadcrew.leads.services import lead_update
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_bell_tells_of_a_lead_assigned_and_leads_to_it(
    browser: Any, live_server: Any, acme: Cast, viewport: str
) -> None:
    lead = acme.leads.pool_north
    lead_update(actor=acme.actor(acme.mona), lead_id=lead.pk, data={"user_id": acme.nils.pk})
    run_worker()
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, acme.nils.email)

    bell = page.get_by_role("link", name="Notifications, 1 unread")
    assert bell.is_visible()
    box = bell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]
    bell.click()
    page.wait_for_url(re.compile(r"/notifications$"))
    assert page.get_by_role("heading", name="Notifications").is_visible()
    sideways = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0
    page.get_by_role("link", name=re.compile(f"assigned you the lead “{lead.title}”")).click()
    page.wait_for_url(re.compile(rf"/leads/{lead.pk}$"))
    assert page.get_by_role("link", name="Notifications, none unread").is_visible()
    context.close()


def test_mark_all_as_read(context: Any, acme: Cast) -> None:
    for lead in (acme.leads.pool, acme.leads.pool_north):
        lead_update(actor=acme.actor(acme.admin), lead_id=lead.pk, data={"user_id": acme.nils.pk})
    run_worker()
    page = context.new_page()
    log_in(page, acme.nils.email)
    page.get_by_role("link", name="Notifications, 2 unread").click()
    page.get_by_role("button", name="Mark all as read").click()
    page.locator(".message.success").wait_for()
    assert page.get_by_role("link", name="Notifications, none unread").is_visible()
    assert page.get_by_role("button", name="Mark all as read").count() == 0
