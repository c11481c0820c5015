"""Fields through the API: the account's definitions, and the values of leads, `fields` and
the description convention both ways."""

from typing import Any

import pytest

from leadcrew.contacts.models import Field, LeadFieldValue
from leadcrew.testing.api_world import Api, World, as_user, error_type, make_world

pytestmark = pytest.mark.django_db

DEFAULT_KEYS = ["first_name", "last_name", "email", "phone", "company", "address", "web"]


@pytest.fixture
def acme() -> World:
    return make_world("Acme", "admin@acme.test")


def new_lead(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("/leads", {"title": "Novak", "description": "", **body})
    assert response.status_code == 201, response.content
    lead: dict[str, Any] = response.json()
    return lead


def test_a_new_account_has_the_default_lead_fields(acme: World) -> None:
    fields = acme.key.get("/fields").json()
    assert [f["key"] for f in fields] == DEFAULT_KEYS
    assert [f["name"] for f in fields][:3] == ["First name", "Last name", "Email"]
    assert {f["key"]: f["type"] for f in fields}["email"] == "email"
    assert all(f["parent_type"] == "lead" for f in fields)
    assert {f["key"] for f in fields if f["is_key"]} == {"email", "phone"}


def test_an_admin_adds_renames_moves_and_deletes_a_field(acme: World) -> None:
    created = acme.key.post(
        "/fields",
        {
            "name": "Budget tier",
            "type": "choice",
            "choices": ["Gold", "Silver"],
            "is_duplicate": True,
        },
    )
    assert created.status_code == 201, created.content
    field = created.json()
    assert (field["key"], field["type"], field["is_key"]) == ("budget_tier", "choice", True)
    assert field["position"] == len(DEFAULT_KEYS)
    renamed = acme.key.put(f"/fields/{field['id']}", {"name": "Tier", "position": 0}).json()
    assert renamed["name"] == "Tier" and renamed["key"] == "budget_tier"
    assert acme.key.get("/fields").json()[0]["key"] == "budget_tier"
    same_name = acme.key.post("/fields", {"name": "tier"})
    assert same_name.status_code == 409 and same_name.json()["id"] == field["id"]
    assert acme.key.delete(f"/fields/{field['id']}").json() == {"id": field["id"]}
    assert acme.key.get(f"/fields/{field['id']}").status_code == 404


def test_deleting_a_field_erases_its_values_and_is_logged(acme: World) -> None:
    field = acme.key.post("/fields", {"name": "Budget"}).json()
    new_lead(acme.key, fields={"budget": "10k"})
    new_lead(acme.key, fields={"budget": "20k"})
    assert acme.key.delete(f"/fields/{field['id']}").status_code == 200
    assert not LeadFieldValue.objects.filter(field_id=field["id"]).exists()
    logged = acme.key.get("/sensitive_actions").json()[0]
    assert logged["action"] == "field_deleted" and logged["count"] == 2
    assert logged["details"]["name"] == "Budget"


def test_fields_are_ordered_by_reorder(acme: World) -> None:
    ids = [f["id"] for f in acme.key.get("/fields").json()]
    reordered = acme.key.post("/fields/reorder", {"ids": [ids[2], ids[0]]}).json()
    assert [f["id"] for f in reordered] == [ids[2], ids[0], ids[1], *ids[3:]]


def test_only_admins_change_fields_and_everyone_reads_them(acme: World) -> None:
    user = as_user(acme.user("sam@acme.test"))
    field_id = acme.key.get("/fields").json()[0]["id"]
    assert user.get("/fields").status_code == 200
    for response in (
        user.post("/fields", {"name": "Secret"}),
        user.put(f"/fields/{field_id}", {"name": "Renamed"}),
        user.delete(f"/fields/{field_id}"),
        user.post("/fields/reorder", {"ids": [field_id]}),
    ):
        assert response.status_code == 401 and error_type(response) == "unauthorized_non_admin"
    assert Field.objects.filter(account=acme.account, name="Secret").count() == 0
    assert Field.objects.get(pk=field_id).name == "First name"


def test_a_field_of_another_account_does_not_exist(acme: World) -> None:
    rival = make_world("Rival", "admin@rival.test")
    theirs = rival.key.get("/fields").json()[0]["id"]
    assert acme.key.get(f"/fields/{theirs}").status_code == 404
    assert acme.key.put(f"/fields/{theirs}", {"name": "Mine"}).status_code == 404
    assert acme.key.delete(f"/fields/{theirs}").status_code == 404
    assert Field.objects.get(pk=theirs).name == "First name"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": ""}, "name", None),
        ({"name": "Has: colon"}, "name", "field_name_colon"),
        ({"name": "Kind", "type": "colour"}, "type", None),
        ({"name": "Kind", "type": "choice"}, "choices", "choices_required"),
        ({"name": "Kind", "type": "choice", "choices": ["a,b"]}, "choices", "choice_comma"),
    ],
)
def test_a_bad_field_definition_is_a_422_naming_its_parameter(
    acme: World, body: dict[str, Any], field: str, code: str | None
) -> None:
    response = acme.key.post("/fields", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    if code:
        assert response.json()["code"] == code


# --- Values on leads ------------------------------------------------------------------------


def test_fields_written_by_key_are_read_back_everywhere(acme: World) -> None:
    lead = new_lead(
        acme.key,
        description="Met at the fair.",
        fields={"first_name": "Sara", "last_name": "Novák", "email": "sara@novak.test"},
    )
    assert lead["fields"]["first_name"] == "Sara"
    assert lead["fields"]["phone"] == ""  # every field of the account, empty when unset
    assert lead["extended_info"]["fields"] == lead["fields"]
    assert lead["extended_info"]["fields_by_name"]["Last name"] == "Novák"
    assert lead["contact_email"] == lead["first_contact_email"] == "sara@novak.test"
    assert lead["all_contact_emails"] == ["sara@novak.test"]
    assert lead["description"] == (
        "First name: Sara\nLast name: Novák\nEmail: sara@novak.test\n---\nMet at the fair."
    )
    listed = acme.key.get("/leads").json()[0]
    assert listed["fields"]["last_name"] == "Novák"


def test_a_description_header_sets_the_fields_and_is_kept_verbatim(acme: World) -> None:
    text = "First name: Sara\nLast name: Novak\nPhone: \nEmail: sara@novak.test\n---\nHello"
    lead = new_lead(acme.key, description=text)
    assert lead["description"] == text
    assert lead["fields"] | {} == {
        **dict.fromkeys(DEFAULT_KEYS, ""),
        "first_name": "Sara",
        "last_name": "Novak",
        "email": "sara@novak.test",
    }
    # A description without a header holds no field: the fields lived in the old one.
    updated = acme.key.put(f"/leads/{lead['id']}", {"description": "Just text"}).json()
    assert updated["description"] == "Just text" and updated["contact_email"] is None
    assert not LeadFieldValue.objects.filter(lead_id=lead["id"]).exists()


def test_fields_on_update_change_only_the_named_ones_and_keep_the_free_text(acme: World) -> None:
    lead = new_lead(acme.key, description="Free text", fields={"first_name": "Sara"})
    updated = acme.key.put(
        f"/leads/{lead['id']}", {"fields": {"Email": "s@novak.test", "first_name": None}}
    ).json()
    assert updated["fields"]["first_name"] == "" and updated["fields"]["email"] == "s@novak.test"
    assert updated["description"] == "Email: s@novak.test\n---\nFree text"


def test_append_desc_adds_to_the_free_text(acme: World) -> None:
    lead = new_lead(acme.key, description="First", fields={"phone": "+33 1 23 45 67 89"})
    updated = acme.key.put(f"/leads/{lead['id']}", {"append_desc": "Second"}).json()
    assert updated["description"] == "Phone: +33 1 23 45 67 89\n---\nFirst\nSecond"
    assert updated["fields"]["phone"] == "+33 1 23 45 67 89"


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"email": "not-an-email"}, "fields.email"),
        ({"phone": "call me"}, "fields.phone"),
        ({"web": "not a url"}, "fields.web"),
        ({"first_name": "two\nlines"}, "fields.first_name"),
        ({"nickname": "Sa"}, "fields.nickname"),
    ],
)
def test_a_bad_value_is_a_422_naming_the_field_and_changes_nothing(
    acme: World, fields: dict[str, str], name: str
) -> None:
    lead = new_lead(acme.key, description="Kept", fields={"first_name": "Sara"})
    response = acme.key.put(f"/leads/{lead['id']}", {"fields": fields, "title": "Changed"})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == name
    again = acme.key.get(f"/leads/{lead['id']}").json()
    assert again["title"] == "Novak" and again["description"] == lead["description"]
    created = acme.key.post("/leads", {"title": "New", "description": "", "fields": fields})
    assert created.status_code == 422 and created.json()["field"] == name


