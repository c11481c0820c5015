"""A bulk action whose rule allows none of the selected leads by construction (an empty id
list in the filter) changes nothing and says why, instead of failing."""

import pytest

from leadcrew.bulk.services import Selection, bulk_apply
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db


def test_placing_in_a_team_the_actor_is_not_in(cast: Cast) -> None:
    result = bulk_apply(
        actor=cast.actor(cast.nils),
        action="place_in_team",
        selection=Selection(ids=[cast.leads.nils_solo.pk]),
        params={"team_id": cast.south.pk},
    )
    assert (result.matched, result.changed) == (1, 0)
    assert sum(result.skipped.values()) == 1
    cast.leads.nils_solo.refresh_from_db()
    assert cast.leads.nils_solo.team_id is None


def test_an_empty_selection(cast: Cast) -> None:
    result = bulk_apply(
        actor=cast.actor(cast.admin), action="star", selection=Selection(ids=[]), params={}
    )
    assert (result.matched, result.changed, result.skipped) == (0, 0, {})
