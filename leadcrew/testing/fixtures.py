"""Fixtures shared by every test module (loaded from the root conftest.py)."""

import pytest

from leadcrew.testing.api_world import World, make_world
from leadcrew.testing.cast import Cast, build_cast


@pytest.fixture
def cast(db: None) -> Cast:
    """Acme and Rival with every persona and lead shape; see leadcrew.testing.cast."""
    return build_cast()


@pytest.fixture
def acme(db: None) -> World:
    """An empty dream_team account with teams on, seen through the API (leadcrew.testing.api_world).

    A conftest.py nearer the tests may define its own `acme` and `rival`, and wins there."""
    return make_world("Acme", "admin@acme.test")


@pytest.fixture
def rival(db: None) -> World:
    """A second account like `acme`, for what must not leak from one account to another."""
    return make_world("Rival", "admin@rival.test")
