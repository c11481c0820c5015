"""Where the reference API is lenient and its clients rely on it: date-times without a zone in
the account's zone, `direction` in any case, parameters in the query string of a write."""

import json

import pytest
from django.test import Client

from leadcrew.accounts.models import Account
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import BASE, World, error_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def paris(acme: World) -> World:
    Account.objects.filter(pk=acme.account.pk).update(time_zone="Europe/Paris")
    acme.account.refresh_from_db()
    return acme


def test_a_date_time_without_a_zone_is_read_in_the_accounts_zone(paris: World) -> None:
    created = paris.key.post(
        "/leads",
        {"title": "Old", "description": "", "user_id": paris.admin.pk,
         "created_at": "2014-02-28 17:37:33"},
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    # Paris is UTC+1 in February.
    assert created.json()["created_at"] == "2014-02-28T16:37:33.000Z"
    explicit = paris.key.post(
        "/leads",
        {"title": "Utc", "description": "", "created_at": "2014-02-28T17:37:33.000Z"},
    )
    assert explicit.json()["created_at"] == "2014-02-28T17:37:33.000Z"
    updated = paris.key.put(f"/leads/{created.json()['id']}", {"created_at": "2014-07-01T08:00:00"})
    assert updated.json()["created_at"] == "2014-07-01T06:00:00.000Z"  # UTC+2 in summer


def test_updated_after_without_a_zone_is_read_in_the_accounts_zone(paris: World) -> None:
    lead = paris.lead("Edited")
    Lead.objects.filter(pk=lead.pk).update(updated_at="2026-01-10T10:30:00Z")
    # 11:00 in Paris is 10:00 UTC: the lead changed after it.
    assert len(paris.key.get("/leads", updated_after="2026-01-10 11:00:00").json()) == 1
    assert paris.key.get("/leads", updated_after="2026-01-10 11:31:00").json() == []
    assert len(paris.key.get("/leads", updated_after="2026-01-10T10:00:00Z").json()) == 1


def test_the_zone_of_one_account_never_leaks_into_another_request(
    paris: World, rival: World
) -> None:
    assert paris.key.get("/leads").status_code == 200
    created = rival.key.post(
        "/leads", {"title": "Utc", "description": "", "created_at": "2014-02-28 17:37:33"}
    )
    assert created.json()["created_at"] == "2014-02-28T17:37:33.000Z"


@pytest.mark.parametrize("direction", ["asc", "ASC", "Asc", " desc ", "DESC"])
def test_direction_takes_any_case(acme: World, direction: str) -> None:
    first, second = acme.lead("First"), acme.lead("Second")
    expected = [first.pk, second.pk]
    if direction.strip().lower() == "desc":
        expected.reverse()
    listed = acme.key.get("/leads", direction=direction)
    assert [row["id"] for row in listed.json()] == expected


@pytest.mark.parametrize("path", ["/leads", "/leads/unassigned", "/users", "/steps"])
def test_an_invalid_direction_is_a_bad_parameter_format(acme: World, path: str) -> None:
    response = acme.key.get(path, direction="sideways")
    assert response.status_code == 400
    assert error_type(response) == "bad_parameter_format"
    assert response.json()["field"] == "direction"


def test_a_query_choice_out_of_its_values_is_a_400_and_a_body_one_a_422(acme: World) -> None:
    assert acme.key.get("/leads", order="colour").status_code == 400
    assert acme.key.get("/users", role="boss").status_code == 400
    lead = acme.lead("L", owner=acme.admin)
    refused = acme.key.put(f"/leads/{lead.pk}", {"status": "sleeping"})
    assert refused.status_code == 422 and error_type(refused) == "invalid_parameter"


def test_a_missing_required_parameter_is_a_422(acme: World) -> None:
    response = acme.key.post("/leads", {"description": ""})
    assert response.status_code == 422 and error_type(response) == "missing_parameter"
    assert "title" in response.json()["message"]


def _send(method: str, path: str, key: str, body: object | None) -> object:
    client = Client(headers={"X-API-KEY": key})
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(BASE + path, data, content_type="application/json")


def test_write_parameters_may_come_in_the_query_string(acme: World) -> None:
    created = _send("post", "/leads?title=From+query&description=d", acme.api_key, None)
    assert created.status_code == 201  # type: ignore[attr-defined]
    lead_id = created.json()["id"]  # type: ignore[attr-defined]
    # Half in the query string, half in the body.
    updated = _send("put", f"/leads/{lead_id}?amount=12.5", acme.api_key, {"title": "Both"})
    body = updated.json()  # type: ignore[attr-defined]
    assert (body["title"], body["amount"]) == ("Both", 12.5)
    # The body wins over the query string.
    updated = _send("put", f"/leads/{lead_id}?title=Query", acme.api_key, {"title": "Body"})
    assert updated.json()["title"] == "Body"  # type: ignore[attr-defined]
    # The api_key parameter is a credential, never a field.
    client = Client()
    response = client.put(
        f"{BASE}/leads/{lead_id}?api_key={acme.api_key}&probability=40",
        json.dumps({"starred": True}),
        content_type="application/json",
    )
    assert (response.json()["probability"], response.json()["starred"]) == (40, True)
    deleted = _send("delete", f"/leads/delete_multiple?ids={lead_id}", acme.api_key, {})
    assert deleted.json() == {"ids": [lead_id]}  # type: ignore[attr-defined]


def test_a_query_string_never_turns_a_malformed_body_into_a_500(acme: World) -> None:
    lead = acme.lead("L")
    client = Client(headers={"X-API-KEY": acme.api_key})
    broken = client.put(f"{BASE}/leads/{lead.pk}?title=x", "{oops", content_type="application/json")
    assert broken.status_code == 400 and error_type(broken) == "bad_parameter_format"
    listed = client.put(f"{BASE}/leads/{lead.pk}?title=x", "[1]", content_type="application/json")
    assert listed.status_code < 500
