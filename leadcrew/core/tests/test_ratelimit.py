import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from leadcrew.accounts.services import account_create

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
