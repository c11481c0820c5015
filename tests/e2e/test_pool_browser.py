"""The unassigned pool in a real browser, at a desk (1280×800) and on a phone (390×844): filtered
by team and words, sorted by its column headings, and dispatched several at once through the lead
list's bulk actions (the access policy picks who may be given them; an undo puts them back)."""

import re
from decimal import Decimal
from typing import Any

import pytest

from leadcrew.leads.models import Lead
from leadcrew.leads.services import lead_create
from leadcrew.testing.browser import log_in, settled
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def pool_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#pool td.title").all_inner_texts()]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_pool_filters_sorts_and_dispatches_several_leads(
    context: Any, acme: Cast, viewport: str
) -> None:
    admin = acme.actor(acme.admin)
    for title, amount in (("Harbour 1", 300), ("Harbour 2", 100), ("Harbour 3", 200)):
        lead_create(
            actor=admin,
            data={
                "title": title,
                "amount": Decimal(amount),
                "user_id": None,
                "team_id": acme.north.pk,
            },
        )
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.admin.email)
    page.goto("/unassigned")
    page.get_by_role("searchbox", name="Search", exact=True).fill("Harbour")
    page.get_by_label("Team", exact=True).select_option(label="North")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=Harbour"))
    settled(page)
    assert sorted(pool_titles(page)) == ["Harbour 1", "Harbour 2", "Harbour 3"]
    assert page.evaluate(SIDEWAYS) == 0

    if viewport == "desk":  # the column headings sort
        amount = page.locator("#pool th").filter(has_text="Amount").get_by_role("link")
        amount.click()
        page.wait_for_url(re.compile(r"order=amount"))
        assert pool_titles(page) == ["Harbour 1", "Harbour 3", "Harbour 2"]  # largest first
        page.locator("#pool th").filter(has_text="Amount").get_by_role("link").click()
        page.wait_for_url(re.compile(r"direction=asc"))
    else:  # a phone shows cards without headings: the sort menus do it
        page.get_by_label("Sort by").select_option("amount")
        page.get_by_label("Order", exact=True).select_option("asc")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"direction=asc"))
        settled(page)
    page.locator("#pool td.title").first.filter(has_text="Harbour 2").wait_for()
    assert pool_titles(page) == ["Harbour 2", "Harbour 3", "Harbour 1"]
    assert "team=" in page.url and "q=Harbour" in page.url  # sorting keeps the filters

    page.get_by_role("link", name="Dispatch several at once").click()
    page.wait_for_url(re.compile(r"/leads\?.*owner=none"))
    settled(page)
    assert page.locator("[data-lead-checkbox]").count() == 3
    for box in page.locator("[data-lead-checkbox]").all():
        box.check()
    page.get_by_label("Action", exact=True).select_option("assign")
    new_owner = page.get_by_label("New owner")
    nils = f"{acme.nils.full_name} ({acme.nils.email})"
    new_owner.press_sequentially(acme.nils.first_name[:3])  # the list fills as one types
    page.locator(f'#assign-people option[value="{nils}"]').wait_for(state="attached")
    new_owner.fill(nils)
    page.get_by_role("button", name="Apply", exact=True).click()
    page.locator(".bulk-result").wait_for()
    harbour = Lead.objects.filter(title__startswith="Harbour")
    assert set(harbour.values_list("owner_id", flat=True)) == {acme.nils.pk}

    page.get_by_role("button", name="Undo").click()
    page.locator(".bulk-result.undone").wait_for()
    assert set(harbour.values_list("owner_id", flat=True)) == {None}
    page.goto("/unassigned?q=Harbour")
    assert len(pool_titles(page)) == 3


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_pool_lead_is_sent_to_a_team_from_its_row(
    context: Any, acme: Cast, viewport: str
) -> None:
    lead = lead_create(actor=acme.actor(acme.admin), data={"title": "Drifter", "user_id": None})
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.admin.email)
    page.goto("/unassigned?q=Drifter")
    menu = page.get_by_label("Send “Drifter” to the team")
    assert sorted(menu.locator("option").all_inner_texts()[1:]) == ["North", "South"]
    menu.select_option(label="South")
    page.locator("tr", has_text="Drifter").get_by_role("button", name="Send").click()
    page.get_by_text("Team changed.").wait_for()
    assert page.evaluate(SIDEWAYS) == 0
    lead.refresh_from_db()
    assert lead.team_id == acme.south.pk and lead.owner_id is None
