"""Dates and amounts as the account's country writes them, in a real browser at a desk
(1280×800) and on a phone (390×844): an English reader of a Paris account reads 05/12/2026, not
12/05/2026, types dates in that order whatever the browser's language, and the history of an
amount shows money (€52,000 → €55,000), not 52000.00."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from leadcrew.accounts.models import Account
from leadcrew.leads.models import Lead, Status
from leadcrew.leads.services import lead_create, lead_update
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize(
    ("zone", "written"), [("Europe/Paris", "31/01/2026"), ("America/New_York", "01/31/2026")]
)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_dates_follow_the_accounts_country_and_amounts_read_as_money(
    context: Any, acme: Cast, viewport: str, zone: str, written: str
) -> None:
    Account.objects.filter(pk=acme.account.pk).update(time_zone=zone, currency="EUR")
    admin = acme.actor(acme.admin)
    lead = lead_create(
        actor=admin, data={"title": "Dated lead", "amount": Decimal("52000.00"), "currency": "EUR"}
    )
    lead_update(actor=admin, lead_id=lead.pk, data={"amount": Decimal("55000")})
    noon = timezone.make_aware(
        timezone.datetime(2026, 1, 31, 12, 0), timezone.get_fixed_timezone(0)
    )
    Lead.objects.filter(pk=lead.pk).update(updated_at=noon)

    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.admin.email)
    page.goto("/leads?q=Dated")
    row = page.locator("tr", has_text="Dated lead")
    assert written in row.inner_text()
    page.goto(f"/leads/{lead.pk}")
    change = page.locator(".change-body", has_text="Amount changed")
    text = re.sub(r"\s+", " ", change.inner_text())
    assert "€52,000" in text and "€55,000" in text, text
    assert "52000.00" not in page.content()


@pytest.mark.parametrize(
    ("zone", "shown", "typed"),
    [
        ("Europe/Paris", "31/01/2026", "15/02/2026"),
        ("America/New_York", "01/31/2026", "02/15/2026"),
    ],
)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_reminder_date_is_typed_as_the_account_writes_dates(
    context: Any, acme: Cast, viewport: str, zone: str, shown: str, typed: str
) -> None:
    """The browser here reads English (United States): a native date input would show and
    take MM/DD/YYYY, even for a Paris account."""
    Account.objects.filter(pk=acme.account.pk).update(time_zone=zone)
    admin = acme.actor(acme.admin)
    lead = lead_create(
        actor=admin,
        data={"title": "Call back", "status": Status.STANDBY, "remind_date": date(2026, 1, 31)},
    )
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, acme.admin.email)
    page.goto(f"/leads/{lead.pk}")
    reminder = page.get_by_label("Back on (standby)")
    assert reminder.input_value() == shown
    reminder.fill(typed)
    page.get_by_role("button", name="Change status").click()
    page.wait_for_load_state()
    lead.refresh_from_db()
    assert lead.remind_date == date(2026, 2, 15)
    assert page.get_by_label("Back on (standby)").input_value() == typed
