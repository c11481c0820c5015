"""The lead list and the account's fields: columns chosen per user (remembered in the session),
a filter "field = value" with the API's meaning, and the fields in the CSV export; the values
of a page read in one query, and only of leads the reader may see."""

import csv
import io
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadcrew.accounts.models import User
from leadcrew.contacts.services import field_create
from leadcrew.contacts.values import FieldInput
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


@pytest.fixture
def valued(cast: Cast) -> Cast:
    """Companies and a tier on a few leads: Nils sees nils_solo and nils_north, not sam_south."""
    admin = cast.actor(cast.admin)
    field_create(actor=admin, name="Tier", type="choice", choices=["Gold", "Silver"])
    values: dict[str, dict[str, FieldInput]] = {
        "nils_solo": {"company": "Novák SA", "tier": "Gold"},
        "nils_north": {"company": "Bolt", "tier": "Silver"},
        "sam_south": {"company": "Novak SA", "tier": "Gold"},
    }
    for name, fields in values.items():
        lead_update(actor=admin, lead_id=cast.leads[name].pk, data={"fields": fields})
    return cast


def test_chosen_columns_are_remembered_and_show_the_values(login: Login, valued: Cast) -> None:
    client = login(valued.nils)
    page = client.get("/leads").content.decode()
    assert 'name="columns" value="company"' in page
    assert '<th scope="col">Company</th>' not in page
    answer = client.post(
        "/leads/columns", {"columns": ["tier", "company", "nope"], "next": "/leads?q=n"}
    )
    assert answer.status_code == 303 and answer["Location"] == "/leads?q=n"
    page = client.get("/leads").content.decode()
    assert '<th scope="col">Company</th><th scope="col">Tier</th>' in page
    assert '<td data-label="Company">Novák SA</td>' in page
    assert '<td data-label="Tier">Silver</td>' in page
    assert "Novak SA" not in page  # Sam's lead, which Nils may not see
    client.post("/leads/columns", {"next": "https://elsewhere.test/"})
    assert '<th scope="col">Company</th>' not in client.get("/leads").content.decode()


def test_the_columns_cost_one_query_whatever_the_page(login: Login, valued: Cast) -> None:
    client = login(valued.admin)
    with CaptureQueriesContext(connection) as plain:
        client.get("/leads")
    client.post("/leads/columns", {"columns": ["company", "tier", "email"]})
    with CaptureQueriesContext(connection) as with_columns:
        client.get("/leads")
    # One query more for the values of the whole page (and the session's own write is none).
    assert len(with_columns) == len(plain) + 1


def test_the_field_filter_means_what_the_api_means(login: Login, valued: Cast) -> None:
    client = login(valued.nils)
    page = client.get("/leads", {"field_key": "company", "field_value": "novak sa"})
    titles = [lead.title for lead in page.context["page"].leads]
    assert titles == [valued.leads.nils_solo.title]
    api = client.get(
        "/api/v2/leads",
        {"field_key": "company", "field_value": "novak sa"},
        headers=valued.headers(valued.nils),
    )
    assert [lead["title"] for lead in api.json()] == titles
    by_choice = client.get("/leads", {"field_key": "tier", "field_value": "silver"})
    assert [lead.title for lead in by_choice.context["page"].leads] == [
        valued.leads.nils_north.title
    ]
    # A key without a value is no filter, and an unknown key is refused by the form.
    every = client.get("/leads", {"field_key": "company"}).context["count"]
    assert every == client.get("/leads").context["count"]
    unknown = client.get("/leads", {"field_key": "nope", "field_value": "x"})
    assert unknown.status_code == 200


def test_the_csv_export_has_the_field_columns(login: Login, valued: Cast) -> None:
    client = login(valued.nils)
    response = client.post(
        "/leads/export",
        {"scope": "selected", "ids": [valued.leads.nils_solo.pk, valued.leads.sam_south.pk]},
    )
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(row["title"], row["Company"], row["Tier"]) for row in rows] == [
        (valued.leads.nils_solo.title, "Novák SA", "Gold")
    ]
    assert "First name" in rows[0] and rows[0]["Email"] == ""


def test_the_rows_show_markup_typed_in_a_lead_as_text(login: Login, cast: Cast) -> None:
    """The list's rows are written in Python: every value typed by someone (title, tags,
    owner's and team's names, a field's value) is escaped there as a template would."""
    admin = cast.actor(cast.admin)
    lead = cast.leads.nils_north
    markup = '<img src=x onerror="alert(1)">'
    lead_update(
        actor=admin,
        lead_id=lead.pk,
        data={"title": f"Deal {markup}", "tags": "a<b", "fields": {"company": markup}},
    )
    User.objects.filter(pk=cast.nils.pk).update(first_name="Nils", last_name=markup)
    cast.north.name = f"North {markup}"
    cast.north.save()
    client = login(cast.admin)
    client.post("/leads/columns", {"columns": ["company"]})
    page = client.get("/leads", {"q": "Deal"}).content.decode()
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert "<img" not in page.split("<tbody>")[1]
    assert f">Deal {escaped}</a>" in page
    assert '<span class="tag">a&lt;b</span>' in page
    assert f'<td data-label="Owner">Nils {escaped}</td>' in page
    assert f'<td data-label="Team">North {escaped}</td>' in page
    assert f'<td data-label="Company">{escaped}</td>' in page
