"""Importing a spreadsheet in a real browser, at a desk (1280×800) and on a phone (390×844): the
file uploaded, its French columns recognised, one column mapped by hand, the refused row named
with why, the import itself and its undo."""

import re
from decimal import Decimal
from typing import Any

import pytest

from leadcrew.leads.models import Lead
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Semicolons, French headers and amounts, the way a spreadsheet saved in Paris looks. "Couleur"
# means nothing to the importer: the user maps it to the description.
SPREADSHEET = (
    "Titre;Propriétaire;Équipe;Montant;Couleur\n"
    "Harbour refit;nils@acme.test;North;1 234,50;blue hull\n"
    "Ghost deal;nobody@acme.test;North;10;red\n"
).encode()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_admin_previews_maps_imports_and_undoes_a_spreadsheet(
    context: Any, acme: Cast, viewport: str
) -> None:
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.admin.email)
    page.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/leads/import$"))
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "prospects.csv", "mimeType": "text/csv", "buffer": SPREADSHEET}
    )
    page.get_by_role("button", name="Preview").click()

    # The columns as recognised: the French headers found their fields, "Couleur" did not.
    assert page.get_by_label("Titre").input_value() == "title"
    assert page.get_by_label("Propriétaire").input_value() == "user_id"
    assert page.get_by_label("Montant").input_value() == "amount"
    assert page.get_by_label("Couleur").input_value() == ""
    preview = page.locator("section").filter(has_text="3. Preview")
    assert "1 lead to create" in preview.inner_text()
    assert "1 row refused" in preview.inner_text()
    errors = page.locator("table").filter(has_text="Why")
    assert "nobody@acme.test" in errors.inner_text()
    assert page.evaluate(SIDEWAYS) == 0

    page.get_by_label("Couleur").select_option("description")
    page.get_by_role("button", name="Preview again").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Couleur").input_value() == "description"
    assert not Lead.objects.filter(title="Harbour refit").exists()  # a preview writes nothing

    page.get_by_role("button", name="Import", exact=True).click()
    done = page.get_by_role("status").filter(has_text="Import done")
    done.wait_for()
    assert "1 lead imported from prospects.csv" in done.inner_text()
    assert "1 row was not imported" in done.inner_text()
    lead = Lead.objects.get(account=acme.account, title="Harbour refit")
    assert lead.owner == acme.users.nils and lead.team == acme.north
    assert lead.amount == Decimal("1234.50")
    assert "blue hull" in lead.description
    assert page.evaluate(SIDEWAYS) == 0

    page.get_by_role("button", name="Undo this import").click()
    page.wait_for_url(re.compile(r"/leads\?.*bulk="))
    lead.refresh_from_db()
    assert lead.deleted_at is not None  # in the bin, where it can still be restored
