"""Logging in and out, the password, the language and the layout around every page."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.testing.cast import CAST_PASSWORD, Cast

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client: Client) -> None:
    for url in ("/", "/leads", "/leads/1", "/pipeline", "/unassigned", "/todo", "/password"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login?next="), url


def test_login_with_email_and_password(client: Client, cast: Cast) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    response = client.post(
        "/login", {"email": "NILS@acme.test", "password": CAST_PASSWORD, "next": "/todo"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/todo"
    assert client.get("/leads").status_code == 200


def test_login_refuses_a_wrong_password_and_keeps_the_email(client: Client, cast: Cast) -> None:
    response = client.post("/login", {"email": "nils@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.text
    assert 'value="nils@acme.test"' in response.text
    assert client.get("/leads").status_code == 302


def test_a_disabled_user_is_told_so(client: Client, cast: Cast) -> None:
    response = client.post("/login", {"email": "dora@acme.test", "password": CAST_PASSWORD})
    assert response.status_code == 200
    assert "This account is disabled" in response.text
    # A wrong password tells a stranger nothing about the account.
    response = client.post("/login", {"email": "dora@acme.test", "password": "nope"})
    assert "disabled" not in response.text


def test_login_never_redirects_off_site(client: Client, cast: Cast) -> None:
    response = client.post(
        "/login",
        {"email": "nils@acme.test", "password": CAST_PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == "/leads"


def test_a_user_disabled_while_logged_in_is_logged_out(
    login: Callable[[User], Client], cast: Cast
) -> None:
    client = login(cast.nils)
    User.objects.filter(pk=cast.nils.pk).update(is_disabled=True)
    assert client.get("/leads").status_code == 302


def test_logout_is_a_post(login: Callable[[User], Client], cast: Cast) -> None:
    client = login(cast.nils)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/leads").status_code == 302


def test_password_change(login: Callable[[User], Client], cast: Cast) -> None:
    client = login(cast.nils)
    assert client.get("/password").status_code == 200
    refused = client.post(
        "/password",
        {
            "old_password": "wrong",
            "new_password1": "a-new-pass-99",
            "new_password2": "a-new-pass-99",
        },
    )
    assert refused.status_code == 200
    assert 'aria-invalid="true"' in refused.text
    api = Client(headers=cast.headers(cast.nils))
    assert api.get("/api/v2/ping").status_code == 200
    response = client.post(
        "/password",
        {
            "old_password": CAST_PASSWORD,
            "new_password1": "a-new-pass-99",
            "new_password2": "a-new-pass-99",
        },
    )
    assert response.status_code == 303
    assert api.get("/api/v2/ping").status_code == 401  # the API token died with the password
    assert client.get("/leads").status_code == 200  # still logged in
    cast.nils.refresh_from_db()
    assert cast.nils.check_password("a-new-pass-99")


def test_language_switch_saves_the_users_locale(
    login: Callable[[User], Client], cast: Cast
) -> None:
    client = login(cast.nils)
    response = client.post("/language", {"locale": "fr", "next": "/todo"})
    assert response.status_code == 303
    assert response["Location"] == "/todo"
    cast.nils.refresh_from_db()
    assert cast.nils.locale == "fr"
    page = client.get("/leads")
    assert '<html lang="fr">' in page.text
    assert "Opportunités" in page.text
    assert "Se déconnecter" in page.text


def test_the_login_page_follows_the_browser_then_the_switch(client: Client, cast: Cast) -> None:
    assert "Se connecter" in client.get("/login", HTTP_ACCEPT_LANGUAGE="fr").text
    client.post("/language", {"locale": "fr", "next": "/login"})
    assert "Se connecter" in client.get("/login").text


def test_navigation_shows_existing_pages_and_hides_admin_from_users(
    login: Callable[[User], Client], cast: Cast
) -> None:
    page = login(cast.nils).get("/leads").text
    for url in ('href="/leads"', 'href="/pipeline"', 'href="/unassigned"', 'href="/todo"'):
        assert url in page
    assert 'href="/settings' not in page
    assert 'aria-current="page">Leads' in page


def test_the_api_keeps_english_and_json(login: Callable[[User], Client], cast: Cast) -> None:
    User.objects.filter(pk=cast.nils.pk).update(locale="fr")
    response = login(cast.nils).get("/api/v2/leads/999999", headers=cast.headers(cast.nils))
    assert response.status_code == 404
    assert response.json()["message"] == "Lead not found."
