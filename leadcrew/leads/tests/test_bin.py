"""The bin (docs/access-rules.md): a deleted lead waits 30 days, restorable by whoever could edit
it, then is purged; meanwhile it shows nowhere else. On the shared cast (leadcrew.testing.cast),
with its default settings: managers see and edit their team, plain members only their own.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from leadcrew import cli
from leadcrew.access.actor import actor_for_api_key, actor_for_user
from leadcrew.access.policy import Action, binned_leads_for, can, leads_for
from leadcrew.access.tests.test_policy_property import World, build, worlds
from leadcrew.accounts.models import Privacy, TeamPrivacy, User
from leadcrew.leads.models import Comment, HistoryAction, Lead, LeadHistory, LeadTag
from leadcrew.leads.services import BIN_RETENTION, bin_purge_expired, lead_delete
from leadcrew.testing.cast import ACME_LEADS, Cast

pytestmark = pytest.mark.django_db

API = "/api/v2"
ALL = set(ACME_LEADS)


def delete(cast: Cast, *names: str, ago: timedelta = timedelta(0)) -> None:
    """Sends the cast's leads to the bin, as the admin, `ago` in the past."""
    for name in names:
        lead_delete(actor=cast.actor(cast.admin), lead_id=cast.leads[name].pk)
    if ago:
        pks = [cast.leads[name].pk for name in names]
        Lead.objects.filter(pk__in=pks).update(deleted_at=timezone.now() - ago)


def in_bin(cast: Cast, user: User | None) -> set[str]:
    return cast.names(binned_leads_for(cast.actor(user)))


def call(cast: Cast, user: User | None, method: str, path: str, body: Any = None) -> Any:
    client = Client()
    return getattr(client, method)(
        API + path, body, content_type="application/json", headers=cast.headers(user)
    )


def bin_page(cast: Cast, user: User | None, query: str = "") -> tuple[set[str], int]:
    response = call(cast, user, "get", "/leads/bin" + query)
    assert response.status_code == 200, response.content
    return cast.names(lead["id"] for lead in response.json()), int(response["X-TOTAL-COUNT"])


# --- Who sees what in the bin ---------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [{}, {"team_privacy": TeamPrivacy.TEAM_SHARED}, {"privacy": Privacy.EVERYTHING_SHARED}],
    ids=["cast defaults", "team shared", "everything shared"],
)
def test_the_bin_holds_for_each_user_exactly_the_leads_they_could_edit_when_live(
    cast: Cast, settings: dict[str, Any]
) -> None:
    cast.configure(**settings)
    users = [None, *cast.users.values()]
    editable = {user: cast.names(leads_for(cast.actor(user), Action.EDIT)) for user in users}

    delete(cast, *ALL)

    for user in users:
        assert in_bin(cast, user) == editable[user], user
        assert cast.names(leads_for(cast.actor(user))) == set()


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_the_bin_follows_the_edit_rule_on_random_accounts(world: World) -> None:
    with transaction.atomic():
        built = build(world)
        binned = [lead for lead in built.leads if lead.deleted_at is not None]
        actors = [actor_for_user(user, built.account) for user in built.users]
        failures = []
        for actor in [*actors, actor_for_api_key(built.account)]:
            # The rules read only the owner and the team: a binned lead is judged as if live.
            restorable = {lead.pk for lead in binned if can(actor, Action.EDIT, lead)}
            listed = set(binned_leads_for(actor).values_list("pk", flat=True))
            if listed != restorable:
                failures.append(f"user {actor.user_id}: bin {listed} != editable {restorable}")
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def test_seeing_a_lead_read_only_does_not_show_it_in_the_bin(cast: Cast) -> None:
    cast.configure(privacy=Privacy.EVERYTHING_SHARED)
    delete(cast, "mona_north", "nils_north", "pool")

    assert in_bin(cast, cast.nils) == {"nils_north"}
    assert in_bin(cast, cast.mona) == {"mona_north", "nils_north"}  # she manages North
    assert in_bin(cast, cast.ursula) == set()
    assert in_bin(cast, cast.admin) == {"mona_north", "nils_north", "pool"}
    assert not binned_leads_for(cast.rival.actor(cast.rival.rex)).exists()


def test_the_bin_lists_lead_objects_newest_deletion_first_with_deleted_at(cast: Cast) -> None:
    delete(cast, "nils_north", ago=timedelta(days=3))
    delete(cast, "nils_solo")

    response = call(cast, cast.nils, "get", "/leads/bin")

    assert response.status_code == 200
    assert response["X-TOTAL-COUNT"] == "2"
    first, second = response.json()
    assert [first["id"], second["id"]] == [cast.leads.nils_solo.pk, cast.leads.nils_north.pk]
    assert first["deleted_at"].endswith("Z") and first["deleted_at"] > second["deleted_at"]
    assert first["title"] == "Acme nils_solo" and first["user_id"] == cast.nils.pk


