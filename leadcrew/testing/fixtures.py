"""Fixtures shared by every test module (loaded from the root conftest.py)."""

import pytest

from leadcrew.testing.cast import Cast, build_cast


@pytest.fixture
def cast(db: None) -> Cast:
    """Acme and Rival with every persona and lead shape; see leadcrew.testing.cast."""
    return build_cast()
