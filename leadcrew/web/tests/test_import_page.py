"""The import page: upload, the recognised columns, the preview with every row error, the
import and its undo, in English and French."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkAction
from leadcrew.imports.tests.files import csv_bytes
from leadcrew.leads.models import Lead
from leadcrew.testing.cast import Cast

Login = Callable[[User], Client]

FILE = csv_bytes(
    [["Titre", "Montant", "Fax"], ["Acme", "1 234,50", "x"], ["Bad", "lots", ""]], delimiter=";"
)


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Any) -> None:
    settings.LEADCREW_IMPORT_DIR = tmp_path


def upload(client: Client, data: bytes = FILE) -> Any:
    return client.post("/leads/import", {"file": SimpleUploadedFile("leads.csv", data)})


def token_of(page: Any) -> str:
    return str(page.context["token"])


def test_every_user_finds_the_import_on_the_lead_list(login: Login, cast: Cast) -> None:
    assert 'href="/leads/import"' in login(cast.nils).get("/leads").content.decode()
    page = login(cast.nils).get("/leads/import")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()


def test_the_admin_panel_links_to_it(login: Login, cast: Cast) -> None:
    assert 'href="/leads/import"' in login(cast.admin).get("/settings/teams").content.decode()


def test_upload_shows_the_mapping_the_preview_and_every_error(login: Login, cast: Cast) -> None:
    page = upload(login(cast.admin))
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["columns"] == [
        (0, "Titre", "title"),
        (1, "Montant", "amount"),
        (2, "Fax", ""),
    ]
    assert '<option value="title" selected>' in html
    assert "1 234,50" in html  # the preview shows the rows as read
    assert page.context["errors"][0]["row"] == 3
    assert "Not an amount" in html
    assert not Lead.objects.filter(title="Acme").exists()  # a preview writes nothing


def test_import_then_undo(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    token = token_of(upload(client))
    done = client.post(
        "/leads/import",
        {
            "token": token,
            "file_name": "leads.csv",
            "column_0": "title",
            "column_1": "amount",
            "go": "import",
        },
    )
    assert done.status_code == 200
    html = done.content.decode()
    assert "1 lead imported from leads.csv" in html
    assert "Undo this import" in html
    lead = Lead.objects.get(title="Acme", account=cast.account)
    bulk = BulkAction.objects.get(action="import")
    client.post(f"/bulk/{bulk.pk}/undo")
    lead.refresh_from_db()
    assert lead.deleted_at is not None
    # The staged file is gone: the same token imports nothing twice.
    again = client.post("/leads/import", {"token": token, "go": "import"})
    assert again.status_code == 422


def test_a_changed_mapping_is_used(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    token = token_of(upload(client))
    page = client.post(
        "/leads/import",
        {"token": token, "column_0": "", "column_1": "", "column_2": "title", "go": "preview"},
    )
    assert page.context["preview"].mapping == {"Fax": "title"}


def test_another_user_cannot_use_the_upload(login: Login, cast: Cast) -> None:
    token = token_of(upload(login(cast.admin)))
    other = Client()
    other.force_login(cast.nils, backend="leadcrew.accounts.backends.EmailBackend")
    page = other.post("/leads/import", {"token": token, "go": "import"})
    assert page.status_code == 422
    assert not Lead.objects.filter(title="Acme").exists()


def test_a_file_that_is_not_a_spreadsheet_says_so(login: Login, cast: Cast) -> None:
    page = upload(login(cast.admin), b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert page.status_code == 422
    assert "This is not a spreadsheet" in page.content.decode()


def test_all_or_nothing_on_the_page(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    token = token_of(upload(client))
    page = client.post(
        "/leads/import",
        {
            "token": token,
            "column_0": "title",
            "column_1": "amount",
            "all_or_nothing": "on",
            "go": "import",
        },
    )
    assert page.status_code == 422
    assert "Nothing was imported" in page.content.decode()
    assert not Lead.objects.filter(title="Acme").exists()


def test_the_page_in_french(login: Login, cast: Cast) -> None:
    cast.admin.locale = "fr"
    cast.admin.save()
    client = login(cast.admin)
    assert "Importer un tableur" in client.get("/leads/import").content.decode()
    html = upload(client).content.decode()
    assert "Ce n’est pas un montant" in html
    assert "Lignes qui ne peuvent pas être importées" in html


def test_progress_is_answered(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    token = token_of(upload(client))
    page = client.get(f"/leads/import/progress?token={token}")
    assert page.status_code == 200
    assert "Reading the file" in page.content.decode()
