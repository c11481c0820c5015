"""Admin panel, activity types: add, rename, move, disable; admins only."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.activities.models import ActivityType
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
PAGE = "/settings/activities"


def names(cast: Cast) -> list[tuple[str, bool]]:
    types = ActivityType.objects.filter(account=cast.nils.account).order_by("position", "id")
    return [(kind.name, kind.is_disabled) for kind in types]


def test_an_admin_manages_the_types(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {"action": "create", "name": "Visit"}).status_code == 303
    visit = ActivityType.objects.get(account=cast.nils.account, name="Visit")
    client.post(PAGE, {"action": "up", "id": visit.pk})
    client.post(PAGE, {"action": "rename", "id": visit.pk, "name": "Site visit"})
    client.post(PAGE, {"action": "disable", "id": visit.pk})
    assert names(cast) == [
        ("Call", False), ("E-mail", False), ("Meeting", False), ("Site visit", True),
        ("Note", False),
    ]  # fmt: skip
    refused = client.post(PAGE, {"action": "create", "name": "call"}, follow=True)
    assert "already exists" in refused.content.decode()


def test_a_plain_user_changes_nothing(login: Login, cast: Cast) -> None:
    before = names(cast)
    client = login(cast.nils)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "create", "name": "Visit"}).status_code == 403
    assert names(cast) == before
