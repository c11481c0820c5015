"""The new-lead form's "Possible duplicates": as the title or a key field is typed, the leads
it would likely duplicate, among those the writer may see only; the lead can be created all
the same."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.leads.models import Lead, Status, Step
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
URL = "/leads/new/duplicates"


@pytest.fixture
def known(cast: Cast) -> Cast:
    """Sara Novak's e-mail on Nils's own lead, and on Sam's, which Nils may not see."""
    admin = cast.actor(cast.admin)
    for name in ("nils_solo", "sam_south"):
        lead_update(
            actor=admin,
            lead_id=cast.leads[name].pk,
            data={"fields": {"email": "sara@novak.test", "phone": "+33 1 23 45 67 89"}},
        )
    lead_update(
        actor=cast.rival.actor(cast.rival.admin),
        lead_id=cast.rival.leads.rob_solo.pk,
        data={"fields": {"email": "sara@novak.test"}},
    )
    return cast


def linked(page: str) -> set[int]:
    return {int(part.split('"')[0]) for part in page.split('href="/leads/')[1:]}


def test_the_form_asks_as_the_title_and_key_fields_are_typed(login: Login, known: Cast) -> None:
    page = login(known.nils).get("/leads/new").content.decode()
    assert page.count('hx-get="/leads/new/duplicates"') == 3  # title, e-mail, phone
    assert 'id="duplicates"' in page


def test_a_key_value_finds_the_visible_leads_only(login: Login, known: Cast) -> None:
    client = login(known.nils)
    answer = client.get(URL, {"title": "Brand new deal", "fields-email": "SARA@novak.test"})
    page = answer.content.decode()
    assert "Possible duplicates" in page
    assert linked(page) == {known.leads.nils_solo.pk}
    assert known.leads.sam_south.title not in page
    assert known.rival.leads.rob_solo.title not in page
    assert "1 lead you can see looks like this one." in page
    by_phone = client.get(URL, {"fields-phone": "+33 1 23 45 67 89"}).content.decode()
    assert linked(by_phone) == {known.leads.nils_solo.pk}


def test_the_title_finds_a_lead_whatever_the_case(login: Login, known: Cast) -> None:
    lead = known.leads.nils_north
    answer = login(known.nils).get(URL, {"title": lead.title.upper()})
    assert linked(answer.content.decode()) == {lead.pk}


def test_nothing_typed_or_nothing_alike_shows_nothing(login: Login, known: Cast) -> None:
    client = login(known.nils)
    for query in ({}, {"title": "  "}, {"fields-email": "sara@"}, {"title": "Nothing alike"}):
        page = client.get(URL, query).content.decode()
        assert "Possible duplicates" not in page, query
        assert 'id="duplicates"' in page


def test_an_admin_is_warned_of_every_lead_of_the_account(login: Login, known: Cast) -> None:
    page = login(known.admin).get(URL, {"fields-email": "sara@novak.test"}).content.decode()
    assert linked(page) == {known.leads.nils_solo.pk, known.leads.sam_south.pk}


def test_a_likely_duplicate_is_still_created(login: Login, known: Cast) -> None:
    step = Step.objects.filter(account=known.account, pipeline__is_default=True)
    answer = login(known.nils).post(
        "/leads/new",
        {
            "title": "Novak again",
            "amount": "0",
            "currency": "EUR",
            "probability": "0",
            "status": Status.TODO,
            "step": step.order_by("position")[0].pk,
            "user_id": known.nils.pk,
            "fields-email": "sara@novak.test",
        },
    )
    assert answer.status_code == 303
    assert Lead.objects.filter(account=known.account, title="Novak again").exists()


def test_logged_out_gets_the_login_page(client: Client) -> None:
    assert client.get(URL, {"title": "x"}).status_code == 302
