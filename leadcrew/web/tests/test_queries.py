"""Every page reads the database a fixed number of times, whatever the number of leads."""

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadcrew.accounts.models import User
from leadcrew.leads.services import comment_create, lead_create, lead_update
from leadcrew.testing.cast import Cast

# Fifty leads made through the services for each user: seconds in all.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

Login = Callable[[User], Client]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add(cast: Cast, count: int, lead_id: int) -> None:
    admin, nils = cast.actor(cast.admin), cast.actor(cast.nils)
    for i in range(count):
        lead_create(
            actor=nils,
            data={
                "title": f"Lead {i}",
                "tags": ["a", f"t{i}"],
                "status": "standby",
                "remind_date": date(2030, 1, 1),
            },
        )
        lead_create(actor=admin, data={"title": f"Pool {i}", "user_id": None})
        comment_create(actor=nils, lead_id=lead_id, data={"content": f"c{i}"})
        lead_update(actor=nils, lead_id=lead_id, data={"amount": i + 1})


@pytest.mark.parametrize("who", ["nils", "admin"])
def test_query_counts_do_not_grow_with_the_leads(login: Login, cast: Cast, who: str) -> None:
    lead = cast.leads.nils_solo
    urls = [
        "/leads",
        "/leads?status=standby&tags=a&order=next_action",
        "/pipeline",
        "/unassigned",
        "/todo",
        f"/leads/{lead.pk}",
        f"/leads/{lead.pk}/access",
        "/leads/new",
    ]
    client = login(getattr(cast, who))
    _add(cast, 5, lead.pk)
    few = {url: _queries(client, url) for url in urls}
    _add(cast, 45, lead.pk)
    many = {url: _queries(client, url) for url in urls}
    assert many == few
