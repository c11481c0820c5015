from collections.abc import Iterator

import pytest
from django.test import override_settings

pytest_plugins = ["leadcrew.testing.fixtures"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Real hashers are slow on purpose; tests create many users and need none of that."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield
