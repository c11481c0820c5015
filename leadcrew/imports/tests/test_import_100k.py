"""100,000 rows in one request on PostgreSQL: every lead, its history and its undo record
written, in one transaction (docs/benchmarks.md has the time this takes)."""

import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from bench.import_load import write_csv
from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkAction, BulkChange
from leadcrew.leads.models import Lead, LeadHistory
from leadcrew.testing.cast import Cast

ROWS = 100_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the 100,000-row import is measured on PostgreSQL"
    ),
]


def test_one_request_imports_100000_rows(cast: Cast) -> None:
    User.objects.bulk_create(
        User(account=cast.account, email=f"owner{n}.big@import-bench.test", first_name=f"O{n}")
        for n in range(20)
    )
    path = Path(tempfile.mkdtemp()) / "big.csv"
    write_csv(path, ROWS, "big")
    client = Client(headers=cast.headers(cast.admin))
    upload = SimpleUploadedFile("big.csv", path.read_bytes())
    response = client.post("/api/v2/imports", {"file": upload})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["rows"], body["created"], body["skipped"], body["errors"]) == (ROWS, ROWS, 0, [])
    leads = Lead.objects.filter(account=cast.account, created_from="import")
    assert leads.count() == ROWS
    assert leads.filter(owner__isnull=True).count() == 0
    bulk = BulkAction.objects.get(pk=body["bulk_action_id"])
    assert bulk.changed == ROWS
    assert BulkChange.objects.filter(bulk_action=bulk).count() == ROWS
    assert LeadHistory.objects.filter(bulk_action=bulk).count() == ROWS
    assert leads.order_by("id").values_list("title", flat=True)[ROWS - 1] == f"Société {ROWS - 1}"
