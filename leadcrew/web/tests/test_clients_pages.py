"""Client folder pages: a plain user sees only the folders holding a lead they may see, and only
those leads; deleting and exporting follow the security toggles and are logged; a folder of
another account, or one the reader may not see, does not exist for them."""

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.contacts.models import ClientFolder, FieldType, ParentType
from leadcrew.contacts.services import field_create
from leadcrew.leads.models import Lead
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _folder(cast: Cast, name: str, *leads: Lead, description: str = "") -> ClientFolder:
    folder = ClientFolder.objects.create(account=cast.account, name=name, description=description)
    for lead in leads:
        lead_update(
            actor=cast.actor(cast.admin), lead_id=lead.pk, data={"client_folder_id": folder.pk}
        )
    return folder


def _logged(cast: Cast, action: SensitiveActionType) -> list[SensitiveAction]:
    return list(SensitiveAction.objects.filter(account=cast.account, action=action))


def test_a_plain_user_lists_only_the_folders_holding_a_lead_they_see(
    login: Login, cast: Cast
) -> None:
    _folder(cast, "Novak", cast.leads.nils_solo, cast.leads.sam_south, cast.leads.sid_south)
    _folder(cast, "Secret Corp", cast.leads.sam_south)
    ClientFolder.objects.create(account=cast.rival.account, name="Rival Folder")
    page = login(cast.nils).get("/clients")
    assert page.status_code == 200
    assert [folder.name for folder, _ in page.context["rows"]] == ["Novak"]
    assert page.context["rows"][0][1] == 1  # Novak's leads Nils sees: his own
    assert "Secret Corp" not in page.text and "Rival Folder" not in page.text


def test_an_admin_lists_every_folder_of_the_account_with_its_lead_count(
    login: Login, cast: Cast
) -> None:
    _folder(cast, "Novak", cast.leads.nils_solo, cast.leads.sam_south)
    _folder(cast, "Secret Corp")
    ClientFolder.objects.create(account=cast.rival.account, name="Rival Folder")
    page = login(cast.admin).get("/clients")
    rows = [(folder.name, count) for folder, count in page.context["rows"]]
    assert rows == [("Novak", 2), ("Secret Corp", 0)]


def test_the_list_searches_names_whatever_the_case_and_accents_and_pages(
    login: Login, cast: Cast
) -> None:
    for number in range(55):
        ClientFolder.objects.create(account=cast.account, name=f"Société {number:02}")
    ClientFolder.objects.create(account=cast.account, name="Apex")
    client = login(cast.admin)
    found = client.get("/clients", {"q": "SOCIETE"})
    names = [folder.name for folder, _ in found.context["rows"]]
    assert len(names) == 50 and names[0] == "Société 00" and "Apex" not in names
    assert 'rel="next"' in found.text
    following = client.get(found.context["next_url"])
    assert [folder.name for folder, _ in following.context["rows"]] == [
        f"Société {number}" for number in range(50, 55)
    ]
    back = client.get(following.context["previous_url"])
    assert [folder.name for folder, _ in back.context["rows"]] == names
    nothing = client.get("/clients", {"q": "zzz"})
    assert "No client folder has this name." in nothing.text


def test_the_main_navigation_links_the_client_folders(login: Login, cast: Cast) -> None:
    page = login(cast.nils).get("/leads")
    assert '<a href="/clients">Clients</a>' in page.text


