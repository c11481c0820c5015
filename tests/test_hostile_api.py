"""Hostile values on the API's main endpoints (leadcrew/testing/hostile.py), field by field: every
answer is a 4xx in the error format, never a 5xx; a field that wants an id, a number, a date or
a choice refuses every one of them; and a refused request leaves the account as it was.

Run it on PostgreSQL too (`DATABASE_URL=postgres://…`): NUL bytes and out-of-range numbers are
refused there by the database itself when nothing refuses them first."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.audit.models import SensitiveAction
from leadcrew.bulk.models import BulkAction
from leadcrew.leads.models import Comment, Lead, LeadHistory, LeadTag, Pipeline
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.cast import Cast
from leadcrew.testing.hostile import HOSTILE, Hostile

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"error", "message", "type", "code"}
# How a field takes text: STRICT wants an id, a number, a date, a choice or an e-mail, and
# refuses every hostile value; SHORT (255 characters at most) and LONG take the hostile values
# that are plain text, such as a title "²".
STRICT, SHORT, LONG = "strict", "short", "long"


@dataclass(frozen=True)
class Target:
    """One field of one endpoint. `path` may hold {lead}, {user}, {team}; `body` is what the
    request carries besides the field; `where` is "body", "query" or "filter" (bulk's)."""

    method: str
    path: str
    field: str
    kind: str
    where: str = "body"
    body: tuple[tuple[str, Any], ...] = ()
    as_user: bool = False  # as Nils, a plain member, rather than as the account key

    def __repr__(self) -> str:
        return f"{self.method} {self.path} {self.where}.{self.field}" + (
            " as a user" if self.as_user else ""
        )


def _fields(method: str, path: str, kinds: dict[str, str], **options: Any) -> list[Target]:
    return [Target(method, path, field, kind, **options) for field, kind in kinds.items()]


LEAD_FIELDS = {
    "title": SHORT,
    "description": LONG,
    "user_id": STRICT,
    "team_id": STRICT,
    "step": SHORT,  # a step id or name: "²" is a name no step has, refused as unknown
    "tags": SHORT,
    "amount": STRICT,
    "probability": STRICT,
    "currency": STRICT,
    "remind_date": STRICT,
    "remind_time": STRICT,
    "estimated_closing_date": STRICT,
    "created_at": STRICT,
    "closed_at": STRICT,
    "starred": STRICT,
    "status": STRICT,
}
# A text field that names something (a step, a user's e-mail) refuses even plain text when
# nothing has that name: checked apart, as the answer is then a 422 "unknown".
LEAD_FILTERS = {
    "status": STRICT,
    "step": SHORT,
    "starred": STRICT,
    "user_id": STRICT,
    "team_id": STRICT,
    "tags": SHORT,
    "email": SHORT,
    "updated_after": STRICT,
    "q": SHORT,
    "include_unassigned": STRICT,
}
PAGING = {"limit": STRICT, "offset": STRICT}
NEW_LEAD = (("title", "Deal"), ("description", ""))
ALL: tuple[str, dict[str, Any]] = ("filter", {})  # a bulk action over every lead the caller may see

TARGETS = [
    *_fields("post", "/leads", {k: v for k, v in LEAD_FIELDS.items() if k != "status"},
             body=NEW_LEAD),
    Target("post", "/leads", "title", SHORT, body=(("description", ""),)),
    *_fields("put", "/leads/{lead}", LEAD_FIELDS),
    *_fields("put", "/leads/{lead}", {"title": SHORT, "amount": STRICT}, as_user=True),
    *_fields("get", "/leads", {**LEAD_FILTERS, **PAGING,
                               "order": STRICT, "direction": STRICT}, where="query"),
    *_fields("get", "/leads", {"user_id": STRICT, "q": SHORT}, where="query", as_user=True),
    Target("post", "/leads/{lead}/assign", "user_id", STRICT),
    Target("post", "/leads/{lead}/comments", "content", LONG),
    Target("delete", "/leads/delete_multiple", "ids", STRICT),
    # Users
    # `teams` takes team names as well as ids.
    *_fields("get", "/users", {"email": SHORT, "status": STRICT, "role": STRICT,
                               "teams": SHORT, "firstname": SHORT, "lastname": SHORT,
                               "direction": STRICT, **PAGING}, where="query"),
    *_fields("post", "/users", {"firstname": SHORT, "lastname": SHORT, "email": STRICT,
                                "is_admin": STRICT, "locale": STRICT},
             body=(("firstname", "A"), ("lastname", "B"), ("email", "new@acme.test"))),
    *_fields("put", "/users/{user}", {"firstname": SHORT, "lastname": SHORT,
                                      "is_admin": STRICT, "locale": STRICT}),
    *_fields("put", "/users/{user}", {"firstname": SHORT, "locale": STRICT}, as_user=True),
    Target("delete", "/users/{user}", "reassign_to", STRICT, where="query"),
    Target("get", "/auth/log_as", "user_id", STRICT, where="query"),
    # Teams
    Target("post", "/teams", "name", SHORT),
    Target("put", "/teams/{team}", "name", SHORT),
    *_fields("post", "/teams/{team}/add_member", {"user_id": STRICT, "is_manager": STRICT},
             body=(("user_id", "ursula@acme.test"),)),
    Target("delete", "/teams/{team}/remove_member", "user_id", STRICT),
    Target("put", "/teams/{team}/settings", "round_robin", STRICT),
    # Bulk actions: each parameter, the explicit ids and every filter
    *_fields("post", "/leads/bulk", {"action": STRICT, "ids": STRICT},
             body=(("action", "add_tags"), ("tags", "x"))),
    *_fields("post", "/leads/bulk", {"user_id": STRICT}, body=(("action", "assign"), ALL)),
    *_fields("post", "/leads/bulk", {"team_id": STRICT},
             body=(("action", "place_in_team"), ALL)),
    *_fields("post", "/leads/bulk", {"status": STRICT, "remind_date": STRICT,
                                     "remind_time": STRICT},
             body=(("action", "set_status"), ("status", "standby"),
                   ("remind_date", "2030-01-01"), ALL)),
    *_fields("post", "/leads/bulk", {"step": SHORT}, body=(("action", "move_to_step"), ALL)),
    *_fields("post", "/leads/bulk", {"tags": SHORT}, body=(("action", "add_tags"), ALL)),
    *_fields("post", "/leads/bulk", LEAD_FILTERS, where="filter",
             body=(("action", "star"),)),
    *_fields("post", "/leads/bulk", {"q": SHORT, "user_id": STRICT}, where="filter",
             body=(("action", "export"),)),
    *_fields("post", "/leads/bulk", {"tags": SHORT}, body=(("action", "add_tags"), ALL),
             as_user=True),
    # Statistics, as JSON and as CSV
    *_fields("get", "/statistics", {"scope": STRICT, "team_id": STRICT, "user_id": STRICT,
                                    "from": STRICT, "to": STRICT, "group_by": STRICT,
                                    "pipeline_id": STRICT, "format": STRICT}, where="query"),
    *_fields("get", "/statistics", {"user_id": STRICT, "from": STRICT}, where="query",
             as_user=True),
    *_fields("get", "/statistics?format=csv", {"user_id": STRICT, "team_id": STRICT},
             where="query"),
    # Pipelines, steps, API keys, the log
    Target("post", "/pipelines", "name", SHORT),
    Target("post", "/pipelines", "steps", STRICT, body=(("name", "P"),)),
    *_fields("get", "/steps", {"pipeline_id": STRICT, "direction": STRICT}, where="query"),
    Target("post", "/api_keys", "name", SHORT),
    *_fields("get", "/sensitive_actions", {"action": STRICT, "user_id": STRICT,
                                           "from": STRICT}, where="query"),
]  # fmt: skip

# Names that name nothing in the cast: plain text refused as "unknown" there.
NAMING = {"step", "user_id", "reassign_to"}


def _must_refuse(target: Target, hostile: Hostile) -> bool:
    # In a query string everything is text: a search for "1000…0" is a search.
    as_text = target.where == "query" and isinstance(hostile.value, int | float)
    if target.kind == STRICT or not (hostile.fit_for_text or as_text):
        long_list = hostile.name == "ten thousand tags in one text"
        return not (target.kind == LONG and long_list)
    return False


def _path(target: Target, cast: Cast) -> str:
    path = target.path.format(lead=cast.leads.nils_north.pk, user=cast.nils.pk, team=cast.north.pk)
    return "/api/v2" + path


def _query(field: str, value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    # A lone surrogate has no UTF-8: percent-encode what a client would send for it.
    return "&".join(
        f"{field}={quote(str(item), safe='', errors='surrogatepass')}" for item in values
    )


def _send(client: Client, target: Target, path: str, value: Any) -> Any:
    body: dict[str, Any] = dict(target.body)
    if target.where == "query":
        separator = "&" if "?" in path else "?"
        path = f"{path}{separator}{_query(target.field, value)}"
    elif target.where == "filter":
        body["filter"] = {target.field: value}
    else:
        body[target.field] = value
    if target.method == "get":
        return client.get(path)
    return getattr(client, target.method)(path, json.dumps(body), content_type="application/json")


WATCHED = (Lead, LeadTag, LeadHistory, Comment, User, Team, Membership, Pipeline, BulkAction,
           SensitiveAction)  # fmt: skip


def snapshot(cast: Cast) -> tuple[Any, ...]:
    """A fingerprint of everything these endpoints could change in the cast's accounts: rows
    added or removed change a count or the largest id, and every write to a lead, a user, a
    team or a pipeline moves its `updated_at` (the lead's version). One query: it is taken
    after each of a thousand refusals."""
    accounts = ", ".join(str(pk) for pk in (cast.account.pk, cast.rival.account.pk))
    columns = []
    for model in WATCHED:
        where = f"FROM {model._meta.db_table} WHERE account_id IN ({accounts})"
        columns += [f"(SELECT COUNT(*) {where})", f"(SELECT MAX(id) {where})"]
        if any(field.name == "updated_at" for field in model._meta.fields):
            columns.append(f"(SELECT MAX(updated_at) {where})")
    # A membership has no updated_at: its role is counted.
    managers = f"FROM {Membership._meta.db_table} WHERE account_id IN ({accounts}) AND is_manager"
    columns.append(f"(SELECT COUNT(*) {managers})")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}")
        return tuple(cursor.fetchone() or ())


def assert_error_shape(response: Any, what: str) -> dict[str, Any]:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]}"
    if response.status_code < 400:
        return {}
    assert response["Content-Type"].startswith("application/json"), what
    body: dict[str, Any] = response.json()
    assert set(body) >= ERROR_KEYS, f"{what}: {body}"
    assert body["error"] == response.status_code, f"{what}: {body}"
    return body


