from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """The test client, logged in as `user` (a session, as a browser would have)."""

    def as_user(user: User) -> Client:
        client.force_login(user, backend="leadcrew.accounts.backends.EmailBackend")
        return client

    return as_user