def test_creating_a_folder_with_field_values_and_clear_errors(login: Login, cast: Cast) -> None:
    admin = cast.actor(cast.admin)
    field_create(actor=admin, name="Website", type=FieldType.URL, parent_type=ParentType.CLIENT)
    field_create(
        actor=admin,
        name="Sector",
        type=FieldType.CHOICE,
        parent_type=ParentType.CLIENT,
        choices=["Retail", "Banking"],
    )
    client = login(cast.nils)
    blank = client.post("/clients", {"name": "  ", "field_website": "", "notes": ""})
    assert blank.status_code == 422
    assert "This field is required." in blank.text
    bad = client.post("/clients", {"name": "Novak", "field_website": "not a url at all"})
    assert bad.status_code == 422
    assert bad.context["form"].errors == {"field_website": ["Not a valid web address."]}
    assert not ClientFolder.objects.filter(account=cast.account).exists()

    made = client.post(
        "/clients",
        {"name": " Novak  & Co ", "field_website": "novak.test", "field_sector": "Banking",
         "notes": "Met at the fair."},
    )  # fmt: skip
    folder = ClientFolder.objects.get(account=cast.account)
    assert made.status_code == 303 and made["Location"] == f"/clients/{folder.pk}"
    assert folder.name == "Novak & Co" and folder.user_id == cast.nils.pk
    assert folder.description == "Website: novak.test\nSector: Banking\n---\nMet at the fair."
    page = client.get(f"/clients/{folder.pk}")
    assert "Client folder created." in page.text
    assert page.context["values"] == {"Website": "novak.test", "Sector": "Banking"}
    assert page.context["notes"] == "Met at the fair."


def test_the_folder_page_shows_only_the_leads_the_reader_may_see(login: Login, cast: Cast) -> None:
    novak = _folder(cast, "Novak", cast.leads.nils_solo, cast.leads.sam_south)
    page = login(cast.nils).get(f"/clients/{novak.pk}")
    assert page.status_code == 200
    assert [lead.pk for lead in page.context["page"].leads] == [cast.leads.nils_solo.pk]
    assert "Acme nils_solo" in page.text and "Acme sam_south" not in page.text
    assert "1 lead you may see" in page.text


def test_the_lead_page_links_its_client_folder(login: Login, cast: Cast) -> None:
    novak = _folder(cast, "Novak", cast.leads.nils_solo)
    page = login(cast.nils).get(f"/leads/{cast.leads.nils_solo.pk}")
    assert f'<a href="/clients/{novak.pk}">Novak</a>' in page.text


def test_whoever_sees_a_folder_renames_it(login: Login, cast: Cast) -> None:
    novak = _folder(cast, "Novak", cast.leads.nils_solo)
    client = login(cast.nils)
    refused = client.post(f"/clients/{novak.pk}", {"name": ""})
    assert refused.status_code == 422 and "This field is required." in refused.text
    saved = client.post(f"/clients/{novak.pk}", {"name": "Novak Group", "notes": "Paris"})
    assert saved.status_code == 303
    novak.refresh_from_db()
    assert (novak.name, novak.description) == ("Novak Group", "Paris")


def test_a_folder_the_reader_may_not_see_or_of_another_account_is_not_found(
    login: Login, cast: Cast
) -> None:
    secret = _folder(cast, "Secret Corp", cast.leads.sam_south)
    rival = ClientFolder.objects.create(account=cast.rival.account, name="Rival Folder")
    for user, folder in ((cast.nils, secret), (cast.admin, rival)):
        client = login(user)
        response = client.get(f"/clients/{folder.pk}")
        assert response.status_code == 404
        assert folder.name not in response.text
        assert client.post(f"/clients/{folder.pk}", {"name": "Taken"}).status_code == 404
        assert client.post(f"/clients/{folder.pk}/delete").status_code == 404
        assert client.post(f"/clients/{folder.pk}/export").status_code == 404
    assert ClientFolder.objects.get(pk=secret.pk).name == "Secret Corp"
    assert ClientFolder.objects.get(pk=rival.pk).name == "Rival Folder"
    assert not _logged(cast, SensitiveActionType.CLIENT_FOLDER_DELETED)
    assert not _logged(cast, SensitiveActionType.CLIENT_FOLDERS_EXPORTED)


