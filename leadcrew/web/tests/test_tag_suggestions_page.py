"""Tags on the lead forms: suggested from the account's vocabulary only (never from tags read
off leads, which may belong to leads the reader may not see), and a won lead missing a tag of
a required category refused with the category named, next to the tags."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.contacts.vocabulary import category_create, predefined_tag_create
from leadcrew.leads.models import Lead, Status, Step
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


@pytest.fixture
def sourced(cast: Cast) -> Cast:
    """Acme's vocabulary: a required category Source (Fair, Web) and a loose VIP; a tag on a
    lead Nils may not see, and one in Rival's vocabulary."""
    admin = cast.actor(cast.admin)
    source = category_create(actor=admin, name="Source", is_required=True)
    predefined_tag_create(actor=admin, name="Fair", category=source.pk)
    predefined_tag_create(actor=admin, name="Web", category=source.pk)
    predefined_tag_create(actor=admin, name="VIP")
    lead_update(actor=admin, lead_id=cast.leads.sam_south.pk, data={"tags": ["secret-merger"]})
    predefined_tag_create(actor=cast.rival.actor(cast.rival.admin), name="RivalOnly")
    return cast


def datalist(page: str) -> list[str]:
    start = page.index('<datalist id="tag-suggestions">')
    end = page.index("</datalist>", start)
    return [part.split('"')[0] for part in page[start:end].split('<option value="')[1:]]


def test_the_forms_suggest_the_vocabulary_only(login: Login, sourced: Cast) -> None:
    client = login(sourced.nils)
    for url in ("/leads/new", f"/leads/{sourced.leads.nils_solo.pk}"):
        page = client.get(url).content.decode()
        assert datalist(page) == ["Fair", "Web", "VIP"], url
        assert 'list="tag-suggestions"' in page
        assert "secret-merger" not in page and "RivalOnly" not in page


def test_without_a_vocabulary_nothing_is_suggested(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get("/leads/new").content.decode()
    assert "<datalist" not in page and 'list="tag-suggestions"' not in page


def won_lead(cast: Cast, tags: str) -> dict[str, object]:
    step = Step.objects.filter(account=cast.account, pipeline__is_default=True)
    return {
        "title": "Novak",
        "amount": "100",
        "currency": "EUR",
        "probability": "100",
        "status": Status.WON,
        "step": step.order_by("position")[0].pk,
        "user_id": cast.nils.pk,
        "tags": tags,
    }


def test_a_won_lead_needs_a_tag_of_each_required_category(login: Login, sourced: Cast) -> None:
    client = login(sourced.nils)
    refused = client.post("/leads/new", won_lead(sourced, "VIP"))
    assert refused.status_code == 200
    assert refused.context["form"].errors["tags"] == [
        "A won lead needs a tag of the category Source."
    ]
    assert not Lead.objects.filter(account=sourced.account, title="Novak").exists()
    assert client.post("/leads/new", won_lead(sourced, "VIP, fair")).status_code == 303
    assert Lead.objects.get(account=sourced.account, title="Novak").status == Status.WON


def test_the_quick_status_change_names_the_missing_category(login: Login, sourced: Cast) -> None:
    lead = sourced.leads.nils_solo
    client = login(sourced.nils)
    page = client.post(f"/leads/{lead.pk}/status", {"status": Status.WON}, follow=True)
    assert "A won lead needs a tag of the category Source." in page.content.decode()
    lead.refresh_from_db()
    assert lead.status != Status.WON
