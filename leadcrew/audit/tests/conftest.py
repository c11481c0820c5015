from typing import Any

import pytest

from leadcrew.testing.api_world import FAST_HASHERS, World, make_world


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # PBKDF2 would make every user in these tests cost a noticeable fraction of a second.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def acme(db: None) -> World:
    return make_world("Acme", "admin@acme.test")


@pytest.fixture
def rival(db: None) -> World:
    return make_world("Rival", "admin@rival.test")