def test_the_bin_is_paged_and_its_total_counts_only_what_the_caller_may_restore(
    cast: Cast,
) -> None:
    delete(cast, "nils_north", "nils_solo", "mona_north", "sam_south")

    assert bin_page(cast, cast.nils) == ({"nils_north", "nils_solo"}, 2)
    assert bin_page(cast, None, "?limit=1&offset=3")[1] == 4
    assert len(bin_page(cast, None, "?limit=1&offset=3")[0]) == 1
    assert bin_page(cast, cast.ursula) == (set(), 0)
    rival = Client().get(API + "/leads/bin", headers=cast.rival.headers(None))
    assert (rival.json(), rival["X-TOTAL-COUNT"]) == ([], "0")


def test_the_bin_route_is_not_read_as_a_lead_id(cast: Cast) -> None:
    response = call(cast, cast.nils, "get", "/leads/bin")
    assert (response.status_code, response.json()) == (200, [])


# --- Restore --------------------------------------------------------------------------------


def test_whoever_could_edit_a_deleted_lead_restores_it_and_history_says_so(cast: Cast) -> None:
    delete(cast, "nils_north")

    response = call(cast, cast.mona, "post", f"/leads/{cast.leads.nils_north.pk}/restore")

    assert response.status_code == 200, response.content
    assert response.json()["id"] == cast.leads.nils_north.pk
    assert response.json()["user"]["id"] == cast.nils.pk  # the single-lead form
    assert "nils_north" in cast.names(leads_for(cast.actor(cast.nils)))
    assert in_bin(cast, cast.admin) == set()
    last = LeadHistory.objects.filter(lead=cast.leads.nils_north).order_by("-id").first()
    assert last is not None
    assert (last.action, last.actor_id) == (HistoryAction.RESTORED, cast.mona.pk)


@pytest.mark.parametrize("persona", ["nora", "sam", "ursula"])
def test_restoring_a_lead_one_could_not_edit_is_not_found_and_changes_nothing(
    cast: Cast, persona: str
) -> None:
    cast.configure(team_privacy=TeamPrivacy.TEAM_SHARED)  # Nora sees North, read-only
    delete(cast, "nils_north")
    history = LeadHistory.objects.count()

    response = call(cast, cast.users[persona], "post", f"/leads/{cast.leads.nils_north.pk}/restore")

    assert response.status_code == 404
    assert response.json()["type"] == "record_not_found"
    assert in_bin(cast, cast.admin) == {"nils_north"}
    assert LeadHistory.objects.count() == history


def test_restoring_another_accounts_deleted_lead_is_not_found(cast: Cast) -> None:
    rival_lead = cast.rival.leads.rob_solo
    lead_delete(actor=cast.rival.actor(None), lead_id=rival_lead.pk)

    assert call(cast, None, "post", f"/leads/{rival_lead.pk}/restore").status_code == 404
    assert binned_leads_for(cast.rival.actor(None)).filter(pk=rival_lead.pk).exists()


def test_restoring_a_live_or_purged_lead_is_not_found(cast: Cast) -> None:
    assert call(cast, None, "post", f"/leads/{cast.leads.pool.pk}/restore").status_code == 404
    delete(cast, "pool", ago=BIN_RETENTION + timedelta(hours=1))
    bin_purge_expired()
    assert call(cast, None, "post", f"/leads/{cast.leads.pool.pk}/restore").status_code == 404


def test_a_restored_lead_can_be_restored_only_once(cast: Cast) -> None:
    delete(cast, "nils_solo")
    path = f"/leads/{cast.leads.nils_solo.pk}/restore"
    assert call(cast, cast.nils, "post", path).status_code == 200
    assert call(cast, cast.nils, "post", path).status_code == 404


# --- A binned lead shows nowhere else -------------------------------------------------------


