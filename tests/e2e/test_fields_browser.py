"""Custom fields end to end, at a desk and on a phone: an admin adds a field, fills it on a new
lead while the form warns of a likely duplicate, then finds the lead by the field in the list
(a column and a filter)."""

import re
from typing import Any

import pytest

from leadcrew.leads.services import lead_update
from leadcrew.testing.browser import log_in, settled
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_field_from_the_admin_panel_to_the_lead_list(
    context: Any, acme: Cast, viewport: str
) -> None:
    known = acme.leads.nils_solo
    lead_update(
        actor=acme.actor(acme.admin),
        lead_id=known.pk,
        data={"fields": {"email": "sara@novak.test"}},
    )
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.admin.email)

    page.goto("/settings/fields")
    page.locator("#id_new-name").fill("Budget tier")
    page.locator("#id_new-type").select_option(label="Single choice")
    page.locator("#id_new-choices").fill("Gold\nSilver")
    page.get_by_role("button", name="Add the field").click()
    page.get_by_text("Field “Budget tier” added.").wait_for()
    assert page.locator("#fields-lead").get_by_text("budget_tier").is_visible()

    page.goto("/leads/new")
    page.locator("#id_title").fill("Novak renewal")
    page.locator("#id_fields-email").press_sequentially("sara@novak.test")
    warning = page.locator("#duplicates")
    warning.get_by_text("Possible duplicates").wait_for()
    assert warning.get_by_role("link", name=known.title).is_visible()
    page.locator("#id_fields-budget_tier").select_option("Gold")
    page.get_by_role("button", name="Create the lead").click()
    page.wait_for_url(re.compile(r"/leads/\d+$"))
    facts = page.locator(".contact-card dl.facts")
    assert facts.locator("dd", has_text="Gold").is_visible()
    assert facts.get_by_role("link", name="sara@novak.test").is_visible()

    page.goto("/leads")
    page.get_by_text("Columns", exact=True).click()
    page.get_by_label("Budget tier").check()
    page.get_by_role("button", name="Show these columns").click()
    page.wait_for_url(re.compile(r"/leads$"))
    assert page.locator('td[data-label="Budget tier"]', has_text="Gold").count() == 1

    more = page.locator("details.more-filters")
    if more.get_attribute("open") is None:
        more.locator("summary").click()
    page.locator("#id_field_key").select_option(label="Budget tier")
    page.locator("#id_field_value").fill("gold")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"field_value=gold"))
    settled(page)
    titles = page.locator("table.leads td.title a")
    assert titles.count() == 1
    assert titles.first.inner_text() == "Novak renewal"
    sideways = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0
