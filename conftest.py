import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark.expression import Expression
from django.core.cache import cache
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from leadcrew.testing.api_world import FAST_HASHERS
from leadcrew.testing.collection import refuse_shared_ids
from leadcrew.testing.live_server import serialize_shared_connection_servers

pytest_plugins = ["leadcrew.testing.fixtures"]

# The property tests draw the same examples on every run, so that the suite is deterministic:
# a failure is the code's, never the luck of the draw. `HYPOTHESIS_PROFILE=explore` draws new
# examples (and remembers failing ones in .hypothesis/) when looking for new bugs.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Modules marked slow as a whole that take seconds just to be collected (the API fuzz builds
# every operation's cases then): when `-m` leaves slow tests out, they are not even read.
SLOW_TO_COLLECT = {Path(__file__).parent / "tests" / "test_api_fuzz.py"}


@pytest.fixture(scope="session", autouse=True)
def _live_servers_one_request_at_a_time() -> Iterator[None]:
    """On SQLite the live server's threads share the test's connection: one request at a
    time (leadcrew/testing/live_server.py says why)."""
    undo = serialize_shared_connection_servers()
    yield
    undo()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Real hashers are slow on purpose; tests create many users and need none of that."""
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="session", autouse=True)
def _own_login_slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The login slots (leadcrew/accounts/login_slots.py) are shared by the machine: a server
    running beside the tests must not make their logins busy, nor they its."""
    with override_settings(LEADCREW_LOGIN_SLOTS_DIR=tmp_path_factory.mktemp("login-slots")):
        yield


@pytest.fixture(autouse=True)
def _cache_emptied_after_committed_tests(
    request: pytest.FixtureRequest, django_db_blocker: Any
) -> Iterator[None]:
    """The rate limit and the login throttle count in the database cache. A test in a
    transaction leaves nothing there; one that commits (a live server's) would leave its counts
    to the next tests, which all come from 127.0.0.1."""
    yield
    if "transactional_db" in request.fixturenames:
        with django_db_blocker.unblock():
            cache.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    refuse_shared_ids(items)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path not in SLOW_TO_COLLECT:
        return None
    markexpr = config.getoption("markexpr")
    if not markexpr:
        return None
    try:
        expression = Expression.compile(markexpr)
    except SyntaxError:
        return None  # pytest itself says what is wrong with it
    # Would a test marked slow, and nothing else, be selected?
    return None if expression.evaluate(_only_slow) else True


def _only_slow(name: str, /, **kwargs: str | int | bool | None) -> bool:
    return name == "slow"
