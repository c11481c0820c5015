from collections.abc import Iterator

import pytest
from django.test import override_settings

from leadcrew.testing.api_world import FAST_HASHERS

pytest_plugins = ["leadcrew.testing.fixtures"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Real hashers are slow on purpose; tests create many users and need none of that."""
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield
