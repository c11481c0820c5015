"""Client folders through the API: who sees them, the lead's folder, and the security
toggles on every path."""

from typing import Any

import pytest

from leadcrew.access.actor import actor_for_user
from leadcrew.accounts.models import Account, Privacy
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.contacts.models import ClientFolder
from leadcrew.contacts.selectors import client_folder_leads
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import World, as_user, error_type, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> World:
    return make_world("Acme", "admin@acme.test")


def folder(world: World, name: str, **fields: Any) -> ClientFolder:
    return ClientFolder.objects.create(account=world.account, name=name, **fields)


def test_a_client_folder_is_created_read_updated_and_listed_by_name(acme: World) -> None:
    created = acme.key.post("/clients", {"name": "  Novak  & Co ", "description": "Paris"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {
        "id", "name", "description", "is_active", "user_id", "created_at", "updated_at"
    }  # fmt: skip
    assert (body["name"], body["description"], body["is_active"]) == ("Novak & Co", "Paris", True)
    acme.key.post("/clients", {"name": "Apex"})
    assert [c["name"] for c in acme.key.get("/clients").json()] == ["Apex", "Novak & Co"]
    assert [c["name"] for c in acme.key.get("/clients", order="id", direction="desc").json()] == [
        "Apex",
        "Novak & Co",
    ]
    updated = acme.key.put(f"/clients/{body['id']}", {"is_active": False, "name": "Novak"})
    assert updated.json()["is_active"] is False and updated.json()["name"] == "Novak"
    assert acme.key.get(f"/clients/{body['id']}").json()["name"] == "Novak"
    blank = acme.key.post("/clients", {"name": "  "})
    assert blank.status_code == 422 and blank.json()["field"] == "name"


def test_a_lead_carries_its_folder(acme: World) -> None:
    novak = folder(acme, "Novak & Co", description="Paris")
    created = acme.key.post(
        "/leads", {"title": "Deal", "description": "", "client_folder_id": novak.pk}
    ).json()
    assert (created["client_folder_id"], created["client_folder_name"]) == (novak.pk, "Novak & Co")
    assert created["client"] == {
        "id": novak.pk,
        "name": "Novak & Co",
        "description": "Paris",
        "is_active": True,
    }
    other = folder(acme, "Other")
    moved = acme.key.post(f"/leads/{created['id']}/add_to_client", {"client_id": other.pk})
    assert moved.status_code == 200 and moved.json()["client_folder_name"] == "Other"
    out = acme.key.put(f"/leads/{created['id']}", {"client_folder_id": None}).json()
    assert out["client_folder_id"] is None and out["client"] is None
    listed = acme.key.get("/leads").json()[0]
    assert listed["client_folder_id"] is None


def test_folders_are_seen_through_their_leads_under_admins_only(acme: World) -> None:
    Account.objects.filter(pk=acme.account.pk).update(privacy=Privacy.ADMINS_ONLY)
    sam, kim = acme.user("sam@acme.test"), acme.user("kim@acme.test")
    shared, secret, empty = folder(acme, "Shared"), folder(acme, "Secret"), folder(acme, "Empty")
    sams = acme.lead("Sam's", owner=sam, client_folder=shared)
    acme.lead("Kim's in shared", owner=kim, client_folder=shared)
    acme.lead("Kim's secret", owner=kim, client_folder=secret)
    as_sam = as_user(sam)
    assert [c["name"] for c in as_sam.get("/clients").json()] == ["Shared"]
    assert as_sam.get("/clients", q="secr").json() == []
    for path in (f"/clients/{secret.pk}", f"/clients/{empty.pk}"):
        assert as_sam.get(path).status_code == 404 and error_type(as_sam.get(path)) == (
            "record_not_found"
        )
    assert as_sam.put(f"/clients/{secret.pk}", {"name": "Mine"}).status_code == 404
    assert as_sam.delete(f"/clients/{secret.pk}").status_code == 404
    assert ClientFolder.objects.filter(pk=secret.pk, name="Secret").exists()
    # The folder's page lists only the leads Sam may see.
    sam_actor = actor_for_user(sam, Account.objects.get(pk=acme.account.pk))
    assert [lead.pk for lead in client_folder_leads(sam_actor, shared)] == [sams.pk]
    # A folder Sam does not see cannot be given to a lead, nor name one.
    put = as_sam.put(f"/leads/{sams.pk}", {"client_folder_id": secret.pk})
    assert put.status_code == 422 and put.json()["field"] == "client_folder_id"
    refused = as_sam.post(f"/leads/{sams.pk}/add_to_client", {"client_id": secret.pk})
    assert refused.status_code == 422
    assert Lead.objects.get(pk=sams.pk).client_folder_id == shared.pk
    # Whoever creates a folder sees it, before it holds any lead.
    mine = as_sam.post("/clients", {"name": "Sam's own"}).json()
    assert as_sam.get(f"/clients/{mine['id']}").status_code == 200
    # Everyone sees every folder when everything is shared; admins always do.
    assert len(acme.key.get("/clients").json()) == 4
    Account.objects.filter(pk=acme.account.pk).update(privacy=Privacy.EVERYTHING_SHARED)
    assert len(as_sam.get("/clients").json()) == 4


def test_another_accounts_folder_does_not_exist(acme: World) -> None:
    rival = make_world("Rival", "admin@rival.test")
    theirs = folder(rival, "Theirs")
    assert acme.key.get(f"/clients/{theirs.pk}").status_code == 404
    assert acme.key.delete(f"/clients/{theirs.pk}").status_code == 404
    lead = acme.lead("Deal")
    assert acme.key.put(f"/leads/{lead.pk}", {"client_folder_id": theirs.pk}).status_code == 422
    assert acme.key.get("/clients").json() == []


def test_deleting_a_folder_keeps_its_leads_and_moves_their_version(acme: World) -> None:
    novak = folder(acme, "Novak")
    lead = acme.lead("Deal", client_folder=novak)
    before = Lead.objects.get(pk=lead.pk).updated_at
    assert acme.key.delete(f"/clients/{novak.pk}").json() == {"id": novak.pk}
    after = Lead.objects.get(pk=lead.pk)
    assert after.client_folder_id is None and after.updated_at > before


def test_the_toggles_keep_deleting_and_exporting_for_admins(acme: World) -> None:
    sam = acme.user("sam@acme.test")
    as_sam = as_user(sam)
    novak = folder(acme, "Novak")
    acme.lead("Deal", owner=sam, client_folder=novak)
    settings = acme.key.put(
        "/account/settings",
        {"only_admins_delete_client_folders": True, "only_admins_export_client_folders": True},
    )
    assert settings.status_code == 200, settings.content
    assert settings.json()["only_admins_delete_client_folders"] is True
    logged = SensitiveAction.objects.filter(action=SensitiveActionType.SETTINGS_CHANGED).last()
    assert logged is not None and "only_admins_export_client_folders" in logged.details["changes"]
    before = SensitiveAction.objects.count()
    deleted = as_sam.delete(f"/clients/{novak.pk}")
    assert deleted.status_code == 403 and deleted.json()["code"] == (
        "only_admins_delete_client_folders"
    )
    exported = as_sam.get("/clients/export")
    assert exported.status_code == 403 and exported.json()["code"] == (
        "only_admins_export_client_folders"
    )
    assert ClientFolder.objects.filter(pk=novak.pk).exists()
    assert SensitiveAction.objects.count() == before  # a refusal logs nothing
    assert acme.key.get("/clients/export").status_code == 200
    assert acme.key.delete(f"/clients/{novak.pk}").status_code == 200
    # Off again: anyone who sees a folder may.
    acme.key.put(
        "/account/settings",
        {"only_admins_delete_client_folders": False, "only_admins_export_client_folders": False},
    )
    again = folder(acme, "Again", user=sam)
    assert as_sam.get("/clients/export").status_code == 200
    assert as_sam.delete(f"/clients/{again.pk}").status_code == 200


def test_the_export_is_csv_safe_for_spreadsheets(acme: World) -> None:
    folder(acme, "=HYPERLINK(1)")
    text = acme.key.get("/clients/export").content.decode()
    assert text.splitlines()[0] == "id,name,description,is_active,created_at"
    assert "'=HYPERLINK(1)" in text
