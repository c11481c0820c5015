"""POST /account/settings/preview (leadcrew.access.preview): what a change of settings would do
to every user's access, saving nothing. Readable cases on the shared cast, then a property on
random accounts: the preview's counts are what really applying the settings does."""

import re
from dataclasses import asdict
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.access.policy import Action, leads_for
from leadcrew.access.preview import AccessChange, settings_preview
from leadcrew.access.tests.test_policy_property import World, build, worlds
from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
)
from leadcrew.accounts.services import SettingsChange, account_settings_update
from leadcrew.audit.models import SensitiveAction
from leadcrew.core.errors import ApiError
from leadcrew.leads.services import lead_delete
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

URL = "/api/v2/account/settings/preview"


def preview(
    cast: Cast, body: dict[str, Any], user: User | None = None
) -> dict[int, dict[str, int]]:
    """The preview's rows by user id, as the admin (or `user`)."""
    response = Client().post(
        URL, body, content_type="application/json", headers=cast.headers(user or cast.admin)
    )
    assert response.status_code == 200, response.content
    return {row.pop("user_id"): row for row in response.json()}


def change(
    see_gained: int = 0, see_lost: int = 0, edit_gained: int = 0, edit_lost: int = 0
) -> dict[str, int]:
    return {
        "see_gained": see_gained,
        "see_lost": see_lost,
        "edit_gained": edit_gained,
        "edit_lost": edit_lost,
        "gained": see_gained,
        "lost": see_lost,
    }


# --- What it answers ------------------------------------------------------------------------


def test_sharing_everything_shows_each_user_what_they_do_not_see_yet_and_no_more_edits(
    cast: Cast,
) -> None:
    rows = preview(cast, {"privacy": "everything_shared"})

    live = 18
    # Nils sees his two leads and the pool outside teams (anyone may take it).
    assert rows[cast.nils.pk] == change(see_gained=live - 3)
    assert rows[cast.admin.pk] == change()
    # Dora is disabled: she has no access to preview.
    assert cast.dora.pk not in rows
    assert len(rows) == 8


def test_hiding_teams_from_their_managers_shows_what_they_lose(cast: Cast) -> None:
    rows = preview(cast, {"team_privacy": "admins_only"})

    # Mona keeps her own two leads and the pools she may still dispatch; she loses sight of the
    # other five North leads, and the right to edit them and North's pool.
    assert rows[cast.mona.pk] == change(see_lost=5, edit_lost=6)
    assert rows[cast.nils.pk] == change()


def test_turning_the_teams_layer_off_shows_the_pool_of_teams_to_everyone(cast: Cast) -> None:
    rows = preview(cast, {"teams_enabled": False})
    # pool_north and pool_south become leads outside teams, which anyone may take.
    assert rows[cast.ursula.pk] == change(see_gained=2)


def test_an_empty_or_unchanged_body_changes_nothing_for_anyone(cast: Cast) -> None:
    assert set(map(str, preview(cast, {}).values())) == {str(change())}
    body = {"privacy": "admins_only", "name": "Acme renamed", "time_zone": "Europe/Paris"}
    assert set(map(str, preview(cast, body).values())) == {str(change())}


def test_deleted_leads_are_not_counted(cast: Cast) -> None:
    lead_delete(actor=cast.actor(None), lead_id=cast.leads.sam_south.pk)
    assert preview(cast, {"privacy": "everything_shared"})[cast.nils.pk] == change(see_gained=14)


# --- It refuses what saving refuses, and saves nothing --------------------------------------


def test_only_admins_may_preview(cast: Cast) -> None:
    response = Client().post(
        URL, {"privacy": "everything_shared"}, "application/json", headers=cast.headers(cast.mona)
    )
    assert response.status_code == 401
    assert response.json()["type"] == "unauthorized_non_admin"


@pytest.mark.parametrize(
    "body",
    [
        {"edition": "essentials", "teams_enabled": True},
        {"privacy": "nobody"},
        {"time_zone": "Mars/Olympus"},
        {"currency": "euros"},
    ],
)
def test_a_change_saving_would_refuse_is_refused_the_same_way(
    cast: Cast, body: dict[str, Any]
) -> None:
    headers = cast.headers(None)
    previewed = Client().post(URL, body, "application/json", headers=headers)
    saved = Client().put("/api/v2/account/settings", body, "application/json", headers=headers)

    assert previewed.status_code == saved.status_code
    assert previewed.status_code in (400, 403, 422)
    assert previewed.json() == saved.json()


