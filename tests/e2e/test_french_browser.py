"""The app in French, in a real browser at a desk (1280×800) and on a phone (390×844): the admin
role is "Administrateur" (not the menu's "Administration"), counts take their plural form
(1 opportunité, 2 opportunités) and French punctuation keeps its non-breaking space."""

import re
from typing import Any

import pytest

from leadcrew.accounts.models import User
from leadcrew.leads.models import Lead, Pipeline
from leadcrew.leads.services import lead_create
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
NBSP = "\u00a0"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_french_role_names_plurals_and_punctuation(context: Any, acme: Cast, viewport: str) -> None:
    User.objects.filter(account=acme.account).update(locale="fr")
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/login")
    page.get_by_role("button", name="Français").click()
    forgot = page.get_by_role("link", name=re.compile("Mot de passe oublié"))
    assert forgot.inner_text() == f"Mot de passe oublié{NBSP}?"

    log_in(page, acme.admin.email)
    page.goto("/settings/users")
    admin_row = page.locator("tr", has_text=acme.admin.email)
    assert "Administrateur" in admin_row.inner_text()

    pipeline = Pipeline.objects.get(account=acme.account, is_default=True)
    steps = list(pipeline.steps.order_by("position"))
    actor = acme.actor(acme.admin)
    Lead.objects.filter(account=acme.account).delete()
    lead_create(actor=actor, data={"title": "Seule", "step": steps[0].pk})
    for title in ("Une", "Deux"):
        lead_create(actor=actor, data={"title": title, "step": steps[1].pk})
    page.goto("/pipeline")
    totals = page.locator(".column-totals").all_inner_texts()
    assert totals[0].startswith("1 opportunité ·"), totals
    assert totals[1].startswith("2 opportunités ·"), totals
