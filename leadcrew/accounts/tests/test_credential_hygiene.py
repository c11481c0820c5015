"""How credentials are handled around the API: answers carrying a secret are never cached, the
passwords people choose are checked, and expired user tokens do not pile up."""

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadcrew import cli, demo
from leadcrew.accounts.models import User, UserToken, hash_secret
from leadcrew.accounts.services import user_token_issue, user_tokens_purge_expired
from leadcrew.testing.api_world import BASE, PASSWORD, Api, World, as_user

pytestmark = pytest.mark.django_db


def basic(email: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def no_store(response: Any) -> bool:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return "no-store" in directives


# --- Cache-Control: no-store -----------------------------------------------------------------


def test_a_token_from_login_is_never_cached(acme: World) -> None:
    acme.user("ann@acme.test")
    response = Client(headers=basic("ann@acme.test", PASSWORD)).get(f"{BASE}/auth/login")
    assert response.status_code == 200
    assert "token" in response.json()
    assert no_store(response)
    assert "private" in response["Cache-Control"]


def test_a_failed_login_is_not_cached_either(acme: World) -> None:
    response = Client(headers=basic("ann@acme.test", "wrong-password")).get(f"{BASE}/auth/login")
    assert response.status_code == 401
    assert no_store(response)


def test_a_token_from_log_as_is_never_cached(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    response = acme.key.get("/auth/log_as", user_id=ann.pk)
    assert response.status_code == 200
    assert "token" in response.json()
    assert no_store(response)


def test_a_new_api_key_is_never_cached(acme: World) -> None:
    response = acme.key.post("/api_keys", {"name": "Zapier"})
    assert response.status_code == 201
    assert response.json()["key"].startswith("lc_")
    assert no_store(response)


def test_answers_without_a_secret_keep_their_caching(acme: World) -> None:
    """The listing of keys shows prefixes only: no directive was added to it."""
    response = acme.key.get("/api_keys")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Password validators -------------------------------------------------------------------


def create_user(acme: World, password: str, **names: str) -> Any:
    body = {"firstname": "Jeanne", "lastname": "Dupont", "email": "jeanne.dupont@acme.test"}
    return acme.key.post("/users", body | names | {"password": password})


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1x", "too short"),
        ("password123", "too common"),
        ("qwertyuiop", "too common"),
        ("80417263955", "entirely numeric"),
        ("jeanne.dupont", "too similar to the email"),
        ("dupont2024", "too similar"),
    ],
)
def test_weak_passwords_are_refused(acme: World, password: str, reason: str) -> None:
    response = create_user(acme, password)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["type"] == "invalid_parameter"
    assert reason in body["message"]
    assert not User.objects.filter(email="jeanne.dupont@acme.test").exists()


def test_a_strong_password_is_accepted(acme: World) -> None:
    response = create_user(acme, "mellow-harbor-7")
    assert response.status_code == 201, response.content


def test_a_password_change_is_checked_against_the_users_own_email(acme: World) -> None:
    ann = acme.user("annabelle.martin@acme.test", first_name="Annabelle")
    response = acme.key.put(f"/users/{ann.pk}", {"password": "annabelle.martin"})
    assert response.status_code == 422
    assert "too similar" in response.json()["message"]


def test_the_demo_still_loads_with_its_published_password() -> None:
    """`leadcrew demo` sets the password without the validators; it must keep logging in."""
    result = demo.load_demo()
    assert result.created
    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert admin.check_password(demo.PASSWORD)
    response = Client(headers=basic(demo.ADMIN_EMAIL, demo.PASSWORD)).get(f"{BASE}/auth/login")
    assert response.status_code == 200


# --- Expired tokens ----------------------------------------------------------------------------


def expire(raw: str, ago: timedelta) -> None:
    UserToken.objects.filter(token_hash=hash_secret(raw)).update(expires_at=timezone.now() - ago)


def test_the_purge_deletes_expired_tokens_only(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    live = user_token_issue(user=ann)
    expired = user_token_issue(user=ann)
    logged_out_and_expired = user_token_issue(user=ann)
    logged_out = user_token_issue(user=ann)
    expire(expired, timedelta(seconds=1))
    expire(logged_out_and_expired, timedelta(days=3))
    UserToken.objects.filter(
        token_hash__in=[hash_secret(logged_out_and_expired), hash_secret(logged_out)]
    ).update(revoked_at=timezone.now())

    assert user_tokens_purge_expired() == 2

    left = set(UserToken.objects.values_list("token_hash", flat=True))
    assert left == {hash_secret(live), hash_secret(logged_out)}
    # An expired token gets the same answer with its row gone as before.
    assert Api(token=expired).get("/ping").json()["type"] == "unauthorized_invalid_token"
    assert Api(token=live).get("/ping").status_code == 200
    assert user_tokens_purge_expired() == 0


def test_the_scheduler_purges_expired_tokens(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    live = as_user(ann)
    old = user_token_issue(user=ann)
    expire(old, timedelta(hours=1))

    assert cli.main(["scheduler", "--once"]) == 0

    assert not UserToken.objects.filter(token_hash=hash_secret(old)).exists()
    assert UserToken.objects.filter(user=ann).count() == 1
    assert live.get("/ping").status_code == 200
