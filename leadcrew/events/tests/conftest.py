import pytest

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import World


def admin_actor(world: World) -> Actor:
    return actor_for_user(world.admin)


def key_actor(world: World) -> Actor:
    return actor_for_api_key(world.account)


def many_leads(world: World, count: int, **fields: object) -> list[int]:
    step = world.first_step()
    Lead.objects.bulk_create(
        Lead(
            account=world.account,
            title=f"Lead {n}",
            currency="EUR",
            step=step,
            **fields,
        )
        for n in range(count)
    )
    return list(
        Lead.objects.filter(account=world.account).order_by("pk").values_list("pk", flat=True)
    )


@pytest.fixture(autouse=True)
def _webhook_hosts(settings: object) -> None:
    settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]  # type: ignore[attr-defined]