def test_a_deleted_lead_leaves_every_list_and_count(cast: Cast) -> None:
    before = call(cast, None, "get", "/leads?include_unassigned=true")
    delete(cast, "nils_north", "pool_north")

    listed = call(cast, None, "get", "/leads?include_unassigned=true&limit=1000")
    pool = call(cast, None, "get", "/leads/unassigned")

    assert cast.names(lead["id"] for lead in listed.json()) == ALL - {"nils_north", "pool_north"}
    assert int(listed["X-TOTAL-COUNT"]) == int(before["X-TOTAL-COUNT"]) - 2
    assert cast.names(lead["id"] for lead in pool.json()) == {"pool", "pool_south"}
    assert pool["X-TOTAL-COUNT"] == "2"
    for user in (None, cast.admin, cast.mona, cast.nils):
        actor = cast.actor(user)
        for action in (Action.SEE, Action.EDIT, Action.ASSIGN):
            assert not leads_for(actor, action).filter(pk=cast.leads.nils_north.pk).exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        ("put", "", {"title": "Back from the dead"}),
        ("delete", "", None),
        ("post", "/assign", {"user_id": None}),
        ("post", "/duplicate_lead", None),
        ("get", "/action_histories", None),
        ("get", "/comments", None),
        ("post", "/comments", {"content": "Hello?"}),
        ("get", "/access", None),
    ],
)
def test_every_lead_route_answers_a_deleted_lead_as_not_found_and_changes_nothing(
    cast: Cast, method: str, path: str, body: Any
) -> None:
    delete(cast, "nils_north")
    lead = cast.leads.nils_north
    rows = (LeadHistory.objects.count(), Comment.objects.count(), Lead.objects.count())

    for user in (None, cast.admin, cast.nils):
        response = call(cast, user, method, f"/leads/{lead.pk}{path}", body)
        assert response.status_code == 404, (user, response.content)
        assert response.json()["type"] == "record_not_found"

    assert (LeadHistory.objects.count(), Comment.objects.count(), Lead.objects.count()) == rows
    lead.refresh_from_db()
    assert (lead.title, lead.owner_id, lead.deleted_at is not None) == (
        "Acme nils_north",
        cast.nils.pk,
        True,
    )


def test_deleting_several_leads_refuses_a_deleted_one(cast: Cast) -> None:
    delete(cast, "nils_solo")
    response = call(
        cast,
        None,
        "delete",
        "/leads/delete_multiple",
        {"ids": [cast.leads.pool.pk, cast.leads.nils_solo.pk]},
    )
    assert response.status_code == 404
    assert "pool" in cast.names(leads_for(cast.actor(None)))


# --- Purge ----------------------------------------------------------------------------------


def test_the_purge_deletes_for_good_only_what_has_been_in_the_bin_for_more_than_30_days(
    cast: Cast,
) -> None:
    lead = cast.leads.nils_north
    LeadTag.objects.create(account=cast.account, lead=lead, name="hot")
    Comment.objects.create(account=cast.account, lead=lead, content="Call back")
    delete(cast, "nils_north", "pool", ago=BIN_RETENTION + timedelta(minutes=1))
    delete(cast, "nils_solo", ago=BIN_RETENTION - timedelta(minutes=1))
    lead_delete(actor=cast.rival.actor(None), lead_id=cast.rival.leads.rob_solo.pk)
    rival_old = cast.rival.leads.rex_solo
    lead_delete(actor=cast.rival.actor(None), lead_id=rival_old.pk)
    Lead.objects.filter(pk=rival_old.pk).update(deleted_at=timezone.now() - timedelta(days=40))

    assert bin_purge_expired() == 3

    gone = [cast.leads.nils_north.pk, cast.leads.pool.pk, rival_old.pk]
    assert not Lead.objects.filter(pk__in=gone).exists()
    assert not LeadTag.objects.filter(lead_id=lead.pk).exists()
    assert not Comment.objects.filter(lead_id=lead.pk).exists()
    assert not LeadHistory.objects.filter(lead_id__in=gone).exists()
    assert in_bin(cast, cast.admin) == {"nils_solo"}
    assert len(cast.names(leads_for(cast.actor(None)))) == len(ALL) - 3
    assert bin_purge_expired() == 0


def test_the_purge_counts_from_the_given_instant(cast: Cast) -> None:
    delete(cast, "nils_solo")
    assert bin_purge_expired(now=timezone.now() + BIN_RETENTION - timedelta(minutes=1)) == 0
    assert bin_purge_expired(now=timezone.now() + BIN_RETENTION + timedelta(minutes=1)) == 1


def test_the_purge_works_through_more_leads_than_one_batch(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadcrew.leads import services

    monkeypatch.setattr(services, "PURGE_BATCH", 2)
    delete(cast, "pool", "pool_north", "pool_south", "nils_solo", "sid_solo")
    assert bin_purge_expired(now=timezone.now() + timedelta(days=31)) == 5


def test_the_scheduler_tick_purges_the_bin(cast: Cast) -> None:
    delete(cast, "sid_solo", ago=timedelta(days=31))
    assert cli.scheduler_tick() == 0  # no standby lead woke up
    assert in_bin(cast, cast.admin) == set()
    assert not Lead.objects.filter(pk=cast.leads.sid_solo.pk).exists()
