"""GET /leads/{id}/action_histories in the reference's shape: action_type, action_item, user."""

import pytest

from leadcrew.testing.api_world import World, as_user

pytestmark = pytest.mark.django_db


def test_history_rows_carry_the_reference_keys_and_who_acted(acme: World) -> None:
    created = acme.key.post("/leads", {"title": "L", "description": ""}).json()
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee")
    acme.key.post(f"/leads/{created['id']}/assign", {"user_id": ann.pk})
    acme.key.put(f"/leads/{created['id']}", {"status": "won"})
    response = acme.key.get(f"/leads/{created['id']}/action_histories")
    assert response["X-TOTAL-COUNT"] == str(len(response.json()))
    rows = response.json()
    types = [row["action_type"] for row in rows]
    assert types[0] == "status_changed" and types[-1] == "creation"
    assert "assigned" in types
    status = rows[0]
    assert status["action_item"] == {"old_value": "todo", "new_value": "won"}
    assert (status["action"], status["old_value"], status["new_value"]) == ("status", "todo", "won")
    assert status["user"] is None and status["user_id"] is None  # an API key acted
    oldest_first = acme.key.get(f"/leads/{created['id']}/action_histories", direction="ASC")
    assert [row["id"] for row in oldest_first.json()] == [row["id"] for row in reversed(rows)]


def test_a_users_change_names_them(acme: World) -> None:
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee", is_admin=True)
    lead = as_user(ann).post("/leads", {"title": "L", "description": ""}).json()
    as_user(ann).post(f"/leads/{lead['id']}/assign", {"user_id": None})
    rows = acme.key.get(f"/leads/{lead['id']}/action_histories").json()
    assert rows[0]["action_type"] == "unassigned"
    assert rows[0]["user"] == {
        "id": ann.pk, "firstname": "Ann", "lastname": "Lee", "email": "ann@acme.test"
    }  # fmt: skip