def test_deleting_keeps_the_leads_and_is_logged(login: Login, cast: Cast) -> None:
    novak = _folder(cast, "Novak", cast.leads.nils_solo, cast.leads.sam_south)
    client = login(cast.nils)
    assert "Delete the folder" in client.get(f"/clients/{novak.pk}").text
    response = client.post(f"/clients/{novak.pk}/delete")
    assert response.status_code == 303 and response["Location"] == "/clients"
    assert not ClientFolder.objects.filter(pk=novak.pk).exists()
    for lead in (cast.leads.nils_solo, cast.leads.sam_south):
        lead.refresh_from_db()
        assert lead.client_folder_id is None
    [entry] = _logged(cast, SensitiveActionType.CLIENT_FOLDER_DELETED)
    assert entry.actor_id == cast.nils.pk and entry.details["name"] == "Novak"
    assert "Its leads stay, outside any folder." in client.get("/clients").text


def test_only_admins_delete_folders_when_the_toggle_says_so(login: Login, cast: Cast) -> None:
    cast.configure(only_admins_delete_client_folders=True)
    novak = _folder(cast, "Novak", cast.leads.nils_solo)
    client = login(cast.nils)
    assert "Delete the folder" not in client.get(f"/clients/{novak.pk}").text
    refused = client.post(f"/clients/{novak.pk}/delete")
    assert refused.status_code == 403
    assert "Only admins may delete client folders in this account." in refused.text
    assert ClientFolder.objects.filter(pk=novak.pk).exists()
    assert not _logged(cast, SensitiveActionType.CLIENT_FOLDER_DELETED)
    admin = login(cast.admin)
    assert "Delete the folder" in admin.get(f"/clients/{novak.pk}").text
    assert admin.post(f"/clients/{novak.pk}/delete").status_code == 303
    assert not ClientFolder.objects.filter(pk=novak.pk).exists()
    assert len(_logged(cast, SensitiveActionType.CLIENT_FOLDER_DELETED)) == 1


def _csv(response: object) -> list[list[str]]:
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode())))


def test_exporting_gives_only_the_visible_leads_safe_for_spreadsheets_and_is_logged(
    login: Login, cast: Cast
) -> None:
    lead_update(
        actor=cast.actor(cast.admin),
        lead_id=cast.leads.nils_solo.pk,
        data={"title": '=HYPERLINK("http://evil.test","Click")'},
    )
    novak = _folder(
        cast, "Novak", cast.leads.nils_solo, cast.leads.nils_north, cast.leads.sam_south
    )
    response = login(cast.nils).post(f"/clients/{novak.pk}/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    titles = {row[1] for row in rows[1:]}
    assert titles == {'\'=HYPERLINK("http://evil.test","Click")', "Acme nils_north"}
    [entry] = _logged(cast, SensitiveActionType.CLIENT_FOLDERS_EXPORTED)
    assert (entry.actor_id, entry.count) == (cast.nils.pk, 2)
    assert entry.details["client_folder_id"] == novak.pk


@pytest.mark.parametrize(
    "toggle", ["only_admins_export_client_folders", "only_admins_export_leads"]
)
def test_only_admins_export_a_folder_when_a_toggle_says_so(
    login: Login, cast: Cast, toggle: str
) -> None:
    cast.configure(**{toggle: True})
    novak = _folder(cast, "Novak", cast.leads.nils_solo)
    client = login(cast.nils)
    assert "Export its leads as CSV" not in client.get(f"/clients/{novak.pk}").text
    refused = client.post(f"/clients/{novak.pk}/export")
    assert refused.status_code == 403 and "Only admins may export" in refused.text
    assert not _logged(cast, SensitiveActionType.CLIENT_FOLDERS_EXPORTED)
    admin = login(cast.admin)
    assert "Export its leads as CSV" in admin.get(f"/clients/{novak.pk}").text
    assert admin.post(f"/clients/{novak.pk}/export").status_code == 200
    assert len(_logged(cast, SensitiveActionType.CLIENT_FOLDERS_EXPORTED)) == 1
