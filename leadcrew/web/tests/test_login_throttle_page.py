"""The login page once the throttle locks an e-mail: a sentence on the form, 429 and Retry-After,
in the reader's language; the page works again after the delay (time injected)."""

import pytest
from django.test import Client

from leadcrew.accounts import throttle
from leadcrew.testing.cast import CAST_PASSWORD, Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_800_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    return now


def test_too_many_failures_are_told_on_the_form_until_the_delay_ends(
    client: Client, cast: Cast, moment: list[float]
) -> None:
    for _ in range(5):
        response = client.post("/login", {"email": "nils@acme.test", "password": "nope"})
        assert response.status_code == 200
    response = client.post("/login", {"email": "nils@acme.test", "password": CAST_PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many failed logins: try again in 900 seconds." in response.text
    assert 'value="nils@acme.test"' in response.text
    assert client.get("/leads").status_code == 302

    moment[0] += 900
    response = client.post("/login", {"email": "nils@acme.test", "password": CAST_PASSWORD})
    assert response.status_code == 303


def test_the_message_is_in_the_readers_language(
    client: Client, cast: Cast, moment: list[float]
) -> None:
    client.cookies["leadcrew_language"] = "fr"
    for _ in range(5):
        client.post("/login", {"email": "nils@acme.test", "password": "nope"})
    response = client.post("/login", {"email": "nils@acme.test", "password": "nope"})
    assert response.status_code == 429
    assert "Trop d’échecs de connexion\u00a0: réessayez dans 900 secondes." in response.text
