"""A bulk action over 20,000 leads while people edit the same leads, on PostgreSQL (SQLite
runs one writer at a time, so nothing can interleave there).

What must hold: every edit that answered "done" is either in the final row, or recorded in the
lead's history as overwritten by the bulk action that came after it; every lead's updated_at is
at least its last history row's time; and undo leaves the leads edited after the bulk alone.
"""

import random
import threading
from collections.abc import Callable
from datetime import datetime

import pytest
from django.db import connection, connections
from django.db.models import Max

from leadcrew.access.actor import actor_for_user
from leadcrew.bulk.models import BulkActionType
from leadcrew.bulk.services import Selection, bulk_apply, bulk_undo
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

LEADS = 20_000
EDITORS = 3
EDITS_EACH = 60


def _in_thread(target: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()  # each thread has its own connection

    return threading.Thread(target=run)


def test_a_bulk_action_and_single_edits_lose_nothing() -> None:
    world = make_world("Busy", "admin@busy.test")
    admin = world.admin
    bulk_owner = world.user("bulk@busy.test", first_name="Bulk", last_name="Owner")
    editor = world.user("hand@busy.test", first_name="Hand", last_name="Edited")
    step = world.first_step()
    Lead.objects.bulk_create(
        Lead(
            account=world.account,
            title=f"Lead {n}",
            currency="EUR",
            step=step,
            owner=admin,
        )
        for n in range(LEADS)
    )
    ids = sorted(Lead.objects.filter(account=world.account).values_list("pk", flat=True))
    actor = actor_for_user(admin, world.account)
    done: list[tuple[int, datetime]] = []  # (lead, the instant the edit answered)
    lock = threading.Lock()
    started = threading.Event()

    def edit() -> None:
        chooser = random.Random(threading.get_ident())
        started.wait()
        for _ in range(EDITS_EACH):
            lead_id = chooser.choice(ids)
            lead = lead_update(actor=actor, lead_id=lead_id, data={"user_id": editor.pk})
            with lock:
                done.append((lead_id, lead.updated_at))

    results = []

    def bulk() -> None:
        started.set()
        results.append(
            bulk_apply(
                actor=actor,
                action=BulkActionType.ASSIGN,
                selection=Selection(ids=ids[:10_000]),
                params={"user_id": bulk_owner.pk},
            )
        )
        results.append(
            bulk_apply(
                actor=actor,
                action=BulkActionType.ASSIGN,
                selection=Selection(ids=ids[10_000:]),
                params={"user_id": bulk_owner.pk},
            )
        )

    threads = [_in_thread(bulk)] + [_in_thread(edit) for _ in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == EDITORS * EDITS_EACH
    assert all(result.changed > 0 for result in results)

    edited = {lead_id for lead_id, _ in done}
    owners = dict(Lead.objects.filter(pk__in=edited).values_list("pk", "owner_id"))
    for lead_id in edited:
        history = list(
            LeadHistory.objects.filter(lead_id=lead_id, action=HistoryAction.OWNER).order_by(
                "created_at", "id"
            )
        )
        assert history, lead_id
        # The last owner change in the history is the owner the row holds.
        expected = "Hand Edited" if owners[lead_id] == editor.pk else "Bulk Owner"
        assert history[-1].new_value == expected, lead_id
        if owners[lead_id] != editor.pk:
            # The hand edit was overwritten: the bulk action's row says it replaced it.
            assert any(row.old_value == "Hand Edited" for row in history), lead_id

    # No lead's updated_at is older than its last history row.
    last_written = dict(
        LeadHistory.objects.filter(lead_id__in=ids)
        .values("lead_id")
        .annotate(last=Max("created_at"))
        .values_list("lead_id", "last")
    )
    updated = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "updated_at"))
    assert [lead_id for lead_id, last in last_written.items() if updated[lead_id] < last] == []

    # Undo leaves alone every lead edited after its bulk action.
    edited_after = {lead_id for lead_id, owner in owners.items() if owner == editor.pk}
    for result in results:
        bulk_undo(actor=actor, bulk_action_id=result.bulk_action.pk)
    after_undo = dict(Lead.objects.filter(pk__in=edited_after).values_list("pk", "owner_id"))
    assert set(after_undo.values()) <= {editor.pk}
    untouched = Lead.objects.filter(pk__in=set(ids) - edited).values_list("owner_id", flat=True)
    assert set(untouched) == {admin.pk}
