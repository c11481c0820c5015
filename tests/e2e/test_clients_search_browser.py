"""Client folders and the header's search box in a real browser: typing finds a lead by a
contact's e-mail and by a word of a comment written with accents; `/` goes to the box; the
results are links the keyboard reaches; a folder opens from the list; all of it on a phone too,
without scrolling sideways."""

import re
from typing import Any

import pytest

from leadcrew.contacts.models import ClientFolder
from leadcrew.leads.services import comment_create, lead_update
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def _novak(acme: Cast) -> ClientFolder:
    """Nils's lead in the Novak folder, with Sara's e-mail and a comment in French."""
    admin = acme.actor(acme.admin)
    novak = ClientFolder.objects.create(account=acme.account, name="Novak & Co")
    lead = acme.leads.nils_solo
    lead_update(
        actor=admin,
        lead_id=lead.pk,
        data={"client_folder_id": novak.pk, "fields": {"email": "sara@novak.test"}},
    )
    comment_create(actor=admin, lead_id=lead.pk, data={"content": "Réunion prévue à Genève"})
    lead_update(actor=admin, lead_id=acme.leads.sam_south.pk, data={"client_folder_id": novak.pk})
    return novak


def _results(page: Any) -> Any:
    return page.locator("#topsearch-results")


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_typing_in_the_header_finds_a_lead_by_e_mail_and_by_an_accented_comment_word(
    page: Any, acme: Cast, viewport: dict[str, int]
) -> None:
    _novak(acme)
    page.set_viewport_size(viewport)
    log_in(page, acme.nils.email)
    page.goto("/todo")
    page.locator("main h1").click()
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Search leads, client folders and people")
    assert page.evaluate("document.activeElement.id") == "topsearch-q"

    box.press_sequentially("sara@novak")
    found = _results(page).get_by_role("link", name=re.compile("Acme nils_solo"))
    found.wait_for()
    assert "Acme sam_south" not in _results(page).inner_text()  # in the folder, not Nils's
    assert page.evaluate(SIDEWAYS) == 0

    box.fill("")
    box.press_sequentially("geneve")
    _results(page).get_by_role("link", name=re.compile("Acme nils_solo")).wait_for()
    # The keyboard walks into the results and opens one.
    box.press("ArrowDown")
    assert "Acme nils_solo" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/leads/{acme.leads.nils_solo.pk}$"))

    # Enter in the box opens the full page of the same groups.
    box = page.get_by_role("searchbox", name="Search leads, client folders and people")
    box.fill("Réunion")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=R"))
    main = page.locator("main")
    assert "Acme nils_solo" in main.inner_text()
    assert page.evaluate(SIDEWAYS) == 0


def test_escape_closes_the_results(page: Any, acme: Cast) -> None:
    _novak(acme)
    log_in(page, acme.nils.email)
    box = page.get_by_role("searchbox", name="Search leads, client folders and people")
    box.press_sequentially("novak")
    _results(page).get_by_role("link", name="Novak & Co").wait_for()
    box.press("Escape")
    assert _results(page).inner_html().strip() == ""
    assert page.evaluate("document.activeElement.id") == "topsearch-q"


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_a_client_folder_opens_from_the_list_with_only_the_leads_one_may_see(
    page: Any, acme: Cast, viewport: dict[str, int]
) -> None:
    novak = _novak(acme)
    page.set_viewport_size(viewport)
    log_in(page, acme.nils.email)
    if viewport == PHONE:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.wait_for_url(re.compile(r"/clients$"))
    assert page.evaluate(SIDEWAYS) == 0
    page.get_by_role("link", name="Novak & Co").click()
    page.wait_for_url(re.compile(rf"/clients/{novak.pk}$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Novak & Co"
    leads = page.locator("table.folder-leads tbody")
    assert "Acme nils_solo" in leads.inner_text()
    assert "Acme sam_south" not in leads.inner_text()
    assert page.evaluate(SIDEWAYS) == 0

    # Renaming it from its page.
    page.get_by_text("Rename or edit").click()
    page.get_by_label("Name", exact=True).fill("Novak Group")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(rf"/clients/{novak.pk}$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Novak Group"
    assert "Changes saved." in page.locator("main").inner_text()
