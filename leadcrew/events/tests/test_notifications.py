"""Notifications e-mailed through a real SMTP server (aiosmtpd): one grouped e-mail for a bulk
assignment, in the user's language, never about a lead they may not see."""

import pytest

from leadcrew.accounts.models import Account, Privacy
from leadcrew.bulk.services import Selection, bulk_apply
from leadcrew.events.models import Notification, NotificationSettings
from leadcrew.events.tests.conftest import Inbox, admin_actor, body, many_leads
from leadcrew.events.tests.test_webhooks import run_worker
from leadcrew.leads import services
from leadcrew.testing.api_world import World, make_world


@pytest.fixture
def world(transactional_db: None) -> World:
    return make_world("Acme", "admin@acme.test")


def test_a_bulk_assignment_of_1000_leads_is_one_email(world: World, inbox: Inbox) -> None:
    bob = world.user("bob@acme.test", locale="fr")
    ids = many_leads(world, 1000)
    bulk_apply(
        actor=admin_actor(world),
        action="assign",
        selection=Selection(ids=ids),
        params={"user_id": bob.pk},
    )
    run_worker()
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["bob@acme.test"]
    assert message["Subject"] == "1000 opportunités vous ont été attribuées"
    assert "Ada Acme" in body(message)
    notification = Notification.objects.get(user=bob)
    assert notification.count == 1000 and notification.emailed_at is not None
    run_worker()
    assert len(inbox.messages) == 1


def test_one_lead_assigned_by_someone_else_links_to_it(world: World, inbox: Inbox) -> None:
    bob = world.user("bob@acme.test")
    lead = services.lead_create(
        actor=admin_actor(world), data={"title": "Big deal", "user_id": bob.pk}
    )
    services.lead_create(actor=admin_actor(world), data={"title": "Mine"})  # to oneself: nothing
    run_worker()
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["bob@acme.test"]
    assert message["Subject"] == "Lead assigned to you: Big deal"
    assert f"/leads/{lead.pk}" in body(message)


def test_no_email_for_who_turned_it_off_or_cannot_see_the_lead(world: World, inbox: Inbox) -> None:
    Account.objects.filter(pk=world.account.pk).update(privacy=Privacy.ADMINS_ONLY)
    bob = world.user("bob@acme.test")
    NotificationSettings.objects.create(user=bob, email_assigned=False)
    carol = world.user("carol@acme.test")
    world.account.refresh_from_db()
    actor = admin_actor(world)
    services.lead_create(actor=actor, data={"title": "For Bob", "user_id": bob.pk})
    lead = services.lead_create(actor=actor, data={"title": "For Carol", "user_id": carol.pk})
    # Taken away from Carol before the worker runs: she may no longer see it.
    services.lead_update(actor=actor, lead_id=lead.pk, data={"user_id": world.admin.pk})
    run_worker()
    assert inbox.messages == []
    assert Notification.objects.filter(user=bob).count() == 1  # still in the app's list


def test_email_webhooks_send_the_event(world: World, inbox: Inbox) -> None:
    response = world.key.post(
        "/webhooks",
        {"event": "lead.creation", "target_type": "email", "target": "sales@acme.test"},
    )
    assert response.status_code == 201
    services.lead_create(actor=admin_actor(world), data={"title": "Website form"})
    run_worker()
    assert [r for r, _ in inbox.messages] == [["sales@acme.test"]]
    assert inbox.messages[0][1]["Subject"] == "[leadcrew] lead.creation: Website form"
    assert make_world("Rival", "admin@rival.test").key.get("/webhook_events").json() == []
