"""The new lead form of an account of many people, in a real browser: the owner is typed, and
the people offered as one types are those the lead may go to in the team chosen on the form."""

import re
from typing import Any

import pytest

from leadcrew.leads.models import Lead
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast
from leadcrew.web.forms import person_option
from leadcrew.web.views import lead as lead_views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offered(page: Any) -> set[str]:
    values = page.locator("#new-owner-people option").evaluate_all(
        "(options) => options.map((option) => option.value)"
    )
    return set(values)


def test_a_manager_types_the_owner_among_those_the_team_chosen_allows(
    context: Any, acme: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lead_views, "OWNER_MENU_MAX", 3)
    acme.configure(teams=True, assignment="admins_only", team_assignment="managers")
    page = context.new_page()
    log_in(page, acme.mona.email)
    page.goto("/leads/new")
    owner = page.get_by_label("Owner", exact=True)
    assert owner.input_value() == person_option(acme.mona)

    # Outside teams only admins give leads: Mona is offered herself alone.
    owner.fill("")
    mona_offered = f'#new-owner-people option[value="{person_option(acme.mona)}"]'
    page.locator(mona_offered).wait_for(state="attached")
    assert offered(page) == {person_option(acme.mona)}

    # In North, which she manages, its members are offered: Nora among them.
    page.get_by_label("Team", exact=True).select_option(label="North")
    owner.fill("")
    owner.press_sequentially("nora")
    nora_offered = f'#new-owner-people option[value="{person_option(acme.nora)}"]'
    page.locator(nora_offered).wait_for(state="attached")
    assert offered(page) == {person_option(acme.nora)}

    page.get_by_label("Title", exact=True).fill("Typed owner")
    owner.fill(person_option(acme.nora))
    page.get_by_role("button", name="Create the lead").click()
    page.wait_for_url(re.compile(r"/leads/\d+$"))
    lead = Lead.objects.get(title="Typed owner")
    assert (lead.owner_id, lead.team_id) == (acme.nora.pk, acme.north.pk)
