"""/api_keys: admins create, list and revoke the account keys. A key's secret is answered once
and stored only hashed; a revoked key stops working at once."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.accounts.models import ApiKey, hash_secret
from leadcrew.testing.api_world import Api, World, as_user, error_type

pytestmark = pytest.mark.django_db

KEY_FIELDS = {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "created_by_id"}


def create(api: Api, name: str = "Warehouse sync") -> dict[str, Any]:
    response = api.post("/api_keys", {"name": name})
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_new_key_is_answered_once_with_its_secret_and_works(acme: World) -> None:
    body = create(as_user(acme.admin))
    assert set(body) == KEY_FIELDS | {"key"}
    secret = body.pop("key")
    assert secret.startswith("lc_") and len(secret) > 40
    assert body["prefix"] == secret[:8]
    assert (body["name"], body["created_by_id"]) == ("Warehouse sync", acme.admin.pk)
    assert (body["last_used_at"], body["revoked_at"]) == (None, None)
    assert Api(key=secret).get("/ping").status_code == 200


def test_a_key_is_stored_hashed_and_never_listed_again(acme: World) -> None:
    secret = create(acme.key)["key"]
    stored = ApiKey.objects.get(prefix=secret[:8])
    assert stored.key_hash == hash_secret(secret)
    row = ApiKey.objects.filter(pk=stored.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    listing = acme.key.get("/api_keys")
    assert secret not in listing.content.decode()
    assert acme.api_key not in listing.content.decode()
    assert all(set(key) == KEY_FIELDS for key in listing.json())


def test_a_key_made_by_a_key_has_no_creating_user(acme: World) -> None:
    assert create(acme.key)["created_by_id"] is None


def test_the_list_holds_the_accounts_keys_revoked_ones_included(acme: World, rival: World) -> None:
    first = ApiKey.objects.get(account=acme.account)
    second = create(acme.key)
    create(rival.key, "Theirs")
    assert acme.key.delete(f"/api_keys/{second['id']}").status_code == 200
    response = acme.key.get("/api_keys")
    assert response["X-TOTAL-COUNT"] == "2"
    body = response.json()
    assert [key["id"] for key in body] == [first.pk, second["id"]]
    assert body[0]["name"] == "Default key"
    assert body[1]["revoked_at"] is not None
    page = acme.key.get("/api_keys", limit=1, offset=1)
    assert [key["id"] for key in page.json()] == [second["id"]]


def test_a_revoked_key_answers_unauthorized_disabled_token(acme: World) -> None:
    created = create(acme.key)
    response = as_user(acme.admin).delete(f"/api_keys/{created['id']}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == KEY_FIELDS
    assert body["revoked_at"] is not None
    refused = Api(key=created["key"]).get("/ping")
    assert refused.status_code == 401
    assert error_type(refused) == "unauthorized_disabled_token"


def test_revoking_twice_is_fine_and_keeps_the_first_date(acme: World) -> None:
    created = create(acme.key)
    first = acme.key.delete(f"/api_keys/{created['id']}").json()
    second = acme.key.delete(f"/api_keys/{created['id']}")
    assert second.status_code == 200
    assert second.json() == first


def test_a_key_may_revoke_itself(acme: World) -> None:
    own = ApiKey.objects.get(account=acme.account)
    assert acme.key.delete(f"/api_keys/{own.pk}").status_code == 200
    assert error_type(acme.key.get("/ping")) == "unauthorized_disabled_token"
    # The admin can still log in and make a new key.
    assert Api(key=create(as_user(acme.admin))["key"]).get("/ping").status_code == 200


def test_another_accounts_key_or_an_unknown_one_is_not_found(acme: World, rival: World) -> None:
    theirs = ApiKey.objects.get(account=rival.account)
    for key_id in (theirs.pk, 999_999):
        response = acme.key.delete(f"/api_keys/{key_id}")
        assert response.status_code == 404
        assert error_type(response) == "record_not_found"
    assert rival.key.get("/ping").status_code == 200


def test_non_admins_may_not_see_create_or_revoke_keys(acme: World) -> None:
    ann = as_user(acme.user("ann@acme.test"))
    own = ApiKey.objects.get(account=acme.account)
    for response in (
        ann.get("/api_keys"),
        ann.post("/api_keys", {"name": "Mine"}),
        ann.delete(f"/api_keys/{own.pk}"),
    ):
        assert response.status_code == 401
        assert error_type(response) == "unauthorized_non_admin"
    assert ApiKey.objects.filter(account=acme.account).count() == 1
    assert ApiKey.objects.get(pk=own.pk).revoked_at is None


@pytest.mark.parametrize(
    "body, expected",
    [
        ({}, "missing_parameter"),
        ({"name": ""}, "invalid_parameter"),
        ({"name": "   "}, "invalid_parameter"),
        ({"name": "x" * 101}, "invalid_parameter"),
        ({"name": "a\x00b"}, "invalid_parameter"),
    ],
)
def test_a_key_needs_a_name(acme: World, body: dict[str, Any], expected: str) -> None:
    response = acme.key.post("/api_keys", body)
    assert response.status_code == 422, response.content
    assert error_type(response) == expected
    assert ApiKey.objects.filter(account=acme.account).count() == 1


def test_last_used_at_is_kept_to_the_minute_without_a_write_per_request(acme: World) -> None:
    key = ApiKey.objects.get(account=acme.account)
    assert key.last_used_at is None
    acme.key.get("/ping")
    key.refresh_from_db()
    first_use = key.last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        acme.key.get("/ping")
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)
    key.refresh_from_db()
    assert key.last_used_at == first_use
    # Over a minute later, the next request records the new use.
    stale = timezone.now() - timedelta(minutes=2)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=stale)
    acme.key.get("/ping")
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_at > stale
    listed = acme.key.get("/api_keys").json()[0]
    assert listed["last_used_at"] is not None


def test_a_revoked_key_is_not_marked_used(acme: World) -> None:
    created = create(acme.key)
    acme.key.delete(f"/api_keys/{created['id']}")
    Api(key=created["key"]).get("/ping")
    assert ApiKey.objects.get(pk=created["id"]).last_used_at is None
