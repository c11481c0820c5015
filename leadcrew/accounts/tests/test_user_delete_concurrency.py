"""Deleting a user while people edit that user's leads, on PostgreSQL (SQLite runs one writer at
a time, so nothing can interleave there): no edit is lost, every lead changes hands once, with
one history row, and no lead's updated_at goes back."""

import functools
import random
import threading
from collections.abc import Callable
from datetime import datetime

import pytest
from django.db import connection, connections
from django.db.models import Max

from leadcrew.access.actor import actor_for_user
from leadcrew.accounts.deletion_services import user_delete
from leadcrew.accounts.models import User
from leadcrew.leads.models import HistoryAction, Lead, LeadHistory
from leadcrew.leads.services import lead_update
from leadcrew.testing.api_world import make_world

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers: PostgreSQL"
    ),
]

LEADS = 3_000
EDITORS = 3
EDITS_EACH = 40


def _in_thread(target: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()  # each thread has its own connection

    return threading.Thread(target=run)


def test_deleting_a_user_while_their_leads_are_edited_loses_nothing() -> None:
    world = make_world("Busy", "admin@busy.test")
    leaving = world.user("leaving@busy.test", first_name="Leaving")
    heir = world.user("heir@busy.test", first_name="Heir")
    step = world.first_step()
    Lead.objects.bulk_create(
        Lead(account=world.account, title=f"Lead {n}", currency="EUR", step=step, owner=leaving)
        for n in range(LEADS)
    )
    ids = sorted(Lead.objects.filter(account=world.account).values_list("pk", flat=True))
    actor = actor_for_user(world.admin, world.account)
    done: dict[int, tuple[str, datetime]] = {}  # lead -> (title written, when it answered)
    lock = threading.Lock()
    started = threading.Event()

    def edit(number: int) -> None:
        chooser = random.Random(number)
        started.wait()
        for edit_number in range(EDITS_EACH):
            lead_id = chooser.choice(ids)
            title = f"Edited {number}-{edit_number}"
            lead = lead_update(actor=actor, lead_id=lead_id, data={"title": title})
            with lock:
                previous = done.get(lead_id)
                if previous is None or previous[1] < lead.updated_at:
                    done[lead_id] = (title, lead.updated_at)

    results = []

    def delete() -> None:
        started.set()
        results.append(user_delete(actor=actor, user_id=leaving.pk, reassign_to=heir.pk))

    threads = [_in_thread(delete)]
    threads += [_in_thread(functools.partial(edit, n)) for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [deletion] = results
    assert deletion.leads == LEADS
    assert not User.objects.filter(pk=leaving.pk).exists()
    rows = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
    assert set(rows.values()) == {heir.pk}
    titles = dict(Lead.objects.filter(pk__in=list(done)).values_list("pk", "title"))
    assert {lead_id: titles[lead_id] for lead_id in done} == {
        lead_id: title for lead_id, (title, _) in done.items()
    }
    handed = LeadHistory.objects.filter(lead_id__in=ids, action=HistoryAction.OWNER)
    assert handed.count() == LEADS
    assert set(handed.values_list("old_value", "new_value")) == {("Deleted user", "Heir")}
    last_written = dict(
        LeadHistory.objects.filter(lead_id__in=ids)
        .values("lead_id")
        .annotate(last=Max("created_at"))
        .values_list("lead_id", "last")
    )
    updated = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "updated_at"))
    assert [lead_id for lead_id, last in last_written.items() if updated[lead_id] < last] == []
