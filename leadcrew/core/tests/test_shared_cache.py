"""The cache the API rate limit and the login throttle count in is shared by every process: the
database's cache table by default, Redis with LEADCREW_CACHE_URL."""

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from config.settings import cache_settings
from leadcrew.accounts import throttle
from leadcrew.core import ratelimit
from leadcrew.core.errors import RateLimited

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"


def test_the_database_cache_is_the_default_and_redis_comes_with_a_url() -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = cache_settings("redis://cache.internal:6379/1")["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://cache.internal:6379/1"
    with pytest.raises(ImproperlyConfigured):
        cache_settings("memcached://cache.internal:11211")


@pytest.mark.django_db
def test_the_migrations_create_the_cache_table() -> None:
    migration = __import__("leadcrew.core.migrations.0001_cache_table", fromlist=["_"])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE leadcrew_cache")
    assert "leadcrew_cache" not in connection.introspection.table_names()
    migration.create_cache_table(None, SimpleNamespace(connection=connection))
    assert "leadcrew_cache" in connection.introspection.table_names()


@pytest.mark.django_db
@override_settings(LEADCREW_API_RATE_LIMIT=3)
def test_the_rate_limit_counts_across_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request through another connection to the cache, as if another worker answered."""
    for _ in range(3):
        monkeypatch.setattr(ratelimit, "cache", DatabaseCache("leadcrew_cache", {}))
        ratelimit.check_rate("credential-0")
    monkeypatch.setattr(ratelimit, "cache", DatabaseCache("leadcrew_cache", {}))
    with pytest.raises(RateLimited):
        ratelimit.check_rate("credential-0")
    ratelimit.check_rate("another-credential")


# --- Redis, when one answers on 127.0.0.1:6379 (this machine's, CI's) -------------------------


def _redis_answers() -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_caches() -> Iterator[list[Any]]:
    """Two separate connections to the same Redis, under a key prefix of this test's own."""
    if not _redis_answers():
        pytest.skip("no Redis server answers on 127.0.0.1:6379")
    import redis
    from django.core.cache.backends.redis import RedisCache

    prefix = f"leadcrew-test-{uuid.uuid4().hex}"
    options = cache_settings(REDIS_URL)["default"]
    params = {"KEY_PREFIX": prefix, "OPTIONS": options["OPTIONS"]}
    yield [RedisCache(REDIS_URL, params), RedisCache(REDIS_URL, params)]
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_redis_counts_logins_across_processes(
    redis_caches: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    for n in range(5):
        monkeypatch.setattr(throttle, "cache", redis_caches[n % 2])
        throttle.login_throttle_check(email="ann@acme.test", address="198.51.100.7")
        throttle.login_failure_record(email="ann@acme.test", address="198.51.100.7")
    with pytest.raises(RateLimited) as refused:
        throttle.login_throttle_check(email="ann@acme.test", address="192.0.2.1")
    assert refused.value.retry_after == 900
    now[0] += 900
    throttle.login_throttle_check(email="ann@acme.test", address="192.0.2.1")


@override_settings(LEADCREW_API_RATE_LIMIT=3)
def test_redis_counts_requests_across_processes(
    redis_caches: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        monkeypatch.setattr(ratelimit, "cache", redis_caches[n % 2])
        ratelimit.check_rate("credential")
    with pytest.raises(RateLimited):
        ratelimit.check_rate("credential")


# --- `leadcrew migrate` on a new database ------------------------------------------------------


@pytest.mark.slow
def test_leadcrew_migrate_leaves_the_cache_table(tmp_path: Path) -> None:
    database = tmp_path / "new.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "LEADCREW_CACHE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "leadcrew.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "leadcrew_cache" in tables
