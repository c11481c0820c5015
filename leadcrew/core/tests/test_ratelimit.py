import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from leadcrew.accounts.services import account_create, user_token_issue
from leadcrew.core import ratelimit

pytestmark = pytest.mark.django_db


@override_settings(LEADCREW_API_RATE_LIMIT=3)
def test_past_the_limit_a_credential_is_told_when_to_retry() -> None:
    cache.clear()
    key = account_create(name="A", admin_email="a@a.test", admin_password="pw-123456").api_key
    client = Client(headers={"X-API-KEY": key})
    assert [client.get("/api/v2/ping").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v2/ping")
    assert refused.status_code == 429
    assert refused.json()["type"] == "rate_limited"
    assert 1 <= int(refused["API-RETRY-AFTER"]) <= 60
    assert int(refused["API-LIMIT-RESET"]) > 0


def test_there_is_no_limit_by_default() -> None:
    cache.clear()
    key = account_create(name="A", admin_email="a@a.test", admin_password="pw-123456").api_key
    client = Client(headers={"X-API-KEY": key})
    assert {client.get("/api/v2/ping").status_code for _ in range(30)} == {200}


@override_settings(LEADCREW_API_DAILY_LIMIT=3)
def test_the_daily_quota_counts_every_credential_of_the_account_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache.clear()
    midnight = 1_764_892_800  # 2025-12-05 00:00 UTC
    noon = midnight + 12 * 3600
    monkeypatch.setattr(ratelimit, "clock", lambda: noon)
    created = account_create(name="A", admin_email="a@a.test", admin_password="pw-123456")
    other = account_create(name="B", admin_email="b@b.test", admin_password="pw-123456")
    key = Client(headers={"X-API-KEY": created.api_key})
    token = user_token_issue(user=created.admin)
    user = Client(headers={"X-USER-TOKEN": token})
    assert [key.get("/api/v2/ping").status_code for _ in range(2)] == [200, 200]
    assert user.get("/api/v2/ping").status_code == 200
    refused = user.get("/api/v2/ping")
    assert refused.status_code == 429
    body = refused.json()
    assert (body["type"], body["code"]) == ("rate_limited", "daily_quota")
    # Until midnight UTC, in every header the reference and HTTP know.
    assert refused["API-RETRY-AFTER"] == refused["Retry-After"] == str(12 * 3600)
    assert refused["API-LIMIT-RESET"] == str(midnight + 86_400)
    assert key.get("/api/v2/ping").status_code == 429
    # Another account has its own quota.
    assert Client(headers={"X-API-KEY": other.api_key}).get("/api/v2/ping").status_code == 200
    # The next day, the quota is whole again.
    monkeypatch.setattr(ratelimit, "clock", lambda: noon + 86_400)
    assert key.get("/api/v2/ping").status_code == 200


@override_settings(LEADCREW_API_DAILY_LIMIT=1)
def test_an_unknown_credential_never_spends_an_accounts_quota() -> None:
    cache.clear()
    created = account_create(name="A", admin_email="a@a.test", admin_password="pw-123456")
    for _ in range(3):
        assert Client(headers={"X-API-KEY": "nope"}).get("/api/v2/ping").status_code == 401
    assert Client(headers={"X-API-KEY": created.api_key}).get("/api/v2/ping").status_code == 200
