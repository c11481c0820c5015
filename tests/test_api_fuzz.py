"""Schemathesis over the OpenAPI document: whatever a client sends, as an admin key or as a
plain user's token, the API answers without a 5xx and as its document says. Besides what the
document allows, the generated values include hostile ones (leadcrew/testing/hostile.py:
Unicode digits, lone surrogates, NUL bytes, over-long text, huge numbers, 10,000 tags)."""

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from config.wsgi import application
from leadcrew.accounts.models import Account, Edition, User
from leadcrew.accounts.services import account_create, user_token_issue
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.hostile import add_fuzz_hooks

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_wsgi("/api/v2/openapi.json", application)
add_fuzz_hooks(schema)

# Fuzzing stops at the first answer that breaks a rule; a few examples per operation and
# per credential keep the whole run to about a minute.
FUZZ = settings(
    max_examples=int(os.environ.get("LEADCREW_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _populated_account() -> dict[str, str]:
    """A dream_team account with teams on, a team, two users and a few leads."""
    new = account_create(
        name="Fuzz", admin_email="admin@fuzz.test", admin_password="secret-pass",
        edition=Edition.DREAM_TEAM,
    )  # fmt: skip
    Account.objects.filter(pk=new.account.pk).update(teams_enabled=True, privacy="admins_only")
    seller = User.objects.create(account=new.account, email="seller@fuzz.test")
    team = Team.objects.create(account=new.account, name="North")
    Membership.objects.create(account=new.account, team=team, user=seller, is_manager=True)
    return {"key": new.api_key, "token": user_token_issue(user=seller)}


@pytest.fixture
def credentials(db: None) -> Iterator[dict[str, str]]:
    # Schemathesis calls the real WSGI handler, which closes "old" database connections around
    # each request: that would close the test's own transaction on PostgreSQL.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield _populated_account()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _check(case: Any, headers: dict[str, str]) -> None:
    response = case.call(headers=headers)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    content_type = response.headers.get("content-type", [""])[0]
    # JSON, and the two downloads: CSV exports and the account's archive.
    assert content_type.startswith(("application/json", "text/csv", "application/zip")), (
        content_type
    )
    if content_type.startswith("application/json"):
        body = json.loads(response.text)
        if response.status_code >= 400:
            assert set(body) >= {"error", "message", "type", "code"}, body
    case.validate_response(
        response,
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
        ],
    )


@schema.parametrize()
@FUZZ
def test_as_an_admin_key(case: Any, credentials: dict[str, str]) -> None:
    _check(case, {"X-API-KEY": credentials["key"]})


@schema.parametrize()
@FUZZ
def test_as_a_plain_users_token(case: Any, credentials: dict[str, str]) -> None:
    _check(case, {"X-USER-TOKEN": credentials["token"]})