def test_a_preview_saves_nothing_and_logs_nothing(cast: Cast) -> None:
    before = Client().get("/api/v2/account/settings", headers=cast.headers(None)).json()
    logged = SensitiveAction.objects.count()

    preview(cast, {"edition": "essentials", "privacy": "everything_shared", "name": "Other"})

    after = Client().get("/api/v2/account/settings", headers=cast.headers(None)).json()
    assert after == before
    assert SensitiveAction.objects.count() == logged


def test_a_preview_costs_the_same_queries_for_any_number_of_users(cast: Cast) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            settings_preview(
                actor=cast.actor(cast.admin), change=SettingsChange(privacy="everything_shared")
            )
        return len(captured)

    before = queries()
    for index in range(6):
        user = User.objects.create(account=cast.account, email=f"new{index}@acme.test")
        cast.join(user, cast.north if index % 2 else cast.south, manager=index == 0)
    assert queries() == before


# --- The property: the counts are what applying the settings really does --------------------


SETTING_VALUES: dict[str, Any] = {
    "edition": st.sampled_from(Edition.values),
    "teams_enabled": st.booleans(),
    "privacy": st.sampled_from(Privacy.values),
    "assignment": st.sampled_from(Assignment.values),
    "team_privacy": st.sampled_from(TeamPrivacy.values),
    "team_assignment": st.sampled_from(TeamAssignment.values),
}
# Each key is left out (unchanged) about half the time, as a real change names only a few.
changes = st.fixed_dictionaries({}, optional=SETTING_VALUES)
# Several changes are tried on each random account: they cost a few queries, not a new account.
CHANGES_PER_WORLD = 4


def _sets(actor: Actor) -> tuple[set[int], set[int]]:
    return (
        set(leads_for(actor, Action.SEE).values_list("pk", flat=True)),
        set(leads_for(actor, Action.EDIT).values_list("pk", flat=True)),
    )


def _actors(account_id: int) -> dict[int, Actor]:
    """Each active user as a fresh request would build them, from the saved settings."""
    account = Account.objects.get(pk=account_id)
    users = User.objects.filter(account=account, is_disabled=False)
    return {user.pk: actor_for_user(user, account) for user in users}


def preview_failures(account: Account, wanted: dict[str, Any]) -> list[str]:
    key = actor_for_api_key(Account.objects.get(pk=account.pk))
    try:
        previewed = settings_preview(actor=key, change=SettingsChange(**wanted))
    except ApiError as refused:
        # The preview refuses exactly what saving refuses.
        with pytest.raises(type(refused), match=re.escape(refused.message)):
            account_settings_update(actor=key, change=SettingsChange(**wanted))
        return []
    before = {user_id: _sets(actor) for user_id, actor in _actors(account.pk).items()}
    account_settings_update(actor=key, change=SettingsChange(**wanted))
    expected = []
    for user_id, actor in sorted(_actors(account.pk).items()):
        (saw, edited), (sees, edits) = before[user_id], _sets(actor)
        expected.append(
            AccessChange(
                user_id=user_id,
                see_gained=len(sees - saw),
                see_lost=len(saw - sees),
                edit_gained=len(edits - edited),
                edit_lost=len(edited - edits),
            )
        )
    return [
        f"{wanted}: previewed {asdict(said)}, applied {asdict(real)}"
        for said, real in zip(previewed, expected, strict=True)
        if said != real
    ]


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    world=worlds(), wanted=st.lists(changes, min_size=CHANGES_PER_WORLD, max_size=CHANGES_PER_WORLD)
)
def test_the_preview_counts_what_applying_the_settings_changes_on_random_accounts(
    world: World, wanted: list[dict[str, Any]]
) -> None:
    failures: list[str] = []
    with transaction.atomic():
        account = build(world).account
        for change_ in wanted:
            # Each change is applied for real, then rolled back before the next one.
            with transaction.atomic():
                failures += preview_failures(account, change_)
                transaction.set_rollback(True)
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
