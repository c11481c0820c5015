"""Bulk actions (docs/access-rules.md) on the shared cast: each lead is checked by the single-lead
rule, refused leads are counted per reason, nothing else changes, and an undo puts back exactly the
leads nobody touched since."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.access.policy import Action, can, place_reasons
from leadcrew.audit.models import SensitiveAction
from leadcrew.leads.models import Lead, LeadTag, Step
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db


def bulk(cast: Cast, user: Any, body: dict[str, Any]) -> Any:
    client = Client(headers=cast.headers(user))
    return client.post("/api/v2/leads/bulk", json.dumps(body), content_type="application/json")


def state(cast: Cast) -> dict[str, tuple[Any, ...]]:
    """Everything a bulk action may change, for every lead of both accounts."""
    leads = Lead.objects.filter(account__in=[cast.account, cast.rival.account])
    tags: dict[int, list[str]] = {}
    for lead_id, name in LeadTag.objects.order_by("name").values_list("lead_id", "name"):
        tags.setdefault(lead_id, []).append(name)
    return {
        f"{lead.account_id}:{lead.title}": (
            lead.owner_id,
            lead.team_id,
            lead.status,
            lead.step_id,
            lead.starred,
            lead.deleted_at is not None,
            tuple(tags.get(lead.pk, [])),
        )
        for lead in leads
    }


def bin_lead(lead: Lead) -> None:
    Lead.objects.filter(pk=lead.pk).update(deleted_at=timezone.now())


def mixed_selection(cast: Cast) -> list[int]:
    """For Mona (manager of North, managers_only): leads she edits, leads she only sees (none
    here besides the pool), leads she cannot see, a binned lead and a lead of Rival."""
    bin_lead(cast.leads.nils_solo)
    names = ["mona_north", "nils_north", "nora_north", "mona_solo", "pool_north", "sam_south",
             "sid_solo", "nils_solo"]  # fmt: skip
    return [cast.leads[name].pk for name in names] + [cast.rival.leads.rob_north.pk]


def changed_names(cast: Cast, before: dict[str, tuple[Any, ...]]) -> set[str]:
    after = state(cast)
    prefix = f"{cast.account.pk}:Acme "
    changed = {key for key in after if after[key] != before[key]}
    assert all(key.startswith(prefix) for key in changed), changed  # nothing of Rival
    return {key.removeprefix(prefix) for key in changed}


def test_place_in_team_changes_exactly_the_leads_the_rule_allows(cast: Cast) -> None:
    ids = mixed_selection(cast)
    before = state(cast)
    answer = bulk(
        cast, cast.mona, {"action": "place_in_team", "ids": ids, "team_id": cast.north.pk}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    # Mona sees her own leads, North's leads (managers_only) and North's pool; not Sam's or
    # Sid's, not the binned lead, not Rival's: those are not even matched.
    assert body["matched"] == 5
    assert changed_names(cast, before) == {"mona_solo"}
    assert body["changed"] == 1
    assert body["skipped"] == {"unchanged": 4}


def test_assign_counts_each_refusal_reason(cast: Cast) -> None:
    cast.configure(team_privacy="team_shared", team_assignment="users")
    ids = [cast.leads[name].pk for name in ("nils_north", "nora_north", "mona_north", "nils_solo")]
    before = state(cast)
    # Nils, a plain North member, may dispatch North's leads to North members only.
    answer = bulk(cast, cast.nils, {"action": "assign", "ids": ids, "user_id": cast.sid.pk})
    body = answer.json()
    assert answer.status_code == 200 and body["matched"] == 4
    assert body["skipped"] == {"user_not_in_team": 3}
    assert changed_names(cast, before) == {"nils_solo"}  # his own lead outside teams


EDITABLE_BY_MONA = {"mona_north", "nils_north", "nora_north", "mona_solo"}
# North's pool is editable by North's manager, except that an unassigned lead cannot change
# step until it has an owner.
WITH_POOL = EDITABLE_BY_MONA | {"pool_north"}


@pytest.mark.parametrize(
    ("action", "extra", "changed"),
    [
        ("set_status", {"status": "won"}, WITH_POOL),
        ("move_to_step", {"step": "Proposal"}, EDITABLE_BY_MONA),
        ("add_tags", {"tags": ["vip"]}, WITH_POOL),
        ("star", {}, WITH_POOL),
        ("delete", {}, WITH_POOL),
    ],
)
def test_each_action_changes_only_what_the_manager_may_edit(
    cast: Cast, action: str, extra: dict[str, Any], changed: set[str]
) -> None:
    ids = mixed_selection(cast)
    before = state(cast)
    answer = bulk(cast, cast.mona, {"action": action, "ids": ids, **extra})
    assert answer.status_code == 200, answer.content
    assert changed_names(cast, before) == changed
    assert answer.json()["changed"] == len(changed)
    assert answer.json()["matched"] == 5


def test_the_rule_of_each_lead_is_the_single_lead_rule(cast: Cast) -> None:
    """Whatever the selection, bulk placement agrees with the policy's own predicate."""
    cast.configure(team_privacy="team_shared")
    everything = [lead.pk for lead in cast.leads.values()]
    actor = cast.actor(cast.paula)
    destination = cast.destination(cast.south)
    expected = {
        name
        for name, lead in cast.leads.items()
        if can(actor, Action.SEE, lead)
        and place_reasons(actor, lead, destination)
        and lead.team_id != cast.south.pk
    }
    before = state(cast)
    answer = bulk(
        cast, cast.paula, {"action": "place_in_team", "ids": everything, "team_id": cast.south.pk}
    )
    assert answer.status_code == 200
    assert changed_names(cast, before) == expected