def test_every_type_is_checked_through_the_api(acme: World) -> None:
    for name, kind, extra in (
        ("Seats", "number", {}),
        ("Renewal", "date", {}),
        ("Tier", "choice", {"choices": ["Gold", "Silver"]}),
        ("Products", "multiple_choice", {"choices": ["CRM", "Mail"]}),
    ):
        assert acme.key.post("/fields", {"name": name, "type": kind, **extra}).status_code == 201
    lead = new_lead(
        acme.key,
        fields={"seats": 12, "renewal": "2027-01-31", "tier": "gold", "products": ["mail", "CRM"]},
    )
    assert {key: lead["fields"][key] for key in ("seats", "renewal", "tier", "products")} == {
        "seats": "12",
        "renewal": "2027-01-31",
        "tier": "Gold",
        "products": "Mail, CRM",
    }
    for bad in ({"seats": "many"}, {"renewal": "31/01/2027"}, {"tier": "Bronze"}):
        response = acme.key.put(f"/leads/{lead['id']}", {"fields": bad})
        assert (
            response.status_code == 422 and response.json()["field"] == f"fields.{next(iter(bad))}"
        )
    assert acme.key.put(f"/leads/{lead['id']}", {"fields": {"seats": True}}).status_code == 400


def test_a_duplicated_lead_keeps_its_fields(acme: World) -> None:
    lead = new_lead(
        acme.key, description="x", fields={"company": "Novak & Co"}, user_id=acme.admin.pk
    )
    copy = acme.key.post(f"/leads/{lead['id']}/duplicate_lead").json()
    assert copy["fields"]["company"] == "Novak & Co"


def test_the_migration_gives_existing_accounts_the_default_fields_once(acme: World) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("leadcrew.contacts.migrations.0002_default_fields")
    Field.objects.filter(account=acme.account, key__in=["web", "phone"]).delete()
    migration.add_default_fields(apps, None)
    migration.add_default_fields(apps, None)
    keys = Field.objects.filter(account=acme.account).values_list("key", flat=True)
    assert sorted(keys) == sorted(DEFAULT_KEYS)
