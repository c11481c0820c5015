"""Activities in a real browser, at a desk (1280×800) and on a phone (390×844): logging one on a
lead and filtering its timeline, then a manager's activity report on the statistics page and
its CSV."""

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from leadcrew.activities.models import ActivityType
from leadcrew.leads.services import comment_create
from leadcrew.testing.browser import chart_drawn, log_in, settled
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


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


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_manager_opens_the_activities_tab_and_downloads_the_csv(
    context: Any, acme: Cast, viewport: str
) -> None:
    call = ActivityType.objects.get(account=acme.account, name="Call")
    for who, lead in ((acme.nils, acme.leads.nils_north), (acme.sam, acme.leads.sam_south)):
        comment_create(
            actor=acme.actor(who),
            lead_id=lead.pk,
            data={"content": "Called", "activity_id": call.pk},
        )
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.mona.email)
    page.goto("/stats")
    page.get_by_role("navigation", name="Kinds of statistics").get_by_role(
        "link", name="Activities"
    ).click()
    page.wait_for_url(re.compile(r"/stats/activities"))
    page.get_by_label("Group by").select_option("member")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"group_by=member"))
    chart_drawn(page)
    table = page.locator("#figures")
    # Mona manages North: Nils's call counts, Sam's (South) does not.
    assert "Nils" in table.inner_text() and "Sam" not in table.inner_text()
    assert page.evaluate(SIDEWAYS) == 0

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = download.value.path()
    rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["key", "label", "activities"]
    assert len(rows) == 3 and rows[1][1].startswith("Nils")
    assert rows[-1][:3] == ["total", "Total", "1"]
    assert download.value.suggested_filename.startswith("activities-")
