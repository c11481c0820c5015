"""Undoing a bulk action checks its author's rights again, as they are now: a lead they may no
longer change is left as it is and counted `no_longer_allowed`, whatever happened to it since;
an admin undoes everything."""

import json
from typing import Any

import pytest
from django.test import Client

from leadcrew.accounts.models import TeamAssignment, TeamPrivacy, User
from leadcrew.bulk.models import BulkAction
from leadcrew.leads.models import HistoryAction, Lead, LeadHistory, Status
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db


def api(cast: Cast, user: User | None) -> Client:
    return Client(headers=cast.headers(user))


def bulk(cast: Cast, user: User | None, body: dict[str, Any]) -> int:
    response = api(cast, user).post(
        "/api/v2/leads/bulk", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return int(response.json()["bulk_action_id"])


def undo(cast: Cast, user: User | None, bulk_id: int) -> Any:
    response = api(cast, user).post(f"/api/v2/bulk_actions/{bulk_id}/undo")
    assert response.status_code == 200, response.content
    return response.json()


def ids(cast: Cast, *names: str) -> list[int]:
    return [cast.leads[name].pk for name in names]


def statuses(cast: Cast, *names: str) -> dict[str, str]:
    leads = Lead.objects.filter(pk__in=ids(cast, *names))
    return {cast.lead_name(lead): lead.status for lead in leads}


def undo_rows(cast: Cast, bulk_id: int) -> set[str]:
    """The leads that got an "undo" history row (written when the bulk action was undone)."""
    undone_at = BulkAction.objects.get(pk=bulk_id).undone_at
    assert undone_at is not None
    rows = LeadHistory.objects.filter(bulk_action_id=bulk_id, created_at=undone_at)
    return {cast.lead_name(row.lead_id) for row in rows}


MONAS = ("nils_north", "nora_north", "mona_solo")  # two as North's manager, one her own


def test_a_manager_who_left_the_team_undoes_only_her_own_leads(cast: Cast) -> None:
    bulk_id = bulk(cast, cast.mona, {"action": "set_status", "ids": ids(cast, *MONAS),
                                     "status": "won"})  # fmt: skip
    cast.leave(cast.mona, cast.north)
    answer = undo(cast, cast.mona, bulk_id)
    assert answer == {
        "bulk_action_id": bulk_id,
        "restored": 1,
        "left_changed": 0,
        "skipped": {"no_longer_allowed": 2},
    }
    assert statuses(cast, *MONAS) == {
        "nils_north": Status.WON,
        "nora_north": Status.WON,
        "mona_solo": Status.TODO,
    }
    assert undo_rows(cast, bulk_id) == {"mona_solo"}
    done = BulkAction.objects.get(pk=bulk_id)
    assert (done.restored, done.left_changed, done.undo_skipped) == (
        1,
        0,
        {"no_longer_allowed": 2},
    )
    [listed] = api(cast, cast.mona).get("/api/v2/bulk_actions").json()
    assert listed["undo_skipped"] == {"no_longer_allowed": 2}


def test_a_settings_change_that_takes_the_edit_right_away_is_counted(cast: Cast) -> None:
    bulk_id = bulk(cast, cast.mona, {"action": "star", "ids": ids(cast, *MONAS)})
    cast.configure(team_privacy=TeamPrivacy.ADMINS_ONLY)  # managers no longer edit the team
    answer = undo(cast, cast.mona, bulk_id)
    assert (answer["restored"], answer["skipped"]) == (1, {"no_longer_allowed": 2})
    starred = dict(Lead.objects.filter(pk__in=ids(cast, *MONAS)).values_list("title", "starred"))
    assert starred == {"Acme nils_north": True, "Acme nora_north": True, "Acme mona_solo": False}


def test_both_reasons_are_counted_and_a_lead_out_of_reach_says_nothing_more(cast: Cast) -> None:
    bulk_id = bulk(cast, cast.mona, {"action": "set_status", "ids": ids(cast, *MONAS),
                                     "status": "lost"})  # fmt: skip
    # Changed since: her own lead (still hers to change) and one of North's (no longer).
    for name in ("mona_solo", "nils_north"):
        owner = cast.mona if name == "mona_solo" else cast.nils
        response = api(cast, owner).put(
            f"/api/v2/leads/{cast.leads[name].pk}",
            json.dumps({"title": f"Acme {name} edited"}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    cast.leave(cast.mona, cast.north)
    answer = undo(cast, cast.mona, bulk_id)
    assert answer["restored"] == 0
    assert answer["left_changed"] == 1
    assert answer["skipped"] == {"no_longer_allowed": 2, "changed_since": 1}
    assert set(statuses(cast, *MONAS).values()) == {Status.LOST}


def test_an_admin_undoes_everything_whatever_the_author_lost(cast: Cast) -> None:
    bulk_id = bulk(cast, cast.mona, {"action": "set_status", "ids": ids(cast, *MONAS),
                                     "status": "won"})  # fmt: skip
    cast.leave(cast.mona, cast.north)
    cast.configure(team_privacy=TeamPrivacy.ADMINS_ONLY, teams=False)
    answer = undo(cast, cast.admin, bulk_id)
    assert (answer["restored"], answer["skipped"]) == (3, {})
    assert set(statuses(cast, *MONAS).values()) == {Status.TODO}


def test_an_admins_own_undo_needs_no_team_layer(cast: Cast) -> None:
    names = ("nils_north", "sam_south")
    bulk_id = bulk(cast, None, {"action": "place_in_team", "ids": ids(cast, *names),
                                "team_id": None})  # fmt: skip
    cast.configure(teams=False)
    answer = undo(cast, None, bulk_id)
    assert (answer["restored"], answer["skipped"]) == (2, {})
    teams = dict(Lead.objects.filter(pk__in=ids(cast, *names)).values_list("title", "team_id"))
    assert teams == {"Acme nils_north": cast.north.pk, "Acme sam_south": cast.south.pk}


def test_a_bulk_assign_is_checked_against_the_assign_rule_not_the_edit_rule(cast: Cast) -> None:
    # Under team_assignment = users and team_shared, Nils assigns Nora's lead without editing it.
    cast.configure(team_assignment=TeamAssignment.USERS, team_privacy=TeamPrivacy.TEAM_SHARED)
    bulk_id = bulk(cast, cast.nils, {"action": "assign", "ids": ids(cast, "nora_north"),
                                     "user_id": cast.mona.pk})  # fmt: skip
    answer = undo(cast, cast.nils, bulk_id)
    assert (answer["restored"], answer["skipped"]) == (1, {})
    assert Lead.objects.get(pk=cast.leads.nora_north.pk).owner_id == cast.nora.pk
    # With the team's assignment back to managers, he may no longer.
    bulk_id = bulk(cast, cast.nils, {"action": "assign", "ids": ids(cast, "nora_north"),
                                     "user_id": cast.mona.pk})  # fmt: skip
    cast.configure(team_assignment=TeamAssignment.MANAGERS)
    answer = undo(cast, cast.nils, bulk_id)
    assert (answer["restored"], answer["skipped"]) == (0, {"no_longer_allowed": 1})
    assert Lead.objects.get(pk=cast.leads.nora_north.pk).owner_id == cast.mona.pk
    history = LeadHistory.objects.filter(lead=cast.leads.nora_north, action=HistoryAction.OWNER)
    assert history.count() == 3  # assigned, undone, assigned again: the refused undo wrote none


def test_undoing_a_restore_under_only_admins_delete_is_refused_lead_by_lead(cast: Cast) -> None:
    names = ("nils_solo",)
    deleted = bulk(cast, cast.nils, {"action": "delete", "ids": ids(cast, *names)})
    restored = bulk(cast, cast.nils, {"action": "restore", "ids": ids(cast, *names)})
    cast.configure(only_admins_delete_leads=True)
    answer = undo(cast, cast.nils, restored)
    assert (answer["restored"], answer["skipped"]) == (0, {"no_longer_allowed": 1})
    assert Lead.objects.get(pk=cast.leads.nils_solo.pk).deleted_at is None
    assert deleted  # the deletion itself stays undone by the restore


def test_a_manager_who_left_cannot_bring_the_teams_leads_back_from_the_bin(cast: Cast) -> None:
    bulk_id = bulk(cast, cast.mona, {"action": "delete", "ids": ids(cast, *MONAS)})
    cast.leave(cast.mona, cast.north)
    answer = undo(cast, cast.mona, bulk_id)
    assert (answer["restored"], answer["skipped"]) == (1, {"no_longer_allowed": 2})
    binned = Lead.objects.filter(pk__in=ids(cast, *MONAS), deleted_at__isnull=False)
    assert {cast.lead_name(lead) for lead in binned} == {"nils_north", "nora_north"}


def test_the_web_list_says_what_the_undo_left_and_why(client: Client, cast: Cast) -> None:
    bulk_id = bulk(cast, cast.mona, {"action": "set_status", "ids": ids(cast, *MONAS),
                                     "status": "won"})  # fmt: skip
    cast.leave(cast.mona, cast.north)
    client.force_login(cast.mona, backend="leadcrew.accounts.backends.EmailBackend")
    response = client.post(f"/bulk/{bulk_id}/undo")
    assert response.status_code == 303
    page = client.get(response["Location"]).text
    assert "Undone: 1 lead put back as it was" in page
    assert "2 leads were left as they are: the right to change them was lost since" in page
