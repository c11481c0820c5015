"""/ping and the token endpoints: /auth/login, /auth/log_as, /auth/logout."""

import base64
from typing import Any

import pytest
from django.test import Client

from leadcrew.accounts.models import UserToken
from leadcrew.testing.api_world import BASE, PASSWORD, Api, World, as_user, error_type

pytestmark = pytest.mark.django_db


def basic(email: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def login(headers: dict[str, str]) -> Any:
    return Client(headers=headers).get(f"{BASE}/auth/login")


# --- ping --------------------------------------------------------------------------------------


def test_ping_answers_for_a_key_and_for_a_user_token(acme: World) -> None:
    for api in (acme.key, as_user(acme.user("ann@acme.test"))):
        response = api.get("/ping")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"status": 200, "message": "Your API key is correct."}


def test_ping_without_or_with_a_wrong_credential_is_401(acme: World) -> None:
    assert error_type(Api().get("/ping")) == "unauthorized_missing_token"
    assert error_type(Api(key="lc_nope").get("/ping")) == "unauthorized_invalid_token"
    assert error_type(Api(token="nope").get("/ping")) == "unauthorized_invalid_token"


# --- login -------------------------------------------------------------------------------------


def test_login_with_basic_credentials_answers_a_working_token(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    response = login(basic("ANN@acme.test", PASSWORD))  # e-mails are matched in any case
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token"}
    assert Api(token=body["token"]).get("/ping").status_code == 200
    assert UserToken.objects.filter(user=ann).count() == 1


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({}, "unauthorized_missing_token"),
        (basic("ann@acme.test", "wrong-password"), "unauthorized_invalid_token"),
        (basic("nobody@acme.test", PASSWORD), "unauthorized_invalid_token"),
        ({"Authorization": "Basic !!!not-base64"}, "unauthorized_invalid_token"),
        ({"Authorization": "Bearer abc"}, "unauthorized_invalid_token"),
        (
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
            "unauthorized_invalid_token",
        ),
        (basic("ann@acme.test\x00", PASSWORD), "unauthorized_invalid_token"),
    ],
)
def test_login_refusals(acme: World, headers: dict[str, str], expected: str) -> None:
    ann = acme.user("ann@acme.test")
    response = login(headers)
    assert response.status_code == 401
    assert error_type(response) == expected
    assert not UserToken.objects.filter(user=ann).exists()


def test_a_disabled_user_cannot_log_in(acme: World) -> None:
    ann = acme.user("ann@acme.test", is_disabled=True)
    assert error_type(login(basic("ann@acme.test", PASSWORD))) == "unauthorized_disabled_token"
    # Without the right password nothing tells that the account exists.
    assert error_type(login(basic("ann@acme.test", "wrong"))) == "unauthorized_invalid_token"
    assert not UserToken.objects.filter(user=ann).exists()


# --- log_as ------------------------------------------------------------------------------------


def test_log_as_with_the_account_key_by_id_or_email(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    for ref in (ann.pk, "Ann@Acme.test"):
        response = acme.key.get("/auth/log_as", user_id=ref)
        assert response.status_code == 200
        token = response.json()["token"]
        # The token acts as Ann: a plain user, refused on an admin endpoint.
        assert error_type(Api(token=token).get("/account/settings")) == "unauthorized_non_admin"
    assert UserToken.objects.filter(user=ann).count() == 2


def test_log_as_by_an_admin_user_but_not_by_a_plain_user(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test")
    assert as_user(acme.admin).get("/auth/log_as", user_id=ann.pk).status_code == 200
    response = as_user(bob).get("/auth/log_as", user_id=ann.pk)
    assert response.status_code == 401
    assert error_type(response) == "unauthorized_non_admin"
    assert UserToken.objects.filter(user=ann).count() == 1  # only the admin's


def test_log_as_refuses_other_accounts_and_unknown_users(acme: World, rival: World) -> None:
    for ref in (rival.admin.pk, rival.admin.email, 999_999, "ghost@acme.test", 2**70):
        response = acme.key.get("/auth/log_as", user_id=ref)
        assert response.status_code == 422, ref
        assert error_type(response) == "invalid_parameter"
        assert response.json()["field"] == "user_id"
    assert not UserToken.objects.filter(user=rival.admin).exists()
    assert error_type(acme.key.get("/auth/log_as")) == "missing_parameter"


def test_log_as_a_disabled_user_is_forbidden(acme: World) -> None:
    ann = acme.user("ann@acme.test", is_disabled=True)
    response = acme.key.get("/auth/log_as", user_id=ann.pk)
    assert response.status_code == 403
    assert error_type(response) == "forbidden_action"
    assert not UserToken.objects.filter(user=ann).exists()


# --- logout ------------------------------------------------------------------------------------


def test_logout_revokes_only_the_calling_token(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    first, second = as_user(ann), as_user(ann)
    response = first.get("/auth/logout")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == 200
    again = first.get("/ping")
    assert again.status_code == 401
    assert error_type(again) == "unauthorized_disabled_token"
    assert second.get("/ping").status_code == 200


def test_logout_with_an_account_key_has_no_token_to_revoke(acme: World) -> None:
    response = acme.key.get("/auth/logout")
    assert response.status_code == 422
    assert error_type(response) == "missing_parameter"
    assert acme.key.get("/ping").status_code == 200
