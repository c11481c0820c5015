"""The lead object the database writes (leads/lead_json.py), value by value, against the forms
the rest of the API writes and Django's own filters."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.template.defaultfilters import linebreaksbr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.access.policy import live_leads_of
from leadcrew.contacts.models import Field, LeadFieldValue, ParentType
from leadcrew.core.api_types import format_datetime
from leadcrew.leads.models import Lead, LeadTag
from leadcrew.leads.selectors import lead_rows
from leadcrew.leads.tests.conftest import ApiAccount

pytestmark = pytest.mark.django_db

# Texts a database column holds: no NUL (PostgreSQL refuses it) nor lone surrogate.
STORED_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40
)
LINE_BREAKS_AND_MARKUP = st.text(alphabet=st.sampled_from("ab <>&\"'\r\n\té"), max_size=40)
INSTANTS = st.datetimes(
    min_value=datetime(1971, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds)
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
# Each example writes the same lead again.
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def lead(acme: ApiAccount) -> Lead:
    response = acme.key_client.post(
        "/api/v2/leads", {"title": "Deal", "description": ""}, content_type="application/json"
    )
    return Lead.objects.get(pk=response.json()["id"])


def written(lead: Lead) -> dict[str, Any]:
    (row,) = lead_rows(live_leads_of(lead.account_id).filter(pk=lead.pk))
    shown: dict[str, Any] = orjson.loads(row["lead_json"])
    return shown


@EXAMPLES
@given(text=LINE_BREAKS_AND_MARKUP | STORED_TEXT)
def test_html_description_is_the_text_escaped_with_br_for_each_line_break(
    lead: Lead, text: str
) -> None:
    # The reference's html_description, as Django's own linebreaksbr filter writes it.
    Lead.objects.filter(pk=lead.pk).update(description=text)
    shown = written(lead)
    assert shown["description"] == text
    assert shown["html_description"] == str(linebreaksbr(text, autoescape=True))


@EXAMPLES
@given(instant=INSTANTS)
def test_instants_are_written_in_utc_with_their_milliseconds_cut(
    lead: Lead, instant: datetime
) -> None:
    Lead.objects.filter(pk=lead.pk).update(
        created_at=instant, closed_at=instant, next_action_at=instant + timedelta(hours=1)
    )
    shown = written(lead)
    assert shown["created_at"] == shown["closed_at"] == format_datetime(instant)
    assert shown["next_action_at"] == format_datetime(instant + timedelta(hours=1))


def test_every_value_is_written_in_the_apis_form(lead: Lead) -> None:
    account = lead.account
    budget = Field.objects.create(
        account=account, parent_type=ParentType.LEAD, key="budget", name="Budget", position=0
    )
    Field.objects.create(account=account, parent_type=ParentType.CLIENT, key="vat", name="VAT")
    LeadFieldValue.objects.create(account=account, lead=lead, field=budget, value="9k", match="9k")
    for name in ("zeta", "alpha"):
        LeadTag.objects.create(account=account, lead=lead, name=name)
    Lead.objects.filter(pk=lead.pk).update(
        amount=Decimal("1234.50"),
        probability=40,
        starred=True,
        remind_date="2031-03-04",
        remind_time=time(9, 5),
        estimated_closing_date="2031-04-01",
        created_from="",
    )
    shown = written(lead)
    assert shown["amount"] == 1234.5
    assert shown["probability"] == 40
    assert shown["starred"] is True
    assert shown["remind_date"] == "2031-03-04"
    assert shown["remind_time"] == "09:05"
    assert shown["estimated_closing_date"] == "2031-04-01"
    assert shown["created_from"] is None
    assert shown["attachment_count"] == 0
    assert shown["tags"] == ["alpha", "zeta"]
    # Every lead field of the account, in the fields' order, "" without a value; a client
    # folder's field is not one of them.
    lead_fields = Field.objects.filter(account=account, parent_type=ParentType.LEAD)
    in_order = lead_fields.order_by("position", "id").values_list("key", flat=True)
    assert list(shown["fields"].items()) == [
        (key, "9k" if key == "budget" else "") for key in in_order
    ]
    assert "vat" not in shown["fields"]


def test_a_lead_with_nothing_set_has_nulls_and_empty_lists(lead: Lead) -> None:
    shown = written(lead)
    assert shown["amount"] == 0 and shown["starred"] is False
    assert shown["remind_date"] is None and shown["remind_time"] is None
    assert shown["closed_at"] is None and shown["next_action_at"] is None
    assert shown["tags"] == [] and set(shown["fields"].values()) == {""}
    assert shown["user_id"] is None and shown["team_id"] is None and shown["team_name"] is None


def test_a_list_is_the_array_of_the_objects_written(acme: ApiAccount, lead: Lead) -> None:
    body = acme.key_client.get("/api/v2/leads?include_unassigned=true").json()
    assert body == [written(lead)]
