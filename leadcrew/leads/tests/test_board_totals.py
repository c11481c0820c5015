"""The pipeline board's count and amount per step, read from the figures the database keeps
per team and owner, are what counting the open leads the user sees gives: for every user of
random accounts, under every combination of settings, for the whole board and for "mine"."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from leadcrew.access.actor import AccessSettings, Actor, actor_for_user
from leadcrew.access.policy import leads_for
from leadcrew.access.tests.test_policy_property import ALL_SETTINGS, World, build, worlds
from leadcrew.leads.models import OPEN_STATUSES, Lead, Pipeline, Status, Step
from leadcrew.leads.selectors import pipeline_board

pytestmark = pytest.mark.django_db

STATUSES = [Status.TODO, Status.STANDBY, Status.WON, Status.LOST]


def _spread(leads: list[Lead], second: Step) -> None:
    """Two steps, open and closed leads, different amounts."""
    for index, lead in enumerate(leads):
        lead.status = STATUSES[index % len(STATUSES)]
        lead.amount = Decimal(index * 10)
        if index % 3 == 0:
            lead.step = second
    Lead.objects.bulk_update(leads, ["status", "amount", "step"])


def _counted(actor: Actor, pipeline: Pipeline, *, mine: bool) -> dict[int, tuple[int, Decimal]]:
    leads = leads_for(actor).filter(step__pipeline=pipeline, status__in=OPEN_STATUSES)
    if mine:
        leads = leads.filter(owner_id=actor.user_id)
    found: dict[int, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for step_id, amount in leads.values_list("step_id", "amount"):
        count, total = found[step_id]
        found[step_id] = (count + 1, total + amount)
    return found


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_the_boards_totals_are_the_leads_each_user_sees(world: World) -> None:
    with transaction.atomic():
        built = build(world)
        pipeline = Pipeline.objects.get(account=built.account)
        first = Step.objects.get(pipeline=pipeline)
        second = Step.objects.create(account=built.account, pipeline=pipeline, name="Second")
        _spread(built.leads, second)
        failures = []
        for user in built.users:
            base = actor_for_user(user)
            for values in ALL_SETTINGS[::2]:
                actor = base.with_settings(AccessSettings.of(built.account).with_changes(**values))
                for mine in (False, True):
                    board = pipeline_board(
                        actor, pipeline, [first, second], mine=mine, cards_per_step=2
                    )
                    got = {column.step.pk: (column.count, column.amount) for column in board}
                    counted = _counted(actor, pipeline, mine=mine)
                    expected = {step.pk: counted[step.pk] for step in (first, second)}
                    if got != expected:
                        failures.append((user.pk, values, mine, got, expected))
        transaction.set_rollback(True)
    assert not failures, failures[:3]
