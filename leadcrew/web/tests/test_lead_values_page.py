"""A lead's field values on the pages: one input per field, by its type, on the new-lead form
and in the lead page's "Edit fields"; every value checked by the service the API uses, each
refusal next to its input, and nothing saved unless everything is right."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.contacts.selectors import lead_values_by_key
from leadcrew.contacts.services import field_create
from leadcrew.leads.models import Lead, Status, Step
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


@pytest.fixture
def typed(cast: Cast) -> Cast:
    """Acme with a field of each type the default ones lack."""
    admin = cast.actor(cast.admin)
    field_create(actor=admin, name="Budget", type="number")
    field_create(actor=admin, name="Met on", type="date")
    field_create(actor=admin, name="Tier", type="choice", choices=["Gold", "Silver"])
    field_create(actor=admin, name="Interests", type="multiple_choice", choices=["CRM", "API"])
    return cast


def new_lead(cast: Cast, **fields: Any) -> dict[str, Any]:
    step = Step.objects.filter(account=cast.account, pipeline__is_default=True)
    data: dict[str, Any] = {
        "title": "Novak",
        "amount": "0",
        "currency": "EUR",
        "probability": "0",
        "status": Status.TODO,
        "step": step.order_by("position")[0].pk,
        "user_id": cast.nils.pk,
    }
    data.update({f"fields-{key}": value for key, value in fields.items()})
    return data


def test_each_type_gets_its_input(login: Login, typed: Cast) -> None:
    page = login(typed.nils).get("/leads/new").content.decode()
    assert 'type="email" name="fields-email"' in page
    assert 'type="tel" name="fields-phone"' in page
    assert 'type="url" name="fields-web"' in page
    assert 'type="number" name="fields-budget"' in page
    assert 'type="text" name="fields-met_on"' in page
    assert '<select name="fields-tier"' in page and '<option value="Gold">Gold</option>' in page
    assert 'type="checkbox" name="fields-interests" value="CRM"' in page
    assert 'type="text" name="fields-first_name"' in page


def test_a_new_lead_takes_its_values_as_the_api_stores_them(login: Login, typed: Cast) -> None:
    client = login(typed.nils)
    answer = client.post(
        "/leads/new",
        new_lead(
            typed,
            email="sara@novak.test",
            phone="+33 1 23 45 67 89",
            budget="1200.50",
            met_on="2026-11-02",
            tier="gold",
            interests=["API", "CRM"],
        ),
    )
    assert answer.status_code == 303
    lead = Lead.objects.get(account=typed.account, title="Novak")
    assert lead_values_by_key(lead.pk) == {
        "email": "sara@novak.test",
        "phone": "+33 1 23 45 67 89",
        "budget": "1200.5",
        "met_on": "2026-11-02",
        "tier": "Gold",
        "interests": "API, CRM",
    }
    assert lead.description.startswith("Email: sara@novak.test\n")


def test_every_wrong_value_is_told_next_to_its_input_and_nothing_is_created(
    login: Login, typed: Cast
) -> None:
    client = login(typed.nils)
    page = client.post(
        "/leads/new",
        new_lead(
            typed,
            email="not-an-address",
            phone="call me",
            web="http://",
            budget="12,5",
            met_on="31/11/2026",
            tier="Bronze",
            interests=["CRM", "Fax"],
            first_name="Sara",
        ),
    )
    assert page.status_code == 200
    errors = {key: list(value) for key, value in page.context["values_form"].errors.items()}
    assert errors == {
        "email": ["Not a valid e-mail address."],
        "phone": ["Not a valid phone number."],
        "web": ["Not a valid web address."],
        "budget": ["Not a valid number."],
        "met_on": ["Enter a valid date."],
        "tier": ["Must be one of Gold, Silver."],
        "interests": ["Must be one of CRM, API."],
    }
    assert 'value="Sara"' in page.content.decode()
    assert not Lead.objects.filter(account=typed.account, title="Novak").exists()


def test_edit_fields_saves_all_the_values_or_none(login: Login, typed: Cast) -> None:
    lead = typed.leads.nils_solo
    client = login(typed.nils)
    page = client.get(f"/leads/{lead.pk}").content.decode()
    assert "Edit fields" in page and f'action="/leads/{lead.pk}/fields"' in page
    url = f"/leads/{lead.pk}/fields"
    saved = client.post(url, {"fields-email": "sara@novak.test", "fields-tier": "Silver"})
    assert saved.status_code == 303
    assert lead_values_by_key(lead.pk) == {"email": "sara@novak.test", "tier": "Silver"}
    refused = client.post(url, {"fields-email": "sara@other.test", "fields-budget": "lots"})
    assert refused.status_code == 200
    assert refused.context["values_form"].errors.get_json_data() == {
        "budget": [{"message": "Not a valid number.", "code": ""}]
    }
    assert '<details class="edit-fields" id="edit-fields" open>' in refused.content.decode()
    assert lead_values_by_key(lead.pk) == {"email": "sara@novak.test", "tier": "Silver"}
    cleared = client.post(url, {"fields-email": "", "fields-tier": "Silver"})
    assert cleared.status_code == 303
    assert lead_values_by_key(lead.pk) == {"tier": "Silver"}


def test_who_may_not_edit_the_lead_changes_no_value(login: Login, typed: Cast) -> None:
    typed.configure(team_privacy="team_shared")
    lead = typed.leads.nora_north
    lead_update(
        actor=typed.actor(typed.nora), lead_id=lead.pk, data={"fields": {"email": "n@x.test"}}
    )
    client = login(typed.nils)
    page = client.get(f"/leads/{lead.pk}").content.decode()
    assert "Edit fields" not in page
    refused = client.post(f"/leads/{lead.pk}/fields", {"fields-email": "taken@over.test"})
    assert refused.status_code == 403
    assert lead_values_by_key(lead.pk) == {"email": "n@x.test"}
    hidden = typed.leads.sam_south
    missing = client.post(f"/leads/{hidden.pk}/fields", {"fields-email": "a@b.test"})
    assert missing.status_code == 404
    assert lead_values_by_key(hidden.pk) == {}
