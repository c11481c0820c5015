"""Disabling a user ends their web sessions as well as their API tokens: the browser is logged
out on its next request, and enabling the user again brings none of it back."""

import pytest
from django.test import Client

from leadcrew.accounts.models import User, WebSession
from leadcrew.accounts.services import user_disable, user_enable
from leadcrew.testing.cast import CAST_PASSWORD, Cast

pytestmark = pytest.mark.django_db

BACKEND = "leadcrew.accounts.backends.EmailBackend"


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    assert client.get("/leads").status_code == 200
    return client


def test_a_session_row_knows_its_user(client: Client, cast: Cast) -> None:
    assert client.get("/login").status_code == 200
    response = client.post("/login", {"email": "nils@acme.test", "password": CAST_PASSWORD})
    assert response.status_code == 303
    key = client.cookies["sessionid"].value
    assert WebSession.objects.get(session_key=key).user_id == cast.nils.pk


def test_disabling_ends_the_users_sessions_and_only_theirs(cast: Cast) -> None:
    nils, nils_phone, mona = browser(cast.nils), browser(cast.nils), browser(cast.mona)
    user_disable(actor=cast.actor(cast.admin), user_id=cast.nils.pk)
    assert not WebSession.objects.filter(user_id=cast.nils.pk).exists()
    for client in (nils, nils_phone):
        response = client.get("/leads")
        assert response.status_code == 302
        assert response["Location"].startswith("/login")
    assert mona.get("/leads").status_code == 200


def test_enabling_again_brings_no_session_back(cast: Cast) -> None:
    nils = browser(cast.nils)
    api = Client(headers=cast.headers(cast.nils))
    admin = cast.actor(cast.admin)
    user_disable(actor=admin, user_id=cast.nils.pk)
    user_enable(actor=admin, user_id=cast.nils.pk)
    assert nils.get("/leads").status_code == 302
    assert api.get("/api/v2/ping").status_code == 401


def test_disabling_from_the_admin_panel_logs_the_browser_out(cast: Cast) -> None:
    nils = browser(cast.nils)
    admin = browser(cast.admin)
    response = admin.post(f"/settings/users/{cast.nils.pk}/active", {"active": "0"})
    assert response.status_code == 303
    assert nils.get("/leads").status_code == 302
    assert admin.get("/leads").status_code == 200


def test_disabling_through_the_api_logs_the_browser_out(cast: Cast) -> None:
    nils = browser(cast.nils)
    key = Client(headers=cast.headers())
    assert key.put(f"/api/v2/users/{cast.nils.pk}/disable").status_code == 200
    assert nils.get("/leads").status_code == 302
