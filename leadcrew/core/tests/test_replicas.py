"""Read replicas without a replica: the settings they make, the router's choices, who a caller
is. The replicas themselves are tested in tests/test_replicas.py."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory

from config.settings import configure_databases
from leadcrew.accounts.models import User, WebSession, hash_secret
from leadcrew.core import replicas
from leadcrew.leads.models import Lead
from leadcrew.teams.models import Team

POSTGRES = "postgres://leadcrew@db.internal:5432/leadcrew"


def _databases(engine: str = "django.db.backends.postgresql") -> dict[str, Any]:
    return {"default": {"ENGINE": engine, "NAME": "leadcrew", "OPTIONS": {}}}


def test_each_replica_url_is_a_database_alias_tested_as_the_primary() -> None:
    databases = _databases()
    aliases = configure_databases(
        databases, ["postgres://r@replica-a:5432/leadcrew", "postgres://r@replica-b/leadcrew"], ""
    )
    assert aliases == ["replica_1", "replica_2"]
    assert databases["replica_2"]["HOST"] == "replica-b"
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert databases["replica_1"]["OPTIONS"]["connect_timeout"] == 2
    # Replicas keep the generic plans of the statements every request runs, as the primary
    # does, and compile none just in time (a search's planning estimate once cost 250 ms).
    options = databases["replica_1"]["OPTIONS"]["options"]
    assert options == "-c jit=off -c plan_cache_mode=force_generic_plan"
    assert "DISABLE_SERVER_SIDE_CURSORS" not in databases["default"]


def test_pgbouncer_turns_off_prepared_statements_and_server_side_cursors_everywhere() -> None:
    databases = _databases()
    databases["default"]["OPTIONS"] = {
        "prepare_threshold": 5,
        "server_side_binding": True,
        "options": "-c jit=off",
    }
    configure_databases(databases, [POSTGRES], "pgbouncer")
    for alias in ("default", "replica_1"):
        assert databases[alias]["OPTIONS"]["prepare_threshold"] is None
        assert "server_side_binding" not in databases[alias]["OPTIONS"]
        # PgBouncer refuses startup options (operations.md: jit = off on the server).
        assert "options" not in databases[alias]["OPTIONS"]
        assert databases[alias]["DISABLE_SERVER_SIDE_CURSORS"] is True


@pytest.mark.parametrize(
    ("engine", "urls", "pooler", "named"),
    [
        ("django.db.backends.sqlite3", [POSTGRES], "", "PostgreSQL DATABASE_URL"),
        ("django.db.backends.postgresql", ["sqlite:///elsewhere.sqlite3"], "", "not a postgres"),
        ("django.db.backends.postgresql", [], "pgpool", "LEADCREW_DATABASE_POOLER"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(
    engine: str, urls: list[str], pooler: str, named: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=named):
        configure_databases(_databases(engine), urls, pooler)


def test_the_router_sends_only_reads_inside_a_replica_read_to_the_replica() -> None:
    router = replicas.ReplicaRouter()
    cache_entry = DatabaseCache("leadcrew_cache", {}).cache_model_class
    assert router.db_for_read(Lead) == "default"
    token = replicas._reading_from.set("replica_1")
    try:
        assert router.db_for_read(Lead) == "replica_1"
        assert router.db_for_read(Team) == "replica_1"
        # The shared counters and the sessions are read back at once: always the primary's.
        assert router.db_for_read(cache_entry) == "default"
        assert router.db_for_read(WebSession) == "default"
        assert router.db_for_write(Lead) == "default"
    finally:
        replicas._reading_from.reset(token)
    assert router.allow_migrate("default", "leads")
    assert not router.allow_migrate("replica_1", "leads")


def test_without_replicas_a_replica_read_is_a_plain_call_and_the_middleware_is_off(
    settings: Any,
) -> None:
    settings.LEADCREW_REPLICA_ALIASES = []
    seen: list[str | None] = []

    @replicas.reads_from_replica
    def read() -> int:
        seen.append(replicas._reading_from.get())
        return 7

    @replicas.reads_from_replica
    def lines() -> Any:
        yield replicas._reading_from.get()

    assert read() == 7
    assert list(lines()) == [None]
    assert seen == [None]
    with pytest.raises(MiddlewareNotUsed):
        replicas.ReadYourWritesMiddleware(lambda request: HttpResponse())


def test_wal_positions_compare_as_positions() -> None:
    assert replicas.lsn_value("0/FFFFFFFF") < replicas.lsn_value("1/0")
    assert replicas.lsn_value("16/B374D848") > replicas.lsn_value("16/B374D847")
    assert replicas.lsn_value("A/0") > replicas.lsn_value("9/FFFFFFFF")


def test_a_caller_is_the_credential_the_api_reads_first_or_the_web_user() -> None:
    factory = RequestFactory()
    both = factory.get("/api/v2/leads", headers={"X-User-Token": "t", "X-Api-Key": "k"})
    assert replicas._caller(both) == f"token:{hash_secret('t')}"
    assert replicas._caller(factory.get("/api/v2/leads", {"api_key": "k"})) == (
        f"key:{hash_secret('k')}"
    )
    web = factory.get("/leads")
    web.user = User(pk=42)
    assert replicas._caller(web) == "user:42"
    anonymous = factory.get("/login")
    anonymous.user = AnonymousUser()
    assert replicas._caller(anonymous) is None


@pytest.mark.parametrize(
    ("method", "status", "remembered"),
    [("POST", 201, True), ("DELETE", 200, True), ("PUT", 401, False), ("GET", 200, False)],
)
def test_only_writes_that_were_not_refused_are_remembered(
    settings: Any, monkeypatch: pytest.MonkeyPatch, method: str, status: int, remembered: bool
) -> None:
    settings.LEADCREW_REPLICA_ALIASES = ["replica_1"]
    callers: list[str] = []
    monkeypatch.setattr(replicas, "_remember_write", callers.append)
    middleware = replicas.ReadYourWritesMiddleware(lambda request: HttpResponse(status=status))
    request = RequestFactory().generic(method, "/api/v2/leads", headers={"X-Api-Key": "k"})
    middleware(request)
    assert callers == ([f"key:{hash_secret('k')}"] if remembered else [])
