"""A few journeys through the web app in a real browser."""

import re
from typing import Any

import pytest

from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkAction
from leadcrew.leads.services import lead_create
from leadcrew.testing.browser import log_in, settled
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def test_admin_places_every_matching_lead_in_a_team_then_undoes_it(page: Any, acme: Cast) -> None:
    admin = acme.actor(acme.admin)
    for i in range(50):
        lead_create(actor=admin, data={"title": f"Campaign lead {i:02d}", "user_id": None})
    log_in(page, acme.admin.email)

    page.get_by_role("searchbox", name="Search", exact=True).fill("Campaign")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=Campaign"))
    settled(page)
    summary = page.locator("#lead-count")
    assert summary.inner_text().strip() == "50 leads"
    assert page.locator("[data-lead-checkbox]").count() == 50

    page.get_by_role("checkbox", name="Select every lead on this page").check()
    assert page.locator("[data-selected-count]").inner_text() == "50"
    page.get_by_role("radio", name=re.compile("all 50 matching leads")).check()
    page.get_by_label("Action", exact=True).select_option("place_in_team")
    team = page.get_by_label("Team", exact=True).last
    assert team.is_visible()
    assert not page.get_by_label("New owner").is_visible()
    team.select_option(label="South")
    page.get_by_role("button", name="Apply", exact=True).click()

    result = page.locator(".bulk-result")
    result.wait_for()
    assert "50 of 50 leads moved to the team" in result.inner_text()
    assert "q=Campaign" in page.url and "bulk=" in page.url
    bulk = BulkAction.objects.get()
    assert (bulk.action, bulk.changed) == ("place_in_team", 50)
    placed = page.locator("table.leads tbody tr", has_text="Campaign lead")
    assert placed.first.inner_text().count("South") == 1

    page.get_by_role("button", name="Undo").click()
    page.locator(".bulk-result.undone").wait_for()
    assert "Undone: 50 leads put back as they were" in page.locator(".bulk-result").inner_text()
    bulk.refresh_from_db()
    assert bulk.restored == 50
    assert "South" not in page.locator("table.leads tbody").inner_text()

    # And again: the same selection goes back into the team.
    page.get_by_role("checkbox", name="Select every lead on this page").check()
    page.get_by_role("radio", name=re.compile("all 50 matching leads")).check()
    page.get_by_label("Action", exact=True).select_option("place_in_team")
    page.get_by_label("Team", exact=True).last.select_option(label="South")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.locator(".bulk-result:not(.undone)").wait_for()
    assert "50 of 50 leads moved to the team" in page.locator(".bulk-result").inner_text()

    # South's manager now sees those leads (managers_only) and may change them.
    page.context.clear_cookies()
    log_in(page, acme.sam.email)
    page.get_by_role("searchbox", name="Search", exact=True).fill("Campaign lead 07")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=Campaign"))
    page.get_by_role("link", name="Campaign lead 07").click()
    title = page.get_by_label("Title")
    assert title.is_enabled()
    title.fill("Campaign lead 07 (called back)")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Title").input_value() == "Campaign lead 07 (called back)"


def test_a_member_sees_a_teammates_lead_only_when_shared_and_then_read_only(
    page: Any, acme: Cast
) -> None:
    teammate = acme.leads.nora_north
    log_in(page, acme.nils.email)
    assert teammate.title not in page.locator("table.leads").inner_text()
    response = page.goto(f"/leads/{teammate.pk}")
    assert response.status == 404
    assert page.get_by_role("heading", name="Nothing here").is_visible()

    acme.configure(team_privacy="team_shared")
    page.goto("/leads")
    page.get_by_role("link", name=teammate.title).click()
    page.wait_for_url(f"**/leads/{teammate.pk}")
    note = page.get_by_role("note")
    assert "you are in its team" in note.inner_text()
    assert "only its owner, the team's managers and admins can change it" in note.inner_text()
    assert page.get_by_label("Title").is_disabled()
    assert page.get_by_role("button", name="Save changes").count() == 0


def test_a_french_speaking_user_reads_the_app_in_french(page: Any, acme: Cast) -> None:
    User.objects.filter(pk=acme.nils.pk).update(locale="fr")
    lead_create(actor=acme.actor(acme.nils), data={"title": "Contrat Globex", "amount": 12500})
    log_in(page, acme.nils.email)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Opportunités").is_visible()
    nav = page.get_by_role("navigation", name="Principale")
    assert nav.get_by_role("link", name="À faire").is_visible()
    row = page.locator("table.leads tbody tr", has_text="Contrat Globex")
    assert "12\u202f500\u00a0€" in row.inner_text() or "12\u00a0500\u00a0€" in row.inner_text()
    page.get_by_role("link", name="À faire").click()
    page.get_by_role("heading", name="À faire").wait_for()
    page.goto("/pipeline")
    assert page.get_by_text("Opportunités ouvertes").is_visible()
