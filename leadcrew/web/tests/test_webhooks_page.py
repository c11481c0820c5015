"""Admin › Webhooks: admins only; a webhook made, refused exactly as the API refuses it, tested,
its deliveries read (request and answer) and sent again, turned off and on, deleted; another
account's webhook is never found. Deliveries go to a real HTTP receiver through the worker."""

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from leadcrew.access.actor import actor_for_user
from leadcrew.accounts.models import User
from leadcrew.accounts.services import api_key_create
from leadcrew.events.models import Delivery, Webhook
from leadcrew.events.tests.receiver import Receiver, http_receiver
from leadcrew.events.tests.test_webhooks import run_worker
from leadcrew.testing.api_world import World, make_world


@pytest.fixture
def world(transactional_db: None, settings: Any) -> World:
    settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    return make_world("Acme", "admin@acme.test")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as running:
        yield running


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="leadcrew.accounts.backends.EmailBackend")
    return client


def create(client: Client, **fields: str) -> Any:
    data = {"event": "lead.creation", "target_type": "url", "target": "", "name": "", "api_key": ""}
    data.update(fields)
    return client.post("/settings/webhooks", {f"new-{k}": v for k, v in data.items()})


def test_a_plain_user_is_refused_cleanly_and_changes_nothing(world: World) -> None:
    hook = Webhook.objects.create(
        account=world.account, event="lead.creation", target_type="url", target="https://a.test"
    )
    client = logged_in(world.user("bob@acme.test"))
    for url in ("/settings/webhooks", f"/settings/webhooks/{hook.pk}"):
        page = client.get(url)
        assert page.status_code == 403 and b"Only admins" in page.content
    assert create(client, target="https://b.test").status_code == 403
    assert client.post(f"/settings/webhooks/{hook.pk}/delete").status_code == 403
    assert client.post(f"/settings/webhooks/{hook.pk}/disable").status_code == 403
    assert list(Webhook.objects.values_list("target", "is_disabled")) == [("https://a.test", False)]
    assert b"/settings/webhooks" not in client.get("/leads").content


def test_the_panel_links_to_the_webhooks(world: World) -> None:
    page = logged_in(world.admin).get("/settings/webhooks")
    assert page.status_code == 200
    assert b'href="/settings/webhooks" aria-current="page"' in page.content


def test_refusals_are_the_apis_on_their_fields(world: World, settings: Any) -> None:
    settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS = []
    client = logged_in(world.admin)
    cases = {
        "http://hooks.example.com/x": "The address must start with https://.",
        "https://127.0.0.1/x": "private",
        "": "required",
    }
    for target, said in cases.items():
        page = create(client, target=target)
        assert page.status_code == 200
        assert said in str(page.context["form"].errors["target"])
    page = create(client, event="lead.nothing", target="https://hooks.example.com/")
    assert page.context["form"].errors["event"] == ["Unknown event name."]
    page = create(client, target_type="email", target="not an address")
    assert "target" in page.context["form"].errors
    page = create(client, target="https://hooks.example.com/", api_key="lc_not_a_key")
    assert page.context["form"].errors["api_key"] == ["This API key is not valid."]
    assert not Webhook.objects.exists()


def test_a_duplicate_shows_the_existing_webhook(world: World) -> None:
    client = logged_in(world.admin)
    made = create(client, target="http://127.0.0.1:9/hook")
    hook = Webhook.objects.get()
    assert made.status_code == 303 and made["Location"] == f"/settings/webhooks/{hook.pk}"
    again = create(client, target="http://127.0.0.1:9/hook")
    assert again.status_code == 200
    assert again.context["form"].non_field_errors() == [
        "A webhook already sends this event to this target."
    ]
    assert f'href="/settings/webhooks/{hook.pk}"' in again.content.decode()
    assert Webhook.objects.count() == 1


def test_test_send_logs_the_request_and_answer_and_resend_sends_it_again(
    world: World, receiver: Receiver
) -> None:
    client = logged_in(world.admin)
    _, key = api_key_create(actor=actor_for_user(world.admin), name="Signing")
    create(client, event="lead.status.changed.to.won", target=receiver.url, api_key=key)
    hook = Webhook.objects.get()
    sent = client.post(f"/settings/webhooks/{hook.pk}/test")
    assert sent.status_code == 303
    run_worker()
    assert len(receiver.requests) == 1
    event = receiver.requests[0].json["webhook_event"]
    assert event["event"] == "lead.status.changed.to.won" and event["data"]["test"] is True
    assert event["signature"] == hashlib.sha1(f"{event['id']}{key}".encode()).hexdigest()
    page = client.get(f"/settings/webhooks/{hook.pk}").content.decode()
    assert "A test delivery is on its way" in page
    assert "Answer 200" in page and "&quot;webhook_event&quot;" in page and ">ok</pre>" in page

    delivery = Delivery.objects.get()
    again = client.post(f"/settings/deliveries/{delivery.pk}/resend")
    assert again["Location"] == f"/settings/webhooks/{hook.pk}"
    run_worker()
    assert [r.json["webhook_event"]["id"] for r in receiver.requests] == [delivery.pk] * 2
    assert receiver.requests[1].json["webhook_event"]["try_count"] == 2


def test_turn_off_on_and_delete(world: World, receiver: Receiver) -> None:
    client = logged_in(world.admin)
    create(client, target=receiver.url)
    hook = Webhook.objects.get()
    client.post(f"/settings/webhooks/{hook.pk}/disable")
    assert Webhook.objects.get().is_disabled
    refused = client.post(f"/settings/webhooks/{hook.pk}/test", follow=True)
    assert "This webhook is disabled: turn it back on first." in refused.content.decode()
    run_worker()
    assert receiver.requests == []
    client.post(f"/settings/webhooks/{hook.pk}/enable")
    assert not Webhook.objects.get().is_disabled
    gone = client.post(f"/settings/webhooks/{hook.pk}/delete")
    assert gone["Location"] == "/settings/webhooks"
    assert not Webhook.objects.exists()
    assert client.get(f"/settings/webhooks/{hook.pk}").status_code == 404


def test_another_accounts_webhook_and_delivery_are_not_found(world: World) -> None:
    rival = make_world("Rival", "admin@rival.test")
    theirs = Webhook.objects.create(
        account=rival.account, event="lead.creation", target_type="url", target="https://r.test"
    )
    client = logged_in(world.admin)
    for url in (f"/settings/webhooks/{theirs.pk}",):
        assert client.get(url).status_code == 404
    for action in ("test", "disable", "enable", "delete"):
        assert client.post(f"/settings/webhooks/{theirs.pk}/{action}").status_code == 404
    assert client.post("/settings/deliveries/999999/resend").status_code == 404
    assert Webhook.objects.get(pk=theirs.pk).is_disabled is False
    assert b"r.test" not in client.get("/settings/webhooks").content


def test_the_page_speaks_french(world: World) -> None:
    User.objects.filter(pk=world.admin.pk).update(locale="fr")
    page = logged_in(User.objects.get(pk=world.admin.pk)).get("/settings/webhooks")
    text = page.content.decode()
    assert "Nouveau webhook" in text and "Créer le webhook" in text
    assert "Clé d’API pour la signature" in text