@pytest.fixture
def clients(cast: Cast) -> dict[bool, Client]:
    return {
        False: Client(headers=cast.headers(None)),
        True: Client(headers=cast.headers(cast.nils)),
    }


@contextmanager
def _rolled_back() -> Iterator[None]:
    """Each request in a savepoint undone after it: a value a field rightly takes (a title "²")
    leaves nothing behind for the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _endpoints() -> dict[str, list[Target]]:
    """The targets per resource (/leads, /leads/bulk, /users, …): one test each, with one
    cast (building it costs as much as a few dozen requests)."""
    groups: dict[str, list[Target]] = {}
    for target in TARGETS:
        name = "/leads/bulk" if "bulk" in target.path else "/" + target.path.split("/")[1]
        groups.setdefault(name.split("?")[0], []).append(target)
    return groups


ENDPOINTS = _endpoints()


def _may_write(target: Target) -> bool:
    # A GET writes only the log of an export (the statistics as CSV).
    return target.method != "get" or "csv" in target.path


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hostile_values_are_refused_in_the_error_format(
    cast: Cast, clients: dict[bool, Client], endpoint: str
) -> None:
    failures = []
    before = snapshot(cast)
    for target in ENDPOINTS[endpoint]:
        client = clients[target.as_user]
        path = _path(target, cast)
        for hostile in HOSTILE:
            what = f"{target!r} = {hostile!r}"
            with _rolled_back():
                response = _send(client, target, path, hostile.value)
                try:
                    body = assert_error_shape(response, what)
                    if _must_refuse(target, hostile) or target.field in NAMING:
                        assert 400 <= response.status_code < 500, (
                            f"{what}: {response.status_code} {response.content[:300]!r}"
                        )
                    field = body.get("field")
                    if response.status_code in (400, 422) and field is not None:
                        assert field.split(".")[0] in {target.field, "filter"}, (what, body)
                    if response.status_code >= 400 and _may_write(target):
                        assert snapshot(cast) == before, f"{what}: refused, yet something changed"
                except AssertionError as failure:
                    failures.append(str(failure).splitlines()[0])
    assert not failures, "\n".join(failures)


# --- Bodies, query strings and headers no parser should choke on --------------------------------

LEAD = b'"title": "Deal", "description": ""'
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MANY_FIELDS = "&".join(f"f{number}=1" for number in range(1001))


@dataclass(frozen=True)
class Raw:
    name: str
    body: bytes = b""
    content_type: str = JSON
    method: str = "post"
    path: str = "/leads"
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 400
    code: str | None = None
    field: str | None = None

    def __repr__(self) -> str:
        return self.name


RAW = [
    Raw("escaped lone surrogate", b'{"title": "\\ud800", "description": ""}',
        code="not_unicode", field="title"),
    Raw("lone low surrogate", b'{"title": "a\\udc00b", "description": ""}',
        code="not_unicode", field="title"),
    Raw("a surrogate pair is an emoji", b'{"title": "\\ud83d\\ude00", "description": ""}',
        status=201),
    Raw("raw bytes of a lone surrogate", b'{"title": "\xed\xa0\x80", "description": ""}',
        code="not_unicode", field="title"),
    Raw("lone surrogate in UTF-16", '{"title": "\\ud800", "description": ""}'.encode("utf-16"),
        code="not_unicode", field="title"),
    Raw("lone surrogate in a key", b'{"\\ud800": 1, ' + LEAD + b"}", code="not_unicode",
        field="body"),
    Raw("lone surrogate in a tag", b'{"tags": ["a", "\\udfff"], ' + LEAD + b"}",
        code="not_unicode", field="tags.1"),
    Raw("lone surrogate in a bulk filter", b'{"action": "star", "filter": {"q": "\\ud800"}}',
        path="/leads/bulk", code="not_unicode", field="filter.q"),
    Raw("not UTF-8", b'{"title": "\xff\xfe", "description": ""}', code="invalid_json"),
    Raw("NaN amount", b'{"amount": NaN, ' + LEAD + b"}", status=422),
    Raw("infinite amount", b'{"amount": Infinity, ' + LEAD + b"}", status=422),
    Raw("amount past a float", b'{"amount": 1e400, ' + LEAD + b"}", status=422),
    Raw("five thousand digits", b'{"probability": ' + b"9" * 5000 + b", " + LEAD + b"}",
        code="invalid_json"),
    Raw("nested past the recursion limit", b"[" * 100_000 + b"]" * 100_000,
        code="invalid_json"),
    Raw("an array", b"[]", status=422),
    Raw("a string", b'"x"', status=422),
    Raw("null", b"null", status=422),
    Raw("a NUL byte alone", b"\x00", code="invalid_json"),
    Raw("form value not UTF-8", b"title=%FF&description=", FORM, code="not_unicode",
        field="title"),
    Raw("form of a lone surrogate", b"title=%ED%A0%80&description=", FORM,
        code="not_unicode", field="title"),
    Raw("form in UTF-16", "title=a&description=".encode("utf-16"),
        f"{FORM}; charset=utf-16", code="unreadable_request"),
    Raw("form of 1001 fields", MANY_FIELDS.encode(), FORM, code="unreadable_request"),
    Raw("broken multipart", b"--x\r\nnonsense", "multipart/form-data; boundary=x", status=422),
    Raw("multipart without a boundary", b"--x\r\n", "multipart/form-data",
        code="unreadable_request"),
    Raw("query of a lone surrogate", method="get", path="/leads?q=%ED%A0%80",
        code="not_unicode", field="q"),
    Raw("query not UTF-8", method="get", path="/users?email=%C0%AF", code="not_unicode",
        field="email"),
    Raw("query of 1001 parameters", method="get", path=f"/leads?{MANY_FIELDS}",
        code="unreadable_request"),
    Raw("Basic credentials not ASCII", method="get", path="/auth/login",
        headers=(("Authorization", "Basic ÿÿ"),), status=401),
    Raw("Basic credentials of a NUL", method="get", path="/auth/login",
        headers=(("Authorization", "Basic AA=="),), status=401),
    Raw("a key not ASCII", method="get", path="/leads", headers=(("X-API-KEY", "clé"),),
        status=401),
    Raw("a token of a NUL", method="get", path="/leads", headers=(("X-USER-TOKEN", "\x00"),),
        status=401),
]  # fmt: skip


@pytest.mark.parametrize("raw", RAW, ids=repr)
def test_unreadable_requests_are_refused_in_the_error_format(cast: Cast, raw: Raw) -> None:
    headers = dict(raw.headers) or cast.headers(None)
    before = snapshot(cast)
    response = Client(headers=headers).generic(
        raw.method.upper(), "/api/v2" + raw.path, raw.body, content_type=raw.content_type
    )
    assert response.status_code == raw.status, response.content[:300]
    if raw.status >= 400:
        body = assert_error_shape(response, raw.name)
        if raw.code is not None:
            assert body["code"] == raw.code, body
        if raw.field is not None:
            assert body.get("field") == raw.field, body
        assert snapshot(cast) == before
