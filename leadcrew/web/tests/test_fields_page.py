"""Admin panel, fields: an admin adds, renames, flags, moves and deletes the account's fields,
each refusal shown next to the input it is about; nobody else changes anything."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.contacts.models import Field, LeadFieldValue
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
PAGE = "/settings/fields"


def lead_keys(cast: Cast) -> list[str]:
    fields = Field.objects.filter(account=cast.account, parent_type="lead")
    return list(fields.order_by("position", "id").values_list("key", flat=True))


def create(client: Client, **data: str) -> Any:
    return client.post(PAGE, {"action": "create", **{f"new-{k}": v for k, v in data.items()}})


def test_the_page_lists_both_kinds_and_is_in_the_admin_menu(login: Login, cast: Cast) -> None:
    page = login(cast.admin).get(PAGE).content.decode()
    assert 'href="/settings/fields" aria-current="page"' in page
    assert "Lead fields" in page and "Client-folder fields" in page
    assert "First name" in page and "<code>email</code>" in page


def test_an_admin_adds_a_choice_field_and_a_client_folder_field(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    answer = create(
        client,
        parent_type="lead",
        name="Budget tier",
        type="choice",
        choices="Gold\nSilver\n\n",
        is_key="on",
    )
    assert answer.status_code == 303
    tier = Field.objects.get(account=cast.account, key="budget_tier")
    assert (tier.type, tier.choices, tier.is_key) == ("choice", ["Gold", "Silver"], True)
    assert create(client, parent_type="client", name="Sector", type="text").status_code == 303
    assert Field.objects.get(account=cast.account, key="sector").parent_type == "client"


def test_a_refused_field_is_explained_next_to_its_input(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    before = Field.objects.count()
    no_choice = create(client, parent_type="lead", name="Tier", type="choice", choices="")
    page = no_choice.content.decode()
    assert no_choice.status_code == 200
    assert "A choice field needs at least one choice." in page
    colon = create(client, parent_type="lead", name="Who: me", type="text").content.decode()
    assert "cannot hold a colon" in colon
    taken = create(client, parent_type="lead", name="email", type="text").content.decode()
    assert "A field with this name already exists." in taken
    assert Field.objects.count() == before


def test_an_admin_renames_flags_and_moves_a_field(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    company = Field.objects.get(account=cast.account, key="company")
    prefix = f"field{company.pk}"
    renamed = client.post(
        PAGE, {"action": "edit", "id": company.pk, f"{prefix}-name": "Organisation"}
    )
    assert renamed.status_code == 303
    company.refresh_from_db()
    assert (company.name, company.key, company.is_key) == ("Organisation", "company", False)
    client.post(PAGE, {"action": "up", "id": company.pk})
    assert lead_keys(cast)[:5] == ["first_name", "last_name", "email", "company", "phone"]
    client.post(PAGE, {"action": "down", "id": company.pk})
    client.post(PAGE, {"action": "down", "id": company.pk})
    assert lead_keys(cast)[3:6] == ["phone", "address", "company"]
    clash = client.post(PAGE, {"action": "edit", "id": company.pk, f"{prefix}-name": "Phone"})
    assert "A field with this name already exists." in clash.content.decode()
    assert Field.objects.get(pk=company.pk).name == "Organisation"


def test_deleting_says_how_many_leads_lose_a_value(login: Login, cast: Cast) -> None:
    company = Field.objects.get(account=cast.account, key="company")
    for name in ("nils_solo", "mona_north"):
        lead_update(
            actor=cast.actor(cast.admin),
            lead_id=cast.leads[name].pk,
            data={"fields": {"company": "Novak"}},
        )
    client = login(cast.admin)
    confirm = client.get(PAGE, {"delete": company.pk}).content.decode()
    assert "2 leads hold a value of this field: they will be lost." in confirm
    assert client.post(PAGE, {"action": "delete", "id": company.pk}).status_code == 303
    assert not Field.objects.filter(pk=company.pk).exists()
    assert not LeadFieldValue.objects.filter(field_id=company.pk).exists()


def test_a_plain_user_gets_403_and_changes_nothing(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    company = Field.objects.get(account=cast.account, key="company")
    assert client.get(PAGE).status_code == 403
    assert create(client, parent_type="lead", name="Tier", type="text").status_code == 403
    assert client.post(PAGE, {"action": "delete", "id": company.pk}).status_code == 403
    assert Field.objects.filter(pk=company.pk).exists()
    assert "/settings/fields" not in client.get("/leads").content.decode()


def test_another_accounts_field_reads_as_missing(login: Login, cast: Cast) -> None:
    theirs = Field.objects.get(account=cast.rival.account, key="company")
    client = login(cast.admin)
    answer = client.post(PAGE, {"action": "delete", "id": theirs.pk}, follow=True)
    assert "not found" in answer.content.decode().lower()
    assert Field.objects.filter(pk=theirs.pk).exists()
    confirm = client.get(PAGE, {"delete": theirs.pk}).content.decode()
    assert 'id="confirm-delete"' not in confirm
