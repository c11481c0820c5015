"""The reference API's user profile (phone, mobile_phone, job_title, time_zone, has_activated,
avatar_url), the owner's numbers in the lead's show form, and a key revoking itself."""

import pytest
from django.test import Client

from leadcrew.accounts.models import Account, User
from leadcrew.testing.api_world import BASE, World, as_user, error_type

pytestmark = pytest.mark.django_db

PROFILE = {
    "phone": "+33 1 23 45 67 89",
    "mobile_phone": "+33 6 12 34 56 78",
    "job_title": "Sales lead",
    "time_zone": "Europe/Paris",
    "avatar_url": "https://cdn.acme.test/ann.png",
}


def test_users_carry_the_reference_profile(acme: World) -> None:
    Account.objects.filter(pk=acme.account.pk).update(time_zone="America/New_York")
    created = acme.key.post(
        "/users", {"firstname": "Ann", "lastname": "Lee", "email": "ann@acme.test", **PROFILE}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in PROFILE} == PROFILE
    # Created without a password: the user cannot log in yet.
    assert body["has_activated"] is False
    assert acme.key.get(f"/users/{body['id']}").json()["job_title"] == "Sales lead"
    cleared = acme.key.put(f"/users/{body['id']}", {"time_zone": "", "phone": ""}).json()
    # No zone of their own: the account's.
    assert (cleared["time_zone"], cleared["phone"]) == ("America/New_York", None)
    assert cleared["mobile_phone"] == PROFILE["mobile_phone"]  # left as it was
    admin = acme.key.get(f"/users/{acme.admin.pk}").json()
    assert admin["has_activated"] is True
    assert (admin["phone"], admin["job_title"], admin["avatar_url"]) == (None, None, None)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("time_zone", "Mars/Olympus", "invalid_time_zone"),
        ("avatar_url", "javascript:alert(1)", "invalid_url"),
        ("avatar_url", "ftp://cdn.acme.test/a.png", "invalid_url"),
        ("phone", "1" * 51, "invalid_value"),
    ],
)
def test_a_bad_profile_value_is_refused_and_changes_nothing(
    acme: World, field: str, value: str, code: str
) -> None:
    ann = acme.user("ann@acme.test", job_title="Before")
    response = acme.key.put(f"/users/{ann.pk}", {"job_title": "After", field: value})
    assert response.status_code == 422 and error_type(response) == "invalid_parameter"
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert User.objects.get(pk=ann.pk).job_title == "Before"


def test_the_lead_show_form_gives_the_owners_numbers(acme: World) -> None:
    ann = acme.user("ann@acme.test", phone="01 23", mobile_phone="06 78")
    lead = acme.lead("L", owner=ann)
    user = acme.key.get(f"/leads/{lead.pk}").json()["user"]
    assert (user["phone"], user["mobile_phone"]) == ("01 23", "06 78")
    bob = acme.user("bob@acme.test")
    lead = acme.lead("M", owner=bob)
    user = acme.key.get(f"/leads/{lead.pk}").json()["user"]
    assert (user["phone"], user["mobile_phone"]) == (None, None)


def test_a_key_revokes_itself(acme: World) -> None:
    client = Client(headers={"X-API-KEY": acme.api_key})
    revoked = client.post(f"{BASE}/auth/revoke_api_key")
    assert revoked.status_code == 200
    assert revoked.json() == {"status": 200, "message": "Your API key is revoked."}
    after = client.get(f"{BASE}/ping")
    assert after.status_code == 401 and error_type(after) == "unauthorized_disabled_token"


def test_a_user_token_is_no_key_to_revoke(acme: World) -> None:
    response = as_user(acme.admin).post("/auth/revoke_api_key")
    assert response.status_code == 401 and error_type(response) == "not_api_key"
    assert acme.key.get("/ping").status_code == 200
