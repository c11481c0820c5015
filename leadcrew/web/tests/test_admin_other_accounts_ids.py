"""Every route of the admin panel that names a record by id answers 404 to an id of another
account, exactly as to an id that does not exist, by GET and by POST, and changes nothing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils.timezone import now

from leadcrew.accounts.models import ApiKey, User
from leadcrew.audit.models import SensitiveAction
from leadcrew.events.models import Delivery, Event, Webhook
from leadcrew.leads.models import Lead, Pipeline, Step
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.cast import Cast
from leadcrew.web import urls

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
NEVER = 2**40  # an id no record has


def admin_routes_with_ids() -> list[URLPattern]:
    """The admin panel's routes (under settings/) whose URL carries ids."""
    return [
        pattern
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern)
        and str(pattern.pattern).startswith("settings/")
        and pattern.pattern.converters
    ]


def rival_webhook(cast: Cast) -> tuple[Webhook, Delivery]:
    """A webhook of Rival's, with a delivery in its log."""
    account = cast.rival.account
    webhook, _ = Webhook.objects.get_or_create(
        account=account, event="lead.creation", target_type="url", target="https://rival.test"
    )
    event = Event.objects.create(account=account, name="lead.creation", dispatched_at=now())
    delivery = Delivery.objects.filter(webhook=webhook).first() or Delivery.objects.create(
        account=account, webhook=webhook, event=event, event_name=webhook.event, state="failed"
    )
    return webhook, delivery


def rival_ids(cast: Cast) -> dict[str, int]:
    rival = cast.rival
    pipeline = Pipeline.objects.get(account=rival.account, is_default=True)
    webhook, delivery = rival_webhook(cast)
    return {
        "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
        "team_id": rival.north.pk,
        "user_id": rival.rob.pk,
        "pipeline_id": pipeline.pk,
        "step_id": Step.objects.filter(pipeline=pipeline).order_by("position")[0].pk,
        "key_id": ApiKey.objects.get(account=rival.account).pk,
    }


def form_data(cast: Cast, ids: dict[str, int]) -> dict[str, Any]:
    """What each form of the panel would take, aimed at the given ids: had a route let the
    request through, something would have changed."""
    team, pipeline, step = ids["team_id"], ids["pipeline_id"], ids["step_id"]
    return {
        f"team{team}-name": "Taken over",
        f"member{team}-user_id": cast.nils.pk,
        f"member{team}-is_manager": "on",
        f"pipeline{pipeline}-name": "Taken over",
        f"newstep{pipeline}-name": "Taken over",
        f"step{step}-name": "Taken over",
        "first_name": "Taken",
        "last_name": "Over",
        "locale": "fr",
        "is_admin": "on",
        "password": "taken-over-99",
        "active": "0",
        "is_manager": "1",
        "round_robin": "1",
        "default": "1",
        "move": "down",
        "delete-reassign_to": "pool",
        "delete-confirm": "on",
    }


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row an admin route could change, in both accounts."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk", "first_name", "last_name", "locale", "is_admin", "is_disabled", "password"
            )
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name", "round_robin")),
        "memberships": list(
            Membership.objects.order_by("pk").values_list("team_id", "user_id", "is_manager")
        ),
        "pipelines": list(
            Pipeline.objects.order_by("pk").values_list("pk", "name", "is_default", "position")
        ),
        "steps": list(Step.objects.order_by("pk").values_list("pk", "name", "position")),
        "keys": list(ApiKey.objects.order_by("pk").values_list("pk", "revoked_at")),
        "leads": list(Lead.objects.order_by("pk").values_list("pk", "owner_id", "team_id")),
        "log": list(SensitiveAction.objects.order_by("pk").values_list("pk")),
        "webhooks": list(Webhook.objects.order_by("pk").values_list("pk", "is_disabled")),
        "deliveries": list(Delivery.objects.order_by("pk").values_list("pk", "state")),
    }


def test_every_admin_route_with_ids_is_walked(cast: Cast) -> None:
    # A new kind of id in an admin URL must be added to rival_ids (and to PATH_RECORDS).
    names = {name for route in admin_routes_with_ids() for name in route.pattern.converters}
    assert names == set(rival_ids(cast))
    assert len(admin_routes_with_ids()) >= 14


@pytest.mark.parametrize("ids_of", ["rival", "nobody"])
def test_another_accounts_ids_answer_404_and_change_nothing(
    login: Login, cast: Cast, ids_of: str
) -> None:
    ids = rival_ids(cast) if ids_of == "rival" else dict.fromkeys(rival_ids(cast), NEVER)
    client = login(cast.admin)
    before = snapshot()
    answers = {}
    for route in admin_routes_with_ids():
        url = reverse(f"web:{route.name}", kwargs={n: ids[n] for n in route.pattern.converters})
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, form_data(cast, ids) if method == "post" else None
            )
            answers[f"{method.upper()} {url}"] = response.status_code
            if response.status_code == 404:
                assert b"Taken over" not in response.content
    assert answers == dict.fromkeys(answers, 404)
    assert snapshot() == before


def test_a_mix_of_own_and_foreign_ids_is_404_too(login: Login, cast: Cast) -> None:
    # Acme's own team with Rival's user: the route must not reach the service.
    client = login(cast.admin)
    before = snapshot()
    rob = cast.rival.rob.pk
    for url in (
        f"/settings/teams/{cast.north.pk}/members/{rob}/remove",
        f"/settings/teams/{cast.north.pk}/members/{rob}/manager",
    ):
        assert client.post(url, {"is_manager": "1"}).status_code == 404
    assert snapshot() == before


def test_own_ids_still_work(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    assert client.get(f"/settings/users/{cast.nils.pk}").status_code == 200
    url = f"/settings/teams/{cast.north.pk}/rename"
    assert client.post(url, {f"team{cast.north.pk}-name": "Nord"}).status_code == 303
    assert Team.objects.get(pk=cast.north.pk).name == "Nord"
    # A POST-only route answers GET with 405 for an id of the account, as before.
    assert client.get(url).status_code == 405


def test_a_non_admin_gets_403_whatever_the_ids(login: Login, cast: Cast) -> None:
    client = login(cast.mona)
    ids = rival_ids(cast)
    for route in admin_routes_with_ids():
        url = reverse(f"web:{route.name}", kwargs={n: ids[n] for n in route.pattern.converters})
        assert client.post(url, form_data(cast, ids)).status_code == 403
