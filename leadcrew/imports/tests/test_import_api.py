"""POST /api/v2/imports: the answer's shape, and a clear 4xx (never a 5xx, nothing left
behind) for every file or parameter that cannot be imported."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadcrew.audit.models import SensitiveAction
from leadcrew.bulk.models import BulkAction
from leadcrew.imports.models import Import
from leadcrew.imports.tests.files import csv_bytes, xlsx_bytes
from leadcrew.leads.models import Lead
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

GOOD = csv_bytes([["Titre", "Montant"], ["Acme", "1 234,50"], ["Bad", "lots"]], delimiter=";")


def post(
    cast: Cast,
    data: bytes | None,
    user: Any = None,
    name: str = "leads.csv",
    query: str = "",
    **form: Any,
) -> Any:
    client = Client(headers=cast.headers(user or cast.admin))
    body: dict[str, Any] = dict(form.items())
    if data is not None:
        body["file"] = SimpleUploadedFile(name, data)
    return client.post(f"/api/v2/imports{query}", body)


def footprint() -> tuple[int, ...]:
    return (
        Lead.objects.count(),
        BulkAction.objects.count(),
        Import.objects.count(),
        SensitiveAction.objects.count(),
    )


def test_an_import_answers_its_report_and_can_be_read_and_undone(cast: Cast) -> None:
    response = post(cast, GOOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"id", "dry_run", "rows", "created", "skipped", "errors", "bulk_action_id"}
    assert (body["dry_run"], body["rows"], body["created"], body["skipped"]) == (False, 2, 1, 1)
    assert body["errors"] == [
        {
            "row": 3,
            "column": "Montant",
            "value": "lots",
            "code": "import_invalid_amount",
            "message": "amount: Not an amount (like 1 234,50 or 1,234.50, two decimals at most).",
        }
    ]
    client = Client(headers=cast.headers(cast.admin))
    record = client.get(f"/api/v2/imports/{body['id']}").json()
    assert (record["file_name"], record["created"], record["bulk_action_id"]) == (
        "leads.csv",
        1,
        body["bulk_action_id"],
    )
    listed = client.get("/api/v2/bulk_actions").json()
    assert listed[0]["id"] == body["bulk_action_id"]
    assert listed[0]["action"] == "import"
    undo = client.post(f"/api/v2/bulk_actions/{body['bulk_action_id']}/undo")
    assert undo.json()["restored"] == 1
    assert not Lead.objects.filter(title="Acme", deleted_at__isnull=True).exists()


def test_another_user_cannot_read_the_import(cast: Cast) -> None:
    body = post(cast, GOOD).json()
    client = Client(headers=cast.headers(cast.nils))
    assert client.get(f"/api/v2/imports/{body['id']}").status_code == 404


def test_a_dry_run_in_the_form_or_the_query_writes_nothing(cast: Cast) -> None:
    before = footprint()
    for response in (post(cast, GOOD, dry_run="true"), post(cast, GOOD, query="?dry_run=true")):
        body = response.json()
        assert (body["dry_run"], body["id"], body["created"], body["skipped"]) == (True, None, 1, 1)
    assert footprint() == before


def test_all_or_nothing_in_the_query_refuses_the_file(cast: Cast) -> None:
    before = footprint()
    response = post(cast, GOOD, query="?all_or_nothing=true")
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["created"], body["skipped"]) == ("import_rows_failed", 0, 1)
    assert body["errors"][0]["row"] == 3
    assert footprint() == before


def test_mapping_and_defaults_as_json(cast: Cast) -> None:
    data = csv_bytes([["Nom du deal", "Qui"], ["a", "Sam"]])
    response = post(
        cast,
        data,
        mapping=json.dumps({"Nom du deal": "title", "Qui": "owner"}),
        defaults=json.dumps({"team_id": "South", "tags": ["imported"]}),
    )
    assert response.json()["created"] == 1, response.content
    lead = Lead.objects.get(title="a", account=cast.account)
    assert (lead.owner_id, lead.team_id) == (cast.sam.pk, cast.south.pk)


def test_a_workbook(cast: Cast) -> None:
    response = post(cast, xlsx_bytes([["Title"], ["from Excel"]]), name="leads.xlsx")
    assert response.json()["created"] == 1


@pytest.mark.parametrize(
    ("data", "form", "status", "code", "field"),
    [
        (None, {}, 422, "required", "file"),
        (b"", {}, 422, "import_empty_file", "file"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            {},
            422,
            "import_not_a_spreadsheet",
            "file",
        ),
        (b"PK\x03\x04garbage", {}, 422, "import_malformed_file", "file"),
        (b"Title\n", {}, 422, "import_no_rows", "file"),
        (b"Phone\n123\n", {}, 422, "import_no_title_column", "mapping"),
        (b"Title\na\n", {"mapping": "{not json"}, 400, "bad_format", "mapping"),
        (b"Title\na\n", {"mapping": '["title"]'}, 422, "import_not_an_object", "mapping"),
        (b"Title\na\n", {"mapping": '{"Nope": "title"}'}, 422, "import_unknown_column", "mapping"),
        (b"Title\na\n", {"mapping": '{"Title": "colour"}'}, 422, "import_unknown_field", "mapping"),
        (
            b"Title\na\n",
            {"defaults": '{"user_id": "nobody"}'},
            422,
            "unknown_user",
            "defaults.user_id",
        ),
        (b"Title\na\n", {"dry_run": "perhaps"}, 400, "bad_format", "dry_run"),
    ],
)
def test_what_cannot_be_imported_gets_a_clear_4xx_and_leaves_nothing(
    cast: Cast, data: bytes | None, form: dict[str, str], status: int, code: str, field: str
) -> None:
    before = footprint()
    response = post(cast, data, **form)
    assert response.status_code == status, response.content
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert footprint() == before


def test_a_file_over_the_limit_gets_413(cast: Cast, settings: Any) -> None:
    settings.LEADCREW_IMPORT_MAX_BYTES = 1000
    before = footprint()
    response = post(cast, b"Title\n" + b"a lead\n" * 500)
    assert response.status_code == 413
    assert response.json()["code"] == "import_file_too_large"
    huge = post(cast, b"Title\n" + b"a lead\n" * 200_000)  # refused before it is read
    assert huge.status_code == 413
    assert footprint() == before


def test_the_endpoints_are_in_the_openapi_document(cast: Cast) -> None:
    schema = Client().get("/api/v2/openapi.json").json()
    assert "post" in schema["paths"]["/api/v2/imports"]
    assert "get" in schema["paths"]["/api/v2/imports/{id}"]
    body = schema["paths"]["/api/v2/imports"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
