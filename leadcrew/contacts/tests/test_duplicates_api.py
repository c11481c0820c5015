"""GET /leads/{id}/duplicates: the leads that share a key field value or the title, among those
the caller may see only."""

import pytest

from leadcrew.accounts.models import Account, Privacy
from leadcrew.testing.api_world import Api, World, as_user, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> World:
    return make_world("Acme", "admin@acme.test")


def new_lead(api: Api, title: str, **body: object) -> int:
    response = api.post("/leads", {"title": title, "description": "", **body})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def titles(api: Api, lead_id: int) -> list[str]:
    response = api.get(f"/leads/{lead_id}/duplicates")
    assert response.status_code == 200, response.content
    assert int(response["X-TOTAL-COUNT"]) == len(response.json())
    return [lead["title"] for lead in response.json()]


def test_duplicates_share_a_key_field_or_the_title(acme: World) -> None:
    lead = new_lead(
        acme.key, "Novak renewal", fields={"email": "sara@novak.test", "phone": "+33 1 23"}
    )
    new_lead(acme.key, "Other deal", fields={"email": "SARA@novak.test"})
    new_lead(acme.key, "Third deal", fields={"phone": "+33 1 23"})
    new_lead(acme.key, "NOVAK Renewal")
    new_lead(acme.key, "Unrelated", fields={"first_name": "Sara", "email": "tom@novak.test"})
    assert titles(acme.key, lead) == ["NOVAK Renewal", "Third deal", "Other deal"]


def test_a_lead_without_twins_has_none(acme: World) -> None:
    lead = new_lead(acme.key, "Alone")
    new_lead(acme.key, "Someone else")
    assert titles(acme.key, lead) == []


def test_duplicates_never_reveal_a_lead_the_caller_may_not_see(acme: World) -> None:
    Account.objects.filter(pk=acme.account.pk).update(privacy=Privacy.ADMINS_ONLY)
    sam, kim = acme.user("sam@acme.test"), acme.user("kim@acme.test")
    sams = new_lead(acme.key, "Deal", user_id=sam.pk, fields={"email": "sara@novak.test"})
    kims = new_lead(acme.key, "Deal", user_id=kim.pk, fields={"email": "sara@novak.test"})
    rival = make_world("Rival", "admin@rival.test")
    new_lead(rival.key, "Deal", fields={"email": "sara@novak.test"})
    assert titles(as_user(sam), sams) == []
    assert as_user(sam).get(f"/leads/{kims}/duplicates").status_code == 404
    assert titles(acme.key, sams) == ["Deal"]
