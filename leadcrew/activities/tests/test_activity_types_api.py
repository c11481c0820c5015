"""GET /activities and the admins' writes of activity types; default types of new accounts."""

import pytest

from leadcrew.activities.models import ActivityType
from leadcrew.testing.api_world import World, as_user, error_type

pytestmark = pytest.mark.django_db


def test_a_new_account_starts_with_call_email_meeting_and_note(acme: World) -> None:
    response = acme.key.get("/activities")
    assert response.status_code == 200
    body = response.json()
    assert [row["name"] for row in body] == ["Call", "E-mail", "Meeting", "Note"]
    assert [row["kind"] for row in body] == ["call", "email", "meeting", "note"]
    assert [row["position"] for row in body] == [0, 1, 2, 3]
    assert set(body[0]) == {
        "id", "name", "kind", "icon", "color", "is_disabled", "parent_id", "position",
        "created_at", "updated_at",
    }  # fmt: skip
    assert response["X-TOTAL-COUNT"] == "4"


def test_every_user_reads_the_types_and_only_admins_write_them(acme: World) -> None:
    member = acme.user("member@acme.test")
    assert as_user(member).get("/activities").status_code == 200
    refused = as_user(member).post("/activities", {"name": "Visit"})
    assert refused.status_code == 401 and error_type(refused) == "unauthorized_non_admin"
    assert not ActivityType.objects.filter(account=acme.account, name="Visit").exists()


def test_admins_add_rename_move_and_disable_a_type(acme: World) -> None:
    created = acme.key.post("/activities", {"name": "Visit", "kind": "meeting", "position": 0})
    assert created.status_code == 201, created.content
    visit = created.json()
    names = [row["name"] for row in acme.key.get("/activities").json()]
    assert names == ["Visit", "Call", "E-mail", "Meeting", "Note"]
    moved = acme.key.put(f"/activities/{visit['id']}", {"name": "Site visit", "position": 9})
    assert moved.status_code == 200 and moved.json()["name"] == "Site visit"
    assert moved.json()["position"] == 4
    disabled = acme.key.put(f"/activities/{visit['id']}", {"is_disabled": True})
    assert disabled.json()["is_disabled"] is True
    listed = acme.key.get("/activities").json()
    assert [row["position"] for row in listed] == [0, 1, 2, 3, 4]


def test_a_name_is_taken_once_and_a_color_is_checked(acme: World, rival: World) -> None:
    taken = acme.key.post("/activities", {"name": "call"})
    assert taken.status_code == 409 and error_type(taken) == "already_exist"
    bad = acme.key.post("/activities", {"name": "Visit", "color": "red"})
    assert bad.status_code == 422 and bad.json()["field"] == "color"
    theirs = rival.key.get("/activities").json()[0]["id"]
    assert acme.key.put(f"/activities/{theirs}", {"name": "Mine"}).status_code == 404
