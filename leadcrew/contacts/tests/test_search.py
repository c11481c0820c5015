"""GET /leads filters on contact data: field_key/field_value, email, and the `q` search,
through the access policy (a lead the caller may not see is found by nothing)."""

from typing import Any

import pytest

from leadcrew.accounts.models import Account, Privacy
from leadcrew.contacts.models import ClientFolder
from leadcrew.testing.api_world import Api, World, as_user, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> World:
    return make_world("Acme", "admin@acme.test")


def new_lead(api: Api, title: str, **body: Any) -> int:
    response = api.post("/leads", {"title": title, "description": "", **body})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def titles(api: Api, **params: Any) -> list[str]:
    response = api.get("/leads", **params)
    assert response.status_code == 200, response.content
    assert int(response["X-TOTAL-COUNT"]) == len(response.json())
    return sorted(lead["title"] for lead in response.json())


def test_field_key_filter_is_exact_and_ignores_case_and_accents(acme: World) -> None:
    new_lead(acme.key, "Sara", fields={"email": "Sara@Novak.test", "last_name": "Novák"})
    new_lead(acme.key, "Other", fields={"email": "sara@novak.test.org"})
    new_lead(acme.key, "None")
    assert titles(acme.key, field_key="email", field_value="sara@novak.test") == ["Sara"]
    assert titles(acme.key, field_key="Email", field_value="SARA@NOVAK.TEST") == ["Sara"]
    assert titles(acme.key, field_key="last_name", field_value="novak") == ["Sara"]
    assert titles(acme.key, field_key="email", field_value="sara@") == []


def test_field_key_filter_reads_values_as_their_type_stores_them(acme: World) -> None:
    acme.key.post("/fields", {"name": "Seats", "type": "number"})
    new_lead(acme.key, "Twelve", fields={"seats": "12.0"})
    assert titles(acme.key, field_key="seats", field_value="12") == ["Twelve"]


def test_a_field_filter_that_cannot_filter_says_so(acme: World) -> None:
    new_lead(acme.key, "Sara", fields={"email": "sara@novak.test"})
    unknown = acme.key.get("/leads", field_key="nickname", field_value="x")
    assert unknown.status_code == 422 and unknown.json()["field"] == "field_key"
    alone = acme.key.get("/leads", field_value="sara@novak.test")
    assert alone.status_code == 422 and alone.json()["field"] == "field_key"
    no_value = acme.key.get("/leads", field_key="email")
    assert no_value.status_code == 422 and no_value.json()["field"] == "field_value"


def test_email_finds_e_mail_fields_and_descriptions(acme: World) -> None:
    new_lead(acme.key, "Field", fields={"email": "sara@novak.test"})
    new_lead(acme.key, "Text", description="Write to sara@novak.test")
    new_lead(acme.key, "Neither", fields={"email": "tom@novak.test"})
    assert titles(acme.key, email="SARA@novak.test") == ["Field", "Text"]


def test_q_finds_every_place_whatever_the_accents_and_case(acme: World) -> None:
    ids = {
        "by title": new_lead(acme.key, "Café Novák"),
        "by description": new_lead(acme.key, "D", description="Rencontrée à la foire"),
        "by email": new_lead(acme.key, "E", fields={"email": "elodie@dupont.test"}),
        "by phone": new_lead(acme.key, "P", fields={"phone": "01 23 45 67 89"}),
        "by company": new_lead(acme.key, "C", fields={"company": "Société Générale"}),
    }
    commented = new_lead(acme.key, "Commented")
    acme.key.post(f"/leads/{commented}/comments", {"content": "Élodie préfère le thé"})
    folder = ClientFolder.objects.create(account=acme.account, name="Ørsted Énergie")
    foldered = new_lead(acme.key, "Foldered")
    from leadcrew.leads.models import Lead

    Lead.objects.filter(pk=foldered).update(client_folder=folder)
    assert titles(acme.key, q="cafe novak") == ["Café Novák"]
    assert titles(acme.key, q="RENCONTREE") == ["D"]
    assert titles(acme.key, q="elodie@dupont.test") == ["E"]
    assert titles(acme.key, q="0123456789") == ["P"]
    assert titles(acme.key, q="01 23 45") == ["P"]
    assert titles(acme.key, q="societe generale") == ["C"]
    assert titles(acme.key, q="the prefere") == ["Commented"]
    assert titles(acme.key, q="energie") == ["Foldered"]
    assert titles(acme.key, q="elodie") == ["Commented", "E"]
    assert titles(acme.key, q="elodie the") == ["Commented"]  # every word, anywhere
    assert titles(acme.key, q="nowhere") == []
    assert len(ids) == 5


def test_a_word_found_in_many_leads_narrows_by_its_subquery_with_the_same_answer(
    acme: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for title in ("Harbour north", "Harbour south", "Harbour east", "Inland"):
        new_lead(acme.key, title)
    read_first = titles(acme.key, q="harbour")
    monkeypatch.setattr("leadcrew.contacts.search.MATCHES_READ_FIRST", 2)
    assert titles(acme.key, q="harbour") == read_first
    assert sorted(read_first) == ["Harbour east", "Harbour north", "Harbour south"]


def test_q_lists_leads_named_after_the_words_first(acme: World) -> None:
    new_lead(acme.key, "Renewal", description="Novak asked for a renewal")
    new_lead(acme.key, "Novak renewal")
    new_lead(acme.key, "Zeta", fields={"last_name": "Novak"})
    listed = [lead["title"] for lead in acme.key.get("/leads", q="novak renewal").json()]
    assert listed == ["Novak renewal", "Renewal"]
    by_id = [lead["title"] for lead in acme.key.get("/leads", q="novak", order="id").json()]
    assert by_id == ["Zeta", "Novak renewal", "Renewal"]


def test_q_without_words_filters_nothing(acme: World) -> None:
    new_lead(acme.key, "One")
    assert titles(acme.key, q="  ...  ") == ["One"]
    assert acme.key.get("/leads", q="'\"):*&|!\\%_").status_code == 200


def test_no_filter_or_search_reveals_a_lead_the_caller_may_not_see(acme: World) -> None:
    Account.objects.filter(pk=acme.account.pk).update(privacy=Privacy.ADMINS_ONLY)
    sam, kim = acme.user("sam@acme.test"), acme.user("kim@acme.test")
    new_lead(acme.key, "Sam's", user_id=sam.pk, fields={"email": "sara@novak.test"})
    hidden = new_lead(acme.key, "Kim's secret", user_id=kim.pk, fields={"email": "sara@novak.test"})
    acme.key.post(f"/leads/{hidden}/comments", {"content": "Sara Novak"})
    rival = make_world("Rival", "admin@rival.test")
    new_lead(rival.key, "Rival's", fields={"email": "sara@novak.test"})
    as_sam = as_user(sam)
    assert titles(as_sam, field_key="email", field_value="sara@novak.test") == ["Sam's"]
    assert titles(as_sam, email="sara@novak.test") == ["Sam's"]
    assert titles(as_sam, q="sara") == ["Sam's"]
    assert titles(as_sam, q="secret") == []
    assert titles(acme.key, q="sara") == ["Kim's secret", "Sam's"]