@pytest.mark.parametrize(
    "body",
    [
        {"action": "move_to_step", "step": "Nowhere"},
        {"action": "set_status", "status": "standby"},
        {"action": "assign"},
        {"action": "assign", "user_id": 999999},
        {"action": "add_tags", "tags": []},
        {"action": "explode"},
    ],
)
def test_an_invalid_batch_changes_nothing(cast: Cast, body: dict[str, Any]) -> None:
    before = state(cast)
    answer = bulk(cast, cast.admin, {**body, "ids": [lead.pk for lead in cast.leads.values()]})
    assert answer.status_code in (400, 422)
    assert "message" in answer.json()
    assert state(cast) == before


def test_a_refused_batch_changes_nothing(cast: Cast) -> None:
    cast.configure(only_admins_delete_leads=True)
    before = state(cast)
    answer = bulk(cast, cast.mona, {"action": "delete", "ids": [cast.leads.mona_north.pk]})
    assert answer.status_code == 403
    cast.configure(teams=False)
    answer = bulk(
        cast,
        cast.admin,
        {"action": "place_in_team", "ids": [cast.leads.pool.pk], "team_id": cast.north.pk},
    )
    assert answer.status_code == 403
    assert state(cast) == before


def test_a_batch_failing_halfway_leaves_every_lead_untouched(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadcrew.bulk import services

    def broken_history(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_write_history", broken_history)
    before = state(cast)
    client = Client(headers=cast.headers(cast.admin), raise_request_exception=False)
    answer = client.post(
        "/api/v2/leads/bulk",
        json.dumps({"action": "star", "ids": [lead.pk for lead in cast.leads.values()]}),
        content_type="application/json",
    )
    assert answer.status_code == 500
    assert state(cast) == before


def test_select_every_lead_matching_a_filter(cast: Cast) -> None:
    before = state(cast)
    answer = bulk(
        cast,
        cast.admin,
        {
            "action": "place_in_team",
            "filter": {"user_id": cast.ursula.pk},
            "team_id": cast.south.pk,
        },
    )
    assert answer.json()["matched"] == 2
    assert changed_names(cast, before) == {"ursula_solo", "ursula_north"}


def test_bulk_placement_runs_the_same_queries_for_10_or_100_leads(cast: Cast) -> None:
    step = Step.objects.filter(account=cast.account)[0]
    cast.token(cast.admin)  # issued now, not inside the measured requests
    counts = []
    for size in (10, 100):
        tag = f"batch{size}"
        for number in range(size):
            lead = Lead.objects.create(
                account=cast.account, title=f"B{number}", currency="EUR", step=step, owner=cast.nils
            )
            LeadTag.objects.create(account=cast.account, lead=lead, name=tag)
        with CaptureQueriesContext(connection) as queries:
            answer = bulk(
                cast,
                cast.admin,
                {"action": "place_in_team", "filter": {"tags": tag}, "team_id": cast.north.pk},
            )
        assert answer.json()["changed"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Undo -----------------------------------------------------------------------------------


def test_undo_restores_exactly_the_leads_untouched_since(cast: Cast) -> None:
    before = state(cast)
    ids = [cast.leads[name].pk for name in ("nils_solo", "mona_solo", "ursula_solo")]
    done = bulk(cast, cast.admin, {"action": "place_in_team", "ids": ids, "team_id": cast.north.pk})
    bulk_id = done.json()["bulk_action_id"]
    # Someone edits one of them afterwards: the undo must leave that one alone.
    nils = Client(headers=cast.headers(cast.nils))
    nils.put(
        f"/api/v2/leads/{cast.leads.nils_solo.pk}",
        json.dumps({"title": "Acme nils_solo"}),
        content_type="application/json",
    )
    undo = Client(headers=cast.headers(cast.admin)).post(f"/api/v2/bulk_actions/{bulk_id}/undo")
    assert undo.status_code == 200
    assert undo.json() == {
        "bulk_action_id": bulk_id,
        "restored": 2,
        "left_changed": 1,
        "skipped": {"changed_since": 1},
    }
    after = state(cast)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {f"{cast.account.pk}:Acme nils_solo"}
    history = Client(headers=cast.headers(cast.admin)).get(
        f"/api/v2/leads/{cast.leads.mona_solo.pk}/action_histories"
    )
    from_bulk = [row for row in history.json() if row["bulk_action_id"] == bulk_id]
    assert [row["action"] for row in from_bulk] == ["team", "team"]  # the undo, the placement
    assert from_bulk[1]["old_value"] is None and from_bulk[1]["new_value"] == "North"


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("assign", {"user_id": None}),
        ("set_status", {"status": "standby", "remind_date": "2031-01-02"}),
        ("move_to_step", {"step": "Closing"}),
        ("add_tags", {"tags": "hot,q4"}),
        ("remove_tags", {"tags": ["old"]}),
        ("star", {}),
        ("delete", {}),
    ],
)
def test_undo_puts_back_every_kind_of_action(
    cast: Cast, action: str, extra: dict[str, Any]
) -> None:
    LeadTag.objects.create(account=cast.account, lead=cast.leads.ada_solo, name="old")
    before = state(cast)
    ids = [cast.leads.ada_solo.pk, cast.leads.mona_north.pk]
    done = bulk(cast, cast.admin, {"action": action, "ids": ids, **extra})
    assert done.json()["changed"] >= 1, done.content
    assert state(cast) != before
    undo = Client(headers=cast.headers(cast.admin)).post(
        f"/api/v2/bulk_actions/{done.json()['bulk_action_id']}/undo"
    )
    assert undo.status_code == 200
    assert state(cast) == before


def test_restore_from_the_bin_in_bulk_and_undo_it(cast: Cast) -> None:
    bin_lead(cast.leads.mona_solo)
    before = state(cast)
    done = bulk(
        cast,
        cast.mona,
        {"action": "restore", "ids": [cast.leads.mona_solo.pk, cast.leads.sam_south.pk]},
    )
    assert done.json()["matched"] == 1 and done.json()["changed"] == 1
    assert changed_names(cast, before) == {"mona_solo"}
    Client(headers=cast.headers(cast.mona)).post(
        f"/api/v2/bulk_actions/{done.json()['bulk_action_id']}/undo"
    )
    assert state(cast) == before


def test_only_the_author_or_an_admin_may_undo_and_only_once(cast: Cast) -> None:
    done = bulk(cast, cast.mona, {"action": "star", "ids": [cast.leads.mona_solo.pk]})
    path = f"/api/v2/bulk_actions/{done.json()['bulk_action_id']}/undo"
    assert Client(headers=cast.headers(cast.nils)).post(path).status_code == 404
    assert Client(headers=cast.headers(cast.rival.rex)).post(path).status_code == 404
    assert Client(headers=cast.headers(cast.mona)).post(path).status_code == 200
    again = Client(headers=cast.headers(cast.admin)).post(path)
    assert again.status_code == 403 and again.json()["type"] == "forbidden_action"


def test_bulk_actions_are_listed_to_their_author_and_to_admins(cast: Cast) -> None:
    bulk(cast, cast.mona, {"action": "star", "ids": [cast.leads.mona_solo.pk]})
    bulk(cast, cast.admin, {"action": "star", "ids": [cast.leads.ada_solo.pk]})
    mine = Client(headers=cast.headers(cast.mona)).get("/api/v2/bulk_actions").json()
    every = Client(headers=cast.headers(cast.admin)).get("/api/v2/bulk_actions").json()
    assert [row["user_id"] for row in mine] == [cast.mona.pk]
    assert [row["user_id"] for row in every] == [cast.admin.pk, cast.mona.pk]
    rival = Client(headers=cast.headers(cast.rival.rex)).get("/api/v2/bulk_actions").json()
    assert rival == []


# --- Export and the sensitive-actions log ---------------------------------------------------


def test_export_gives_the_visible_selection_as_csv_and_is_logged(cast: Cast) -> None:
    answer = bulk(cast, cast.mona, {"action": "export", "ids": mixed_selection(cast)})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    lines = b"".join(answer.streaming_content).decode().strip().splitlines()
    assert lines[0].startswith("id,title,")
    assert lines[0].endswith(",updated_at,First name,Last name,Email,Phone,Company,Address,Web")
    assert len(lines) == 1 + 5
    entry = SensitiveAction.objects.get(account=cast.account, action="export")
    assert entry.count == 5 and entry.actor_id == cast.mona.pk


def test_export_and_delete_respect_the_security_toggles(cast: Cast) -> None:
    cast.configure(only_admins_export_leads=True)
    refused = bulk(cast, cast.mona, {"action": "export", "ids": [cast.leads.mona_solo.pk]})
    assert refused.status_code == 403
    assert not SensitiveAction.objects.filter(account=cast.account, action="export").exists()
    assert (
        bulk(cast, cast.admin, {"action": "export", "ids": [cast.leads.mona_solo.pk]}).status_code
        == 200
    )


def test_a_bulk_delete_is_logged_once_with_its_count(cast: Cast) -> None:
    ids = [cast.leads.ada_solo.pk, cast.leads.pool.pk]
    bulk(cast, cast.admin, {"action": "delete", "ids": ids})
    entry = SensitiveAction.objects.get(account=cast.account, action="bulk_delete")
    assert entry.count == 2


def test_an_empty_selection_matches_nothing(cast: Cast) -> None:
    answer = bulk(cast, cast.admin, {"action": "restore", "ids": []})
    assert answer.status_code == 200
    assert answer.json()["matched"] == 0 and answer.json()["changed"] == 0
