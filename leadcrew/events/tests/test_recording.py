"""Every change records its events in its own transaction: once per change, never for one that
rolled back, set-based for writes over many leads."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.bulk.services import Selection, bulk_apply, bulk_undo
from leadcrew.core.errors import ApiError, MissingParameter
from leadcrew.events.models import Event, EventName
from leadcrew.events.recording import record_leads_created
from leadcrew.events.tests.conftest import admin_actor, key_actor, many_leads
from leadcrew.leads import pipeline_services, services
from leadcrew.leads.models import Lead, Status
from leadcrew.teams.services import team_delete
from leadcrew.testing.api_world import World

pytestmark = pytest.mark.django_db


def sorted_ids(values: object) -> list[int]:
    return sorted(int(value) for value in values)  # type: ignore[attr-defined]


def names(**filters: object) -> list[tuple[str, str]]:
    return list(Event.objects.filter(**filters).order_by("id").values_list("name", "qualifier"))


def test_a_new_lead_records_its_creation_and_its_owner(acme: World) -> None:
    actor = admin_actor(acme)
    lead = services.lead_create(actor=actor, data={"title": "Big deal"})
    events = list(Event.objects.filter(lead_id=lead.pk).order_by("id"))
    assert [(e.name, e.subject_id, e.actor_id) for e in events] == [
        (EventName.LEAD_CREATION, None, acme.admin.pk),
        (EventName.LEAD_ASSIGNED, acme.admin.pk, acme.admin.pk),
    ]
    assert [e.any_update for e in events] == [True, False]


def test_a_lead_made_with_the_key_waits_unassigned(acme: World) -> None:
    lead = services.lead_create(actor=key_actor(acme), data={"title": "From the website"})
    assert names(lead_id=lead.pk) == [("lead.creation", ""), ("lead.unassigned", "")]


def test_each_kind_of_change_records_one_event_and_one_any_update(acme: World) -> None:
    actor = admin_actor(acme)
    lead = services.lead_create(actor=actor, data={"title": "Deal"})
    Event.objects.all().delete()
    second = acme.default_pipeline().steps.order_by("position")[1]
    services.lead_update(
        actor=actor, lead_id=lead.pk, data={"status": "won", "step": second.pk, "amount": 10}
    )
    events = list(Event.objects.order_by("id"))
    assert [(e.name, e.qualifier) for e in events] == [
        ("lead.status.changed", "won"),
        ("lead.step.changed", f"{acme.default_pipeline().name}.{second.name}"),
        ("lead.content_has_changed", ""),
    ]
    assert [e.any_update for e in events] == [True, False, False]
    assert events[0].matching_names() == [
        "lead.status.changed",
        "lead.status.changed.to.won",
        "lead.any_update",
    ]


def test_a_write_that_changes_nothing_records_nothing(acme: World) -> None:
    actor = admin_actor(acme)
    lead = services.lead_create(actor=actor, data={"title": "Deal", "tags": ["a"]})
    Event.objects.all().delete()
    services.lead_update(actor=actor, lead_id=lead.pk, data={"title": "Deal", "tags": ["a"]})
    assert not Event.objects.exists()
    services.lead_update(actor=actor, lead_id=lead.pk, data={"tags": ["a", "b"]})
    assert names() == [("lead.content_has_changed", "")]


def test_assigning_and_placing_in_a_team(acme: World) -> None:
    actor = admin_actor(acme)
    bob = acme.user("bob@acme.test")
    team = acme.team("North", members=(bob,))
    lead = services.lead_create(actor=actor, data={"title": "Deal"})
    Event.objects.all().delete()
    services.lead_update(actor=actor, lead_id=lead.pk, data={"team_id": team.pk, "user_id": bob.pk})
    events = list(Event.objects.order_by("id").values_list("name", "subject_id"))
    assert events == [("lead.assigned", bob.pk), ("lead.team.changed", team.pk)]


def test_a_rolled_back_change_leaves_no_event(acme: World) -> None:
    actor = admin_actor(acme)
    lead = services.lead_create(actor=actor, data={"title": "Deal"})
    Event.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.lead_update(actor=actor, lead_id=lead.pk, data={"status": "lost"})
        assert Event.objects.count() == 1
        raise RuntimeError("the caller's transaction fails after the write")
    assert not Event.objects.exists()
    # A refused write records nothing either.
    with pytest.raises(MissingParameter):
        services.lead_update(actor=actor, lead_id=lead.pk, data={"status": "standby"})
    assert not Event.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == Status.TODO


def test_comment_delete_restore(acme: World) -> None:
    actor = admin_actor(acme)
    lead = services.lead_create(actor=actor, data={"title": "Deal"})
    Event.objects.all().delete()
    comment = services.comment_create(actor=actor, lead_id=lead.pk, data={"content": "Called"})
    services.lead_delete(actor=actor, lead_id=lead.pk)
    services.lead_restore(actor=actor, lead_id=lead.pk)
    rows = list(Event.objects.order_by("id").values_list("name", "subject_id", "any_update"))
    assert rows == [
        ("lead.commented", comment.pk, True),
        ("lead.deleted", None, True),
        ("lead.any_update", None, True),
    ]


def test_deleting_many_records_one_event_per_lead_in_one_statement(acme: World) -> None:
    ids = many_leads(acme, 20)
    with CaptureQueriesContext(connection) as queries:
        services.lead_delete_many(actor=admin_actor(acme), lead_ids=ids)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "events_event"')]
    assert len(inserts) == 1
    assert (
        sorted_ids(Event.objects.filter(name="lead.deleted").values_list("lead_id", flat=True))
        == ids
    )


def test_a_bulk_action_of_1000_leads_records_1000_events_set_based(acme: World) -> None:
    bob = acme.user("bob@acme.test")
    ids = many_leads(acme, 1000)
    with CaptureQueriesContext(connection) as queries:
        result = bulk_apply(
            actor=admin_actor(acme),
            action="assign",
            selection=Selection(ids=ids),
            params={"user_id": bob.pk},
        )
    assert result.changed == 1000
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "events_event"')]
    assert len(inserts) == 1
    events = Event.objects.filter(name="lead.assigned", bulk_action_id=result.bulk_action.pk)
    assert events.count() == 1000
    assert set(events.values_list("subject_id", flat=True)) == {bob.pk}
    assert sorted_ids(events.values_list("lead_id", flat=True)) == ids
    assert all(events.values_list("any_update", flat=True))
    # Its undo is an update of every lead it puts back.
    bulk_undo(actor=admin_actor(acme), bulk_action_id=result.bulk_action.pk)
    assert Event.objects.filter(name="lead.any_update").count() == 1000


def test_bulk_status_and_step_carry_their_qualifier(acme: World) -> None:
    ids = many_leads(acme, 3, owner=acme.admin)
    actor = admin_actor(acme)
    bulk_apply(
        actor=actor, action="set_status", selection=Selection(ids=ids), params={"status": "lost"}
    )
    step = acme.default_pipeline().steps.order_by("position")[2]
    bulk_apply(
        actor=actor, action="move_to_step", selection=Selection(ids=ids), params={"step": step.pk}
    )
    assert set(names()) == {
        ("lead.status.changed", "lost"),
        ("lead.step.changed", f"{step.pipeline.name}.{step.name}"),
    }
    assert Event.objects.count() == 6


def test_a_refused_bulk_action_records_nothing(acme: World) -> None:
    ids = many_leads(acme, 3)
    with pytest.raises(ApiError):
        bulk_apply(
            actor=admin_actor(acme),
            action="set_status",
            selection=Selection(ids=ids),
            params={"status": "standby"},
        )
    assert not Event.objects.exists()


def test_deleting_a_team_records_its_leads_leaving_it(acme: World) -> None:
    team = acme.team("North")
    ids = many_leads(acme, 4, team=team)
    team_delete(actor=admin_actor(acme), team_id=team.pk)
    assert (
        sorted_ids(Event.objects.filter(name="lead.team.changed").values_list("lead_id", flat=True))
        == ids
    )


def test_waking_standby_leads_records_their_return_to_todo(acme: World) -> None:
    past = timezone.now() - timedelta(hours=1)
    ids = many_leads(acme, 2, status=Status.STANDBY, next_action_at=past)
    services.standby_wake_due()
    assert (
        sorted_ids(
            Event.objects.filter(name="lead.status.changed", qualifier="todo").values_list(
                "lead_id", flat=True
            )
        )
        == ids
    )


def test_leads_created_set_based_record_their_creation(acme: World) -> None:
    bob = acme.user("bob@acme.test")
    ids = many_leads(acme, 3)
    Lead.objects.filter(pk=ids[0]).update(owner=bob)
    count = record_leads_created(account_id=acme.account.pk, actor_id=acme.admin.pk, lead_ids=ids)
    assert count == 3
    assert sorted(names()) == sorted(
        [("lead.creation", "")] * 3 + [("lead.assigned", "")] + [("lead.unassigned", "")] * 2
    )
    assert Event.objects.get(name="lead.assigned").subject_id == bob.pk


def test_steps_and_pipelines_record_account_events(acme: World) -> None:
    actor = admin_actor(acme)
    pipeline = pipeline_services.pipeline_create(actor=actor, name="Partners", step_names=["Met"])
    step = pipeline_services.step_create(actor=actor, pipeline_id=pipeline.pk, name="Signed")
    pipeline_services.step_update(actor=actor, step_id=step.pk, name="Signed!")
    pipeline_services.step_delete(actor=actor, step_id=step.pk)
    rows = list(Event.objects.order_by("id").values_list("name", "data"))
    assert [name for name, _ in rows] == [
        "account.pipeline.updated",
        "account.step.created",
        "account.step.updated",
        "account.step.deleted",
    ]
    data = rows[2][1]
    assert data is not None
    assert data["name"] == "Signed!"
    assert data["pipeline"]["name"] == "Partners"


def test_a_new_client_folder_records_its_event(acme: World) -> None:
    from leadcrew.contacts.client_folder_services import client_folder_create

    folder = client_folder_create(actor=admin_actor(acme), name="Globex", description="HQ")
    event = Event.objects.get()
    assert (event.name, event.subject_id) == ("client_folder.created", folder.pk)
    assert event.data is not None and event.data["name"] == "Globex"


def test_an_import_records_its_leads_creation_with_its_bulk_action(acme: World) -> None:
    ids = many_leads(acme, 2)
    record_leads_created(
        account_id=acme.account.pk, actor_id=acme.admin.pk, lead_ids=ids, bulk_action_id=7
    )
    assert set(Event.objects.values_list("bulk_action_id", flat=True)) == {7}
