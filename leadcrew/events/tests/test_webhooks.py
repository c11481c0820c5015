"""Webhooks through the API and delivered by the worker to a real HTTP receiver: the
reference's body and signature, our own HMAC header, retries, order per lead, exactly once
with two workers, and no request to private addresses."""

import hashlib
import hmac
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from leadcrew.access.actor import actor_for_user
from leadcrew.accounts.models import User
from leadcrew.bulk.services import Selection, bulk_apply
from leadcrew.contacts.models import FieldType
from leadcrew.contacts.services import field_create
from leadcrew.core.errors import NotFound, Unauthorized
from leadcrew.events.delivery import DISABLE_AFTER
from leadcrew.events.models import Delivery, DeliveryState, Event, Notification, Webhook
from leadcrew.events.services import delivery_resend, event_names
from leadcrew.events.tests.conftest import admin_actor, many_leads
from leadcrew.events.tests.receiver import Receiver, http_receiver
from leadcrew.leads import services
from leadcrew.leads.pipeline_services import step_create
from leadcrew.testing.api_world import World, as_user, make_world


def run_worker(name: str = "w1") -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name,
        excluded_queue_names=[],
    ).run()


def subscribe(world: World, event: str, target: str) -> dict[str, Any]:
    response = world.key.post(
        "/webhooks", {"event": event, "target_type": "url", "target": target, "name": "CRM sync"}
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


@pytest.fixture
def world(transactional_db: None) -> World:
    return make_world("Acme", "admin@acme.test")


@pytest.fixture
def receiver() -> Any:
    with http_receiver() as running:
        yield running


def test_a_won_lead_is_posted_with_both_signatures(world: World, receiver: Receiver) -> None:
    hook = subscribe(world, "lead.status.changed.to.won", receiver.url)
    assert hook["event"] == "lead.status.changed.to.won"
    assert hook["target_type"] == "url" and hook["is_disabled"] is False
    actor = admin_actor(world)
    lead = services.lead_create(actor=actor, data={"title": "Big deal"})
    services.lead_update(actor=actor, lead_id=lead.pk, data={"status": "lost"})
    services.lead_update(actor=actor, lead_id=lead.pk, data={"status": "won"})
    run_worker()

    assert len(receiver.requests) == 1
    received = receiver.requests[0]
    event = received.json["webhook_event"]
    assert event["event"] == "lead.status.changed.to.won"
    assert event["data"]["id"] == lead.pk and event["data"]["status"] == "won"
    assert event["data"]["title"] == "Big deal"
    assert event["try_count"] == 1
    assert set(event) == {
        "id", "event", "signature", "data", "has_succeeded", "try_count", "last_returned_code"
    }  # fmt: skip
    expected = hashlib.sha1(f"{event['id']}{world.api_key}".encode()).hexdigest()
    assert event["signature"] == expected
    webhook = Webhook.objects.get(pk=hook["id"])
    stamp, mac = received.headers["X-Leadcrew-Signature"].split(",")
    timestamp = int(stamp.removeprefix("t="))
    signed = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    assert mac == f"v1={signed}"
    assert abs(timestamp - timezone.now().timestamp()) < 300
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.last_returned_code == 200

    # The delivery log, through the API.
    log = world.key.get("/webhook_events").json()
    assert [row["id"] for row in log] == [delivery.pk]
    assert log[0]["has_succeeded"] is True
    detail = world.key.get(f"/webhook_events/{delivery.pk}").json()
    assert detail["request_body"] == received.body.decode()
    assert detail["response_body"] == "ok"


def test_a_lead_is_posted_as_get_lead_answers_it(world: World, receiver: Receiver) -> None:
    """Its fields by name and its contact e-mails included, as integrations read them."""
    subscribe(world, "lead.status.changed.to.won", receiver.url)
    actor = admin_actor(world)
    field_create(actor=actor, name="Contact e-mail", type=FieldType.EMAIL)
    lead = services.lead_create(
        actor=actor, data={"title": "Big deal", "fields": {"contact_e_mail": "ada@example.com"}}
    )
    services.lead_update(actor=actor, lead_id=lead.pk, data={"status": "won"})
    run_worker()

    (received,) = receiver.requests
    posted = received.json["webhook_event"]["data"]
    answered = world.key.get(f"/leads/{lead.pk}").json()
    assert posted["extended_info"]["fields_by_name"]["Contact e-mail"] == "ada@example.com"
    assert posted["contact_email"] == "ada@example.com"
    assert {**posted, "permalink": None} == {**answered, "permalink": None}


def test_a_step_named_with_spaces_can_be_subscribed_to(world: World, receiver: Receiver) -> None:
    actor = admin_actor(world)
    pipeline = world.default_pipeline()
    follow_up = step_create(actor=actor, pipeline_id=pipeline.pk, name="Follow up call")
    event = f"lead.step.changed.to.{pipeline.name}.Follow up call"
    assert event in event_names(actor)
    hook = subscribe(world, event, receiver.url)
    assert hook["event"] == event
    lead = services.lead_create(actor=actor, data={"title": "Deal"})
    services.lead_update(actor=actor, lead_id=lead.pk, data={"step": follow_up.pk})
    run_worker()

    assert [r.json["webhook_event"]["event"] for r in receiver.requests] == [event]
    assert receiver.requests[0].json["webhook_event"]["data"]["step"] == "Follow up call"


def test_an_event_fires_once_and_never_for_a_rolled_back_change(
    world: World, receiver: Receiver
) -> None:
    subscribe(world, "lead.any_update", receiver.url)
    actor = admin_actor(world)
    lead = services.lead_create(actor=actor, data={"title": "Deal"})
    with pytest.raises(RuntimeError), transaction.atomic():
        services.lead_update(actor=actor, lead_id=lead.pk, data={"title": "Renamed"})
        raise RuntimeError("rolled back")
    run_worker()
    run_worker()  # a second run sends nothing again
    bodies = [r.json["webhook_event"] for r in receiver.requests]
    assert len(bodies) == 1
    assert bodies[0]["data"]["title"] == "Deal"
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 0


def test_a_failed_delivery_is_retried_and_then_succeeds(world: World, receiver: Receiver) -> None:
    subscribe(world, "lead.creation", receiver.url)
    receiver.answers = [500]
    services.lead_create(actor=admin_actor(world), data={"title": "Deal"})
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.try_count == 1 and delivery.last_returned_code == 500
    assert delivery.next_try_at > timezone.now()
    # The retry is queued for later; bring its time forward instead of waiting.
    Delivery.objects.update(next_try_at=timezone.now())
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.try_count == 2
    tries = [r.json["webhook_event"] for r in receiver.requests]
    assert [(t["try_count"], t["last_returned_code"]) for t in tries] == [(1, None), (2, 500)]
    assert tries[0]["id"] == tries[1]["id"]


def test_a_webhook_failing_for_three_days_is_disabled_and_admins_told(
    world: World, receiver: Receiver
) -> None:
    hook = subscribe(world, "lead.creation", receiver.url)
    Webhook.objects.filter(pk=hook["id"]).update(
        failing_since=timezone.now() - DISABLE_AFTER - timedelta(minutes=1)
    )
    receiver.answers = [503]
    services.lead_create(actor=admin_actor(world), data={"title": "Deal"})
    run_worker()
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.is_disabled and webhook.disabled_reason == "failing"
    assert Notification.objects.filter(user=world.admin, kind="webhook_disabled").count() == 1
    # Re-activated through the API.
    assert world.key.put(f"/webhooks/{webhook.pk}/activate").json()["is_disabled"] is False


def test_deliveries_about_one_lead_keep_their_order(world: World, receiver: Receiver) -> None:
    subscribe(world, "lead.any_update", receiver.url)
    actor = admin_actor(world)
    lead = services.lead_create(actor=actor, data={"title": "v0"})
    receiver.answers = [500]
    run_worker()  # the creation fails once: what follows must wait behind it
    for n in range(1, 4):
        services.lead_update(actor=actor, lead_id=lead.pk, data={"title": f"v{n}"})
    run_worker()
    assert len(receiver.requests) == 1
    assert Delivery.objects.filter(state=DeliveryState.PENDING).count() == 4
    Delivery.objects.update(next_try_at=timezone.now())
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    ids = [r.json["webhook_event"]["id"] for r in receiver.requests]
    assert ids[1:] == sorted(ids[1:]) and ids[0] == ids[1]
    assert len(ids) == 5


@pytest.mark.slow
def test_two_workers_deliver_each_event_exactly_once(world: World, receiver: Receiver) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("two workers at once need PostgreSQL's row locks")
    subscribe(world, "lead.assigned", receiver.url)
    bob = world.user("bob@acme.test")
    ids = many_leads(world, 1000)
    bulk_apply(
        actor=admin_actor(world), action="assign", selection=Selection(ids=ids),
        params={"user_id": bob.pk},
    )  # fmt: skip
    # Several tasks in the queue for the same webhook, as several kicks would leave.
    from leadcrew.events.tasks import deliver_webhook, dispatch_events

    dispatch_events.enqueue()

    def worker_thread(name: str) -> None:
        try:
            run_worker(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_thread, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(3):
        deliver_webhook.enqueue(Webhook.objects.get().pk)
    for thread in threads:
        thread.join()
    run_worker()
    delivered = [r.json["webhook_event"]["id"] for r in receiver.requests]
    assert len(delivered) == 1000
    assert len(set(delivered)) == 1000
    assert sorted(r.json["webhook_event"]["data"]["id"] for r in receiver.requests) == ids


def test_duplicates_answer_409_with_the_existing_id(world: World) -> None:
    first = subscribe(world, "lead.creation", "https://93.184.215.14/hook")
    again = world.key.post(
        "/webhooks",
        {"event": "lead.creation", "target_type": "url", "target": "https://93.184.215.14/hook"},
    )
    assert again.status_code == 409
    assert again.json()["id"] == first["id"] and again.json()["type"] == "already_exist"


@pytest.mark.parametrize(
    "target",
    [
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://127.0.0.2/hook",
        "http://93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https://user:pw@93.184.215.14/hook",
    ],
)
def test_private_addresses_and_plain_http_are_refused(
    world: World, target: str, settings: Any
) -> None:
    settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS = []
    response = world.key.post(
        "/webhooks", {"event": "lead.creation", "target_type": "url", "target": target}
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "target"
    assert not Webhook.objects.exists()


def test_webhooks_need_the_account_key(world: World) -> None:
    response = as_user(world.admin).get("/webhooks")
    assert response.status_code == 401
    assert response.json()["type"] == "not_api_key"
    bad = world.key.post(
        "/webhooks", {"event": "lead.nothing", "target_type": "url", "target": "https://x.test"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "event"


def test_another_account_never_sees_or_changes_a_webhook(world: World) -> None:
    hook = subscribe(world, "lead.creation", "https://93.184.215.14/hook")
    rival = make_world("Rival", "admin@rival.test")
    assert rival.key.get("/webhooks").json() == []
    assert rival.key.delete(f"/webhooks/{hook['id']}").status_code == 404
    assert world.key.delete(f"/webhooks/{hook['id']}").json()["is_disabled"] is True
    assert User.objects.filter(account=rival.account).exists()


def test_a_delivery_of_the_log_is_sent_again_as_it_was(world: World, receiver: Receiver) -> None:

    subscribe(world, "lead.creation", receiver.url)
    receiver.answers = [500]
    lead = services.lead_create(actor=admin_actor(world), data={"title": "Deal"})
    run_worker()
    # Given up: failed for good after the retry window.
    Delivery.objects.update(state=DeliveryState.FAILED)
    delivery = Delivery.objects.get()
    # The lead changed since: the re-send carries the data first sent, not the lead as it is now.
    services.lead_update(actor=admin_actor(world), lead_id=lead.pk, data={"title": "Renamed"})
    with pytest.raises(Unauthorized):
        delivery_resend(actor=actor_for_user(world.user("bob@acme.test")), delivery_id=delivery.pk)
    rival = make_world("Rival", "admin@rival.test")
    with pytest.raises(NotFound):
        delivery_resend(actor=admin_actor(rival), delivery_id=delivery.pk)
    assert Delivery.objects.get().state == DeliveryState.FAILED

    again = delivery_resend(actor=admin_actor(world), delivery_id=delivery.pk)
    assert again.state == DeliveryState.PENDING and again.next_try_at <= timezone.now()
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.try_count == 2
    first, second = (r.json["webhook_event"] for r in receiver.requests)
    assert second["id"] == first["id"] == delivery.pk
    assert second["data"]["title"] == first["data"]["title"] == "Deal"


def test_a_delivery_being_sent_is_left_to_its_worker(world: World) -> None:

    subscribe(world, "lead.creation", "http://127.0.0.1:9/hook")
    services.lead_create(actor=admin_actor(world), data={"title": "Deal"})
    run_worker()
    Delivery.objects.update(state=DeliveryState.SENDING, try_count=7)
    delivery = Delivery.objects.get()
    assert delivery_resend(actor=admin_actor(world), delivery_id=delivery.pk).state == "sending"
