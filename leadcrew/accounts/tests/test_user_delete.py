"""Deleting a user: admins only, never oneself nor the last active admin; their leads go to the
chosen user or to the pool, with history; what named them says "Deleted user"; their comments
stay without an author; their tokens and sessions end; the log keeps their id only."""

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadcrew.accounts.models import User, UserToken, WebSession
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.bulk.models import BulkAction
from leadcrew.leads.models import Comment, HistoryAction, Lead, LeadHistory
from leadcrew.teams.models import Membership
from leadcrew.testing.api_world import error_type
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

BACKEND = "leadcrew.accounts.backends.EmailBackend"


def api(cast: Cast, user: User | None = None) -> Client:
    return Client(headers=cast.headers(user))


def delete(cast: Cast, user_id: int, by: User | None = None, **params: Any) -> Any:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return api(cast, by).delete(f"/api/v2/users/{user_id}" + (f"?{query}" if query else ""))


def owners(cast: Cast, *names: str) -> dict[str, int | None]:
    return {name: Lead.objects.get(pk=cast.leads[name].pk).owner_id for name in names}


def give(cast: Cast, lead: Lead, user: User) -> None:
    """An owner change through the API, by the admin: a history row naming `user`."""
    response = api(cast, cast.admin).put(
        f"/api/v2/leads/{lead.pk}",
        json.dumps({"user_id": user.pk}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_their_leads_go_to_the_chosen_user_with_history(cast: Cast) -> None:
    binned = cast.leads.nils_solo
    Lead.objects.filter(pk=binned.pk).update(deleted_at=timezone.now())
    before = timezone.now()
    response = delete(cast, cast.nils.pk, reassign_to="mona@acme.test")
    assert response.status_code == 200, response.content
    assert response.json() == {"user_id": cast.nils.pk, "leads": 2, "reassigned_to": cast.mona.pk}
    assert owners(cast, "nils_north", "nils_solo") == {
        "nils_north": cast.mona.pk,
        "nils_solo": cast.mona.pk,
    }
    assert Lead.objects.get(pk=binned.pk).deleted_at is not None  # still in the bin
    for name in ("nils_north", "nils_solo"):
        lead = Lead.objects.get(pk=cast.leads[name].pk)
        assert lead.updated_at >= before
        [row] = LeadHistory.objects.filter(lead=lead, action=HistoryAction.OWNER)
        assert (row.old_value, row.new_value, row.actor_id) == ("Deleted user", "Mona", None)
    assert not User.objects.filter(pk=cast.nils.pk).exists()
    # Nothing else changed hands.
    assert owners(cast, "nora_north", "pool_north", "mona_north") == {
        "nora_north": cast.nora.pk,
        "pool_north": None,
        "mona_north": cast.mona.pk,
    }


def test_without_a_new_owner_their_leads_go_to_the_pool(cast: Cast) -> None:
    response = delete(cast, cast.nils.pk, by=cast.admin)
    assert response.status_code == 200, response.content
    assert response.json()["reassigned_to"] is None
    assert owners(cast, "nils_north", "nils_solo") == {"nils_north": None, "nils_solo": None}
    lead = Lead.objects.get(pk=cast.leads.nils_north.pk)
    assert lead.team_id == cast.north.pk  # the team's pool, dispatched by its managers
    [row] = LeadHistory.objects.filter(lead=lead, action=HistoryAction.OWNER)
    assert (row.old_value, row.new_value, row.actor_id) == ("Deleted user", None, cast.admin.pk)


def test_their_personal_data_is_erased(cast: Cast) -> None:
    User.objects.filter(pk=cast.nils.pk).update(last_name="Nilsson")
    nils = User.objects.get(pk=cast.nils.pk)
    # History naming him: as a new owner, as an old owner, and as the author of a change.
    give(cast, cast.leads.ursula_solo, nils)
    give(cast, cast.leads.ursula_solo, cast.ursula)
    LeadHistory.objects.create(
        account=cast.account, lead=cast.leads.sam_south, actor=nils, action="status"
    )
    comment = Comment.objects.create(
        account=cast.account, lead=cast.leads.mona_north, author=nils, content="Keep this"
    )
    # Log entries about him, and one by him.
    api(cast).put(f"/api/v2/users/{nils.pk}", json.dumps({"is_admin": True}),
                  content_type="application/json")  # fmt: skip
    api(cast, nils).post("/api/v2/teams", json.dumps({"name": "Nils's"}),
                         content_type="application/json")  # fmt: skip
    api(cast).put(f"/api/v2/users/{nils.pk}", json.dumps({"is_admin": False}),
                  content_type="application/json")  # fmt: skip
    assert SensitiveAction.objects.filter(actor_id=nils.pk).count() == 1

    assert delete(cast, nils.pk).status_code == 200
    texts = LeadHistory.objects.filter(account=cast.account).values_list("old_value", "new_value")
    named = [pair for pair in texts if {"Nils Nilsson", "nils@acme.test"} & set(pair)]
    assert named == []
    owner_rows = LeadHistory.objects.filter(
        lead=cast.leads.ursula_solo, action=HistoryAction.OWNER
    ).order_by("id")
    assert [(r.old_value, r.new_value) for r in owner_rows] == [
        ("Ursula", "Deleted user"),
        ("Deleted user", "Ursula"),
    ]
    assert not LeadHistory.objects.filter(lead=cast.leads.sam_south, actor__isnull=False).exists()
    comment.refresh_from_db()
    assert (comment.content, comment.author_id) == ("Keep this", None)

    log = SensitiveAction.objects.filter(account=cast.account)
    everything = json.dumps([[e.actor_label, e.details] for e in log])
    assert "nils@acme.test" not in everything and "Nilsson" not in everything
    by_him = log.get(action=SensitiveActionType.TEAM_CREATED)
    assert (by_him.actor_id, by_him.actor_label) == (None, f"Deleted user #{nils.pk}")
    about_him = log.filter(action=SensitiveActionType.ADMIN_CHANGED).order_by("id")
    assert [e.details for e in about_him] == [
        {"user_id": nils.pk, "is_admin": True},
        {"user_id": nils.pk, "is_admin": False},
    ]
    deleted = log.get(action=SensitiveActionType.USER_DELETED)
    assert deleted.details == {"user_id": nils.pk, "leads": 2, "reassigned_to": None}


def test_their_tokens_sessions_and_memberships_end(cast: Cast) -> None:
    token_api = api(cast, cast.nils)
    assert token_api.get("/api/v2/ping").status_code == 200
    browser = Client()
    browser.force_login(cast.nils, backend=BACKEND)
    assert browser.get("/leads").status_code == 200
    assert delete(cast, cast.nils.pk).status_code == 200
    assert token_api.get("/api/v2/ping").status_code == 401
    assert browser.get("/leads").status_code == 302
    assert not WebSession.objects.filter(user_id=cast.nils.pk).exists()
    assert not UserToken.objects.filter(user_id=cast.nils.pk).exists()
    assert not Membership.objects.filter(user_id=cast.nils.pk).exists()


def test_an_undo_of_an_earlier_bulk_assign_gives_to_the_successor(cast: Cast) -> None:
    # The admin gave Nils's solo lead to Sam in bulk; then Nils is deleted: undoing gives the
    # lead back to whoever took Nils's leads, not to a user that no longer exists.
    body = {"action": "assign", "ids": [cast.leads.nils_solo.pk], "user_id": cast.sam.pk}
    response = api(cast).post("/api/v2/leads/bulk", json.dumps(body),
                              content_type="application/json")  # fmt: skip
    bulk_id = response.json()["bulk_action_id"]
    assert delete(cast, cast.nils.pk, reassign_to=cast.mona.pk).status_code == 200
    undone = api(cast).post(f"/api/v2/bulk_actions/{bulk_id}/undo")
    assert undone.status_code == 200, undone.content
    assert undone.json()["restored"] == 1
    assert owners(cast, "nils_solo") == {"nils_solo": cast.mona.pk}
    assert BulkAction.objects.get(pk=bulk_id).undone_at is not None


def state(cast: Cast) -> Any:
    return (
        list(User.objects.order_by("pk").values_list("pk", "is_disabled")),
        list(Lead.objects.order_by("pk").values_list("pk", "owner_id", "updated_at")),
        LeadHistory.objects.count(),
        SensitiveAction.objects.count(),
        WebSession.objects.count(),
    )


def test_refusals_change_nothing(cast: Cast) -> None:
    browser = Client()
    browser.force_login(cast.nils, backend=BACKEND)
    before = state(cast)
    refused = [
        (delete(cast, cast.admin.pk, by=cast.admin), 403, "forbidden_action", "delete_self"),
        (delete(cast, cast.admin.pk), 403, "forbidden_action", "last_active_admin"),
        (delete(cast, cast.nils.pk, by=cast.mona), 401, "unauthorized_non_admin", "admins_only"),
        (delete(cast, cast.nils.pk, by=cast.nils), 401, "unauthorized_non_admin", "admins_only"),
        (delete(cast, cast.rival.rob.pk), 404, "record_not_found", "not_found"),
        (delete(cast, 2**40), 404, "record_not_found", "not_found"),
        (delete(cast, cast.nils.pk, reassign_to=cast.dora.pk), 422, "invalid_parameter",
         "user_disabled"),
        (delete(cast, cast.nils.pk, reassign_to=cast.nils.pk), 422, "invalid_parameter",
         "reassign_to_deleted"),
        (delete(cast, cast.nils.pk, reassign_to=cast.rival.rob.pk), 422, "invalid_parameter",
         "unknown_user"),
        (delete(cast, cast.nils.pk, reassign_to="nobody@acme.test"), 422, "invalid_parameter",
         "unknown_user"),
    ]  # fmt: skip
    for response, status, kind, code in refused:
        assert (response.status_code, error_type(response), response.json()["code"]) == (
            status,
            kind,
            code,
        ), response.content
    assert state(cast) == before
    assert browser.get("/leads").status_code == 200


def test_another_admin_may_be_deleted_while_one_active_admin_remains(cast: Cast) -> None:
    User.objects.filter(pk=cast.mona.pk).update(is_admin=True)
    assert delete(cast, cast.mona.pk, by=cast.admin).status_code == 200
    # A disabled admin never counted as the one remaining.
    User.objects.filter(pk=cast.sam.pk).update(is_admin=True, is_disabled=True)
    response = delete(cast, cast.admin.pk)
    assert response.json()["code"] == "last_active_admin"
    assert delete(cast, cast.sam.pk).status_code == 200


def test_the_admin_panel_deletes_a_user(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin, backend=BACKEND)
    page = client.get(f"/settings/users/{cast.nils.pk}")
    assert b"Delete this user" in page.content
    url = f"/settings/users/{cast.nils.pk}/delete"
    # Without the confirmation nothing happens, and the page says why.
    response = client.post(url, {"delete-reassign_to": str(cast.mona.pk)})
    assert response.status_code == 200
    assert response.context["delete_form"].errors["confirm"]
    assert User.objects.filter(pk=cast.nils.pk).exists()
    # A disabled new owner is not offered, and refused if sent.
    response = client.post(url, {"delete-reassign_to": str(cast.dora.pk), "delete-confirm": "on"})
    assert response.status_code == 200 and response.context["delete_form"].errors
    response = client.post(url, {"delete-reassign_to": str(cast.mona.pk), "delete-confirm": "on"})
    assert response.status_code == 303
    assert not User.objects.filter(pk=cast.nils.pk).exists()
    assert owners(cast, "nils_north") == {"nils_north": cast.mona.pk}
    followed = client.get(response["Location"])
    assert "The user is deleted; 2 of their leads were handed over." in followed.text


def test_the_admin_panel_refuses_to_delete_oneself(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin, backend=BACKEND)
    page = client.get(f"/settings/users/{cast.admin.pk}")
    assert b"Delete this user" not in page.content
    url = f"/settings/users/{cast.admin.pk}/delete"
    response = client.post(url, {"delete-reassign_to": "pool", "delete-confirm": "on"})
    assert response.status_code == 303
    assert "You cannot delete yourself." in client.get(response["Location"]).text
    assert User.objects.filter(pk=cast.admin.pk).exists()
