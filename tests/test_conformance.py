"""Conformance with the reference API (shared spec nocrm-v2-reference.md), table-driven: for
every endpoint and parameter of the reference that leadcrew serves, the request its clients
send, checked for its status, its headers, the JSON shape of its answer (a JSON Schema per
object, written from the reference's object tables), paging and ordering. And a snapshot of
the OpenAPI document, so that any change to the public contract shows in review."""

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client

from leadcrew.accounts.models import Account
from leadcrew.testing.api_world import BASE, PASSWORD, World, as_user

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).parent / "openapi.json"
REGENERATE = "make openapi-snapshot"

# --- The reference's objects, as JSON Schemas --------------------------------------------------

INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
NUM = {"type": "number"}
TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d$"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object with these keys, all present unless `required` names fewer; other keys are
    allowed (leadcrew's extensions)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


STATUS = {"enum": ["todo", "standby", "won", "lost", "cancelled"]}
USER_SHORT = obj({"id": INT, "firstname": STR, "lastname": STR, "email": STR})
# The list form: what a strict decoder requires present and non-null, and the rest of the
# reference's table present (null allowed where the reference says so).
LEAD = obj(
    {
        "id": INT, "title": STR, "pipeline": STR, "step": STR, "step_id": INT,
        "status": STATUS, "starred": BOOL, "remind_date": nullable(DATE),
        "created_at": TIME, "updated_at": TIME, "description": STR, "html_description": STR,
        "tags": {"type": "array", "items": STR}, "attachment_count": INT,
        "created_by_id": nullable(INT), "user_id": nullable(INT),
        "amount": nullable(NUM), "probability": nullable(NUM), "currency": nullable(STR),
        "remind_time": nullable(STR), "next_action_at": nullable(TIME),
        "estimated_closing_date": nullable(DATE), "closed_at": nullable(TIME),
        "created_from": nullable(STR), "client_folder_id": nullable(INT),
        "client_folder_name": nullable(STR), "team_id": nullable(INT),
        "team_name": nullable(STR),
    }
)  # fmt: skip
LEAD_SHOW = {
    "allOf": [
        LEAD,
        obj(
            {
                "permalink": STR, "text_description": STR, "comment_count": INT,
                "reminder_at": nullable(TIME), "reminder_activity_id": nullable(INT),
                "reminder_activity_name": nullable(STR), "reminder_note": nullable(STR),
                "reminder_duration": nullable(INT), "reminder_activity_log_id": nullable(INT),
                "user": nullable(obj({**USER_SHORT["properties"],
                                      "phone": nullable(STR), "mobile_phone": nullable(STR)})),
                "team": nullable(obj({"id": INT, "name": STR})),
                "client": nullable(obj({"id": INT, "name": STR, "description": nullable(STR),
                                        "is_active": BOOL})),
                "extended_info": obj({"fields": {"type": "object"},
                                      "fields_by_name": {"type": "object"},
                                      "created_by": nullable(USER_SHORT),
                                      "created_by_id": nullable(INT)}),
                "all_contact_emails": {"type": "array", "items": STR},
                "contact_email": nullable(STR), "first_contact_email": nullable(STR),
            }
        ),
    ]
}  # fmt: skip
USER = obj(
    {
        "id": INT, "firstname": STR, "lastname": STR, "email": STR, "phone": nullable(STR),
        "mobile_phone": nullable(STR), "job_title": nullable(STR), "is_admin": BOOL,
        "has_activated": BOOL, "is_disabled": BOOL, "locale": STR, "time_zone": STR,
        "avatar_url": nullable(STR), "created_at": TIME, "updated_at": TIME,
        "teams": {"type": "array"},
    }
)  # fmt: skip
TEAM = obj(
    {
        "id": INT, "name": STR, "created_at": TIME, "updated_at": TIME,
        "users": {"type": "array", "items": obj({**USER_SHORT["properties"], "is_manager": BOOL})},
    }
)  # fmt: skip
PIPELINE = obj({"id": INT, "name": STR, "is_default": BOOL, "created_at": TIME, "updated_at": TIME})
STEP = obj(
    {"id": INT, "name": STR, "position": INT, "pipeline_id": INT, "pipeline": PIPELINE,
     "created_at": TIME, "updated_at": TIME}
)  # fmt: skip
COMMENT = obj(
    {"id": INT, "content": nullable(STR), "raw_content": nullable(STR), "created_at": TIME,
     "activity_id": nullable(INT), "is_pinned": BOOL, "commented_item": {"type": "object"},
     "attachments": {"type": "array"}, "reactions": {"type": "array"},
     "user": nullable(USER_SHORT)}
)  # fmt: skip
ACTIVITY = obj(
    {"id": INT, "name": STR, "kind": STR, "icon": nullable(STR), "color": nullable(STR),
     "is_disabled": BOOL, "parent_id": nullable(INT), "position": INT}
)  # fmt: skip
CLIENT = obj(
    {"id": INT, "name": STR, "description": nullable(STR), "is_active": BOOL,
     "created_at": TIME, "user_id": nullable(INT)}
)  # fmt: skip
FIELD = obj(
    {"id": INT, "name": STR, "type": STR, "parent_type": {"enum": ["lead", "client"]},
     "is_key": BOOL, "position": INT, "created_at": TIME, "updated_at": TIME}
)  # fmt: skip
WEBHOOK = obj(
    {"id": INT, "event": STR, "target_type": {"enum": ["url", "email"]}, "target": STR,
     "name": nullable(STR), "params": nullable({"type": "object"}), "is_disabled": BOOL}
)  # fmt: skip
CATEGORY = obj(
    {"id": INT, "name": STR, "is_required": BOOL, "supertags": {"type": "array"},
     "created_at": TIME, "updated_at": TIME}
)  # fmt: skip
PREDEFINED_TAG = obj(
    {"id": INT, "name": STR, "category": nullable(STR), "category_id": nullable(INT),
     "position": nullable(INT), "created_at": TIME}
)  # fmt: skip
PING = obj({"status": {"const": 200}, "message": {"const": "Your API key is correct."}})
TOKEN = obj({"token": STR})
DELETED = obj({"id": INT})
ERROR = obj({"error": INT, "message": STR, "type": STR})


def array_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


# --- The account every request reads ----------------------------------------------------------


@dataclass
class Ref:
    """What the requests name: ids and e-mails of the account made for them."""

    lead: int
    unassigned: int
    ann: int
    ann_email: str
    team: int
    team_name: str
    pipeline: int
    step: int
    key: str
    token: str
    client: int = 0
    comment: int = 0
    webhook: int = 0
    category: int = 0
    login: str = ""


@pytest.fixture
def ref(acme: World) -> Ref:
    Account.objects.filter(pk=acme.account.pk).update(time_zone="Europe/Paris")
    acme.account.refresh_from_db()
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee", phone="01")
    team = acme.team("Sales", members=(ann,), managers=(acme.admin,))
    for number in range(5):
        acme.lead(f"Lead {number}", owner=ann, team=team, amount=number * 10)
    lead = acme.lead("Acme deal", owner=ann, team=team, description="First name: Jo\n---\nHi")
    unassigned = acme.lead("In the pool")
    step = acme.first_step()
    key = acme.key
    # Made through the API, as a client would have made them.
    folder = key.post("/clients", {"name": "Folder"}).json()
    comment = key.post(f"/leads/{lead.pk}/comments", {"content": "First call"}).json()
    hook = key.post(
        "/webhooks", {"event": "lead.assigned", "target_type": "email", "target": "a@acme.test"}
    ).json()
    category = key.post("/category", {"name": "Source"}).json()
    credentials = base64.b64encode(f"{ann.email}:{PASSWORD}".encode()).decode()
    return Ref(
        lead=lead.pk, unassigned=unassigned.pk, ann=ann.pk, ann_email=ann.email,
        team=team.pk, team_name=team.name, pipeline=step.pipeline_id, step=step.pk,
        key=acme.api_key, token=as_user(acme.admin).client.defaults["HTTP_X_USER_TOKEN"],
        client=folder["id"], comment=comment["id"], webhook=hook["id"],
        category=category["id"], login=f"Basic {credentials}",
    )  # fmt: skip


# --- The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # formatted with the Ref's fields: {lead}, {ann}, {ann_email}…
    schema: dict[str, Any]
    status: int = 200
    body: dict[str, Any] | None = None
    as_token: bool = False  # X-USER-TOKEN of the admin instead of X-API-KEY
    as_basic: bool = False  # HTTP Basic with Ann's e-mail and password
    anonymous: bool = False  # no credential at all
    listed: bool = False  # a list: bare array with X-TOTAL-COUNT
    check: Callable[[Any, Ref], None] | None = None

    def __repr__(self) -> str:
        return self.name


def _ids(body: Any) -> list[int]:
    return [row["id"] for row in body]


def _ordered(key: str, descending: bool) -> Callable[[Any, Ref], None]:
    def check(body: Any, ref: Ref) -> None:
        values = [row[key] for row in body]
        assert values == sorted(values, reverse=descending), values
        assert len(values) >= 2

    return check


def _unassigned_listed(body: Any, ref: Ref) -> None:
    assert ref.unassigned in _ids(body)


def _only(ids_of: Callable[[Ref], list[int]]) -> Callable[[Any, Ref], None]:
    def check(body: Any, ref: Ref) -> None:
        assert _ids(body) == ids_of(ref)

    return check


def _zone(body: Any, ref: Ref) -> None:
    # 2014-02-28 17:37:33 in Paris (UTC+1)
    assert body["created_at"] == "2014-02-28T16:37:33.000Z"


CASES = [
    # 1.2 credentials
    Case("ping with a key", "get", "/ping", PING),
    Case("ping with a user token", "get", "/ping", PING, as_token=True),
    Case("log_as", "get", "/auth/log_as?user_id={ann}", TOKEN),
    Case("log_as by e-mail", "get", "/auth/log_as?user_id={ann_email}", TOKEN),
    Case("login with Basic", "get", "/auth/login", TOKEN, as_basic=True),
    Case("logout", "get", "/auth/logout", obj({"status": INT}), as_token=True),
    Case("no credential", "get", "/ping", ERROR, status=401, anonymous=True),
    # 2.1 leads: lists, filters, paging, ordering
    Case("GET /leads", "get", "/leads", array_of(LEAD), listed=True, check=_unassigned_listed),
    Case("GET /leads first page", "get", "/leads?limit=2&offset=0", array_of(LEAD), listed=True,
         check=lambda body, ref: len(body) == 2 or pytest.fail("limit")),
    Case("GET /leads desc by id", "get", "/leads?order=id&direction=desc", array_of(LEAD),
         listed=True, check=_ordered("id", True)),
    Case("GET /leads ASC by id", "get", "/leads?order=id&direction=ASC", array_of(LEAD),
         listed=True, check=_ordered("id", False)),
    Case("GET /leads by amount", "get", "/leads?order=amount&direction=asc&user_id={ann}",
         array_of(LEAD), listed=True, check=_ordered("amount", False)),
    *(Case(f"GET /leads order={order}", "get", f"/leads?order={order}", array_of(LEAD),
           listed=True)
      for order in ("creation_date", "last_update", "next_action", "sale_step", "probability",
                    "probalized_amount", "alphabetically")),
    Case("GET /leads status", "get", "/leads?status=todo,standby", array_of(LEAD), listed=True),
    Case("GET /leads step by id", "get", "/leads?step={step}", array_of(LEAD), listed=True),
    Case("GET /leads starred", "get", "/leads?starred=true", array_of(LEAD), listed=True,
         check=lambda body, ref: body == [] or pytest.fail("starred")),
    Case("GET /leads user_id e-mail", "get", "/leads?user_id={ann_email}", array_of(LEAD),
         listed=True),
    Case("GET /leads tags", "get", "/leads?tags=x,y", array_of(LEAD), listed=True),
    Case("GET /leads email", "get", "/leads?email=jo@acme.test", array_of(LEAD), listed=True),
    Case("GET /leads updated_after", "get",
         "/leads?updated_after=2020-01-01T00:00:00Z&order=last_update&direction=asc",
         array_of(LEAD), listed=True, check=_ordered("updated_at", False)),
    Case("GET /leads unknown params", "get", "/leads?q=&step_id=1&min_amount=3&date_from=x",
         array_of(LEAD), listed=True),
    Case("GET /leads bad direction", "get", "/leads?direction=up", ERROR, status=400),
    Case("GET /leads/unassigned", "get", "/leads/unassigned?limit=100", array_of(LEAD),
         listed=True, check=_only(lambda ref: [ref.unassigned])),
    Case("GET /leads/{id}", "get", "/leads/{lead}", LEAD_SHOW),
    Case("GET /leads/{id} unknown", "get", "/leads/999999", ERROR, status=404),
    Case("POST /leads", "post", "/leads", LEAD_SHOW, status=201,
         body={"title": "Acme", "description": "d", "tags": ["a"], "user_id": "{ann_email}",
               "status": "new", "created_at": "2014-02-28 17:37:33"}, check=_zone),
    Case("POST /leads no title", "post", "/leads", ERROR, status=422, body={"description": ""}),
    Case("PUT /leads/{id}", "put", "/leads/{lead}", LEAD_SHOW,
         body={"amount": 12, "probability": 50, "starred": True, "status": "standby",
               "remind_date": "2030-01-02", "step": "{step}", "append_desc": "more"}),
    Case("DELETE /leads/{id}", "delete", "/leads/{lead}", DELETED),
    Case("DELETE /leads/delete_multiple", "delete", "/leads/delete_multiple", obj({"ids": {}}),
         body={"ids": ["{lead}"]}),
    Case("POST assign", "post", "/leads/{unassigned}/assign", LEAD_SHOW,
         body={"user_id": "{ann_email}"}),
    Case("POST duplicate_lead", "post", "/leads/{lead}/duplicate_lead", LEAD_SHOW, status=201),
    Case("GET duplicates", "get", "/leads/{lead}/duplicates", array_of(LEAD)),
    Case("GET action_histories", "get", "/leads/{lead}/action_histories",
         array_of(obj({"id": INT, "action_type": STR, "created_at": TIME})), listed=True),
    # 2.2 comments, activities, tags
    Case("POST comment", "post", "/leads/{lead}/comments", COMMENT, status=201,
         body={"content": "Called"}),
    Case("GET comments", "get", "/leads/{lead}/comments?direction=asc", array_of(COMMENT)),
    Case("PUT comment", "put", "/leads/{lead}/comments/{comment}", COMMENT,
         body={"content": "Second call"}),
    Case("DELETE comment", "delete", "/leads/{lead}/comments/{comment}", obj({})),
    Case("POST /category", "post", "/category", CATEGORY, status=201, body={"name": "Region"}),
    Case("POST /predefined_tags", "post", "/predefined_tags", PREDEFINED_TAG, status=201,
         body={"name": "paris", "category_id": "{category}"}),
    Case("GET /activities", "get", "/activities", array_of(ACTIVITY)),
    Case("GET /categories", "get", "/categories?include_tags=true", array_of(CATEGORY)),
    Case("GET /predefined_tags", "get", "/predefined_tags", array_of(PREDEFINED_TAG)),
    # 2.3 users
    Case("GET /users", "get", "/users", array_of(USER), listed=True,
         check=_ordered("id", False)),
    Case("GET /users desc", "get", "/users?direction=desc", array_of(USER), listed=True,
         check=_ordered("id", True)),
    Case("GET /users filters", "get",
         "/users?email={ann_email}&firstname=ann&lastname=LEE&status=activated&role=non-admin",
         array_of(USER), listed=True, check=_only(lambda ref: [ref.ann])),
    Case("GET /users teams by name", "get", "/users?teams={team_name}", array_of(USER),
         listed=True),
    Case("GET /users/{id}", "get", "/users/{ann}", USER),
    Case("GET /users/{email}", "get", "/users/{ann_email_encoded}", USER,
         check=lambda body, ref: body["id"] == ref.ann or pytest.fail("by e-mail")),
    Case("POST /users", "post", "/users", USER, status=201,
         body={"firstname": "Bo", "lastname": "Li", "email": "bo@acme.test", "is_admin": False}),
    Case("PUT disable", "put", "/users/{ann}/disable", USER),
    Case("PUT disable by e-mail", "put", "/users/{ann_email_encoded}/disable", USER),
    # 2.4 teams
    Case("GET /teams", "get", "/teams", array_of(TEAM)),
    Case("GET /teams/{id}", "get", "/teams/{team}", TEAM),
    Case("POST /teams", "post", "/teams", TEAM, status=201, body={"name": "North"}),
    Case("PUT /teams/{id}", "put", "/teams/{team}", TEAM, body={"name": "South"}),
    Case("POST add_member", "post", "/teams/{team}/add_member", TEAM,
         body={"user_id": "{ann_email}", "is_manager": True}),
    Case("DELETE remove_member", "delete", "/teams/{team}/remove_member", TEAM,
         body={"user_id": "{ann}"}),
    Case("DELETE /teams/{id}", "delete", "/teams/{team}", obj({})),
    # 2.5 pipelines and steps
    Case("GET /pipelines", "get", "/pipelines", array_of(PIPELINE)),
    Case("GET /steps", "get", "/steps", array_of(STEP), check=_ordered("position", False)),
    Case("GET /steps desc", "get", "/steps?direction=DESC", array_of(STEP),
         check=_ordered("position", True)),
    Case("GET /steps/{id}", "get", "/steps/{step}", STEP),
    # 2.6 client folders and fields
    Case("GET /clients", "get", "/clients", array_of(CLIENT)),
    Case("POST /clients", "post", "/clients", CLIENT, status=201,
         body={"name": "Big Co", "description": "d"}),
    Case("GET /clients/{id}", "get", "/clients/{client}", CLIENT),
    Case("PUT /clients/{id}", "put", "/clients/{client}", CLIENT, body={"name": "Renamed"}),
    Case("DELETE /clients/{id}", "delete", "/clients/{client}", obj({})),
    Case("POST add_to_client", "post", "/leads/{lead}/add_to_client", LEAD_SHOW,
         body={"client_id": "{client}"},
         check=lambda body, ref: body["client_folder_id"] == ref.client or pytest.fail("client")),
    Case("GET /fields", "get", "/fields", array_of(FIELD)),
    Case("POST /fields", "post", "/fields", FIELD, status=201,
         body={"name": "Budget", "type": "text", "is_duplicate": False}),
    # 2.7 webhooks
    Case("POST /webhooks", "post", "/webhooks", WEBHOOK, status=201,
         body={"event": "lead.creation", "target_type": "email", "target": "ops@acme.test"}),
    Case("GET /webhooks", "get", "/webhooks", array_of(WEBHOOK)),
    # The reference does not say the status of `not_api_key`: leadcrew answers 401.
    Case("GET /webhooks as a user", "get", "/webhooks", ERROR, status=401, as_token=True),
    Case("revoke_api_key as a user", "post", "/auth/revoke_api_key", ERROR, status=401,
         as_token=True),
    Case("GET /webhook_events", "get", "/webhook_events", {"type": "array"}),
    Case("PUT activate", "put", "/webhooks/{webhook}/activate", WEBHOOK),
    Case("DELETE /webhooks/{id}", "delete", "/webhooks/{webhook}", obj({})),
    # 1.2 revoking the key, last: the key answers 401 after it
    Case("POST revoke_api_key", "post", "/auth/revoke_api_key", obj({"status": INT})),
]  # fmt: skip


def _fill(value: Any, ref: Ref) -> Any:
    names = {**vars(ref), "ann_email_encoded": ref.ann_email.replace("@", "%40")}
    if isinstance(value, str):
        filled = value.format(**names)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, list):
        return [_fill(item, ref) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ref) for key, item in value.items()}
    return value


def _send(case: Case, ref: Ref) -> Any:
    header = {"X-USER-TOKEN": ref.token} if case.as_token else {"X-API-KEY": ref.key}
    if case.as_basic:
        header = {"Authorization": ref.login}
    elif case.anonymous:
        header = {}
    client = Client(headers=header)
    path = BASE + _fill(case.path, ref)
    if case.method == "get":
        return client.get(path)
    body = json.dumps(_fill(case.body or {}, ref))
    return getattr(client, case.method)(path, body, content_type="application/json")


def test_every_case_names_a_served_endpoint() -> None:
    """The table only holds what the OpenAPI document serves: a typo would test a 404."""
    document = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    served = {(re.sub(r"\{\w+\}", "{id}", path.removeprefix("/api/v2")), method)
              for path, item in document["paths"].items() for method in item}  # fmt: skip
    for case in CASES:
        template = re.sub(r"\{\w+\}|(?<=/)\d+", "{id}", case.path.split("?")[0])
        assert (template, case.method) in served, case.name


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_conformance(case: Case, ref: Ref) -> None:
    response = _send(case, ref)
    content_type = response["Content-Type"]
    assert response.status_code == case.status, (case.name, response.content[:500])
    assert content_type.startswith("application/json"), content_type
    body = response.json()
    errors = [error.message for error in jsonschema_rs.validator_for(case.schema).iter_errors(body)]
    assert not errors, (case.name, errors[:5], json.dumps(body)[:800])
    if case.status >= 400:
        assert body["error"] == case.status
    if case.listed:
        assert isinstance(body, list)
        assert int(response["X-TOTAL-COUNT"]) >= len(body)
    if case.check is not None:
        case.check(body, ref)


def test_a_paging_sync_reads_every_live_lead_once(ref: Ref) -> None:
    """Sync clients omit limit and offset first, then raise offset by limit until a short page
    or offset >= X-TOTAL-COUNT."""
    client = Client(headers={"X-API-KEY": ref.key})
    first = client.get(f"{BASE}/leads")
    total = int(first["X-TOTAL-COUNT"])
    seen, offset = [], 0
    while offset < total:
        page = client.get(f"{BASE}/leads?limit=3&offset={offset}").json()
        seen += _ids(page)
        if len(page) < 3:
            break
        offset += 3
    assert len(seen) == len(set(seen)) == total == len(first.json())
    assert ref.unassigned in seen


def test_the_openapi_document_matches_its_snapshot() -> None:
    from scripts.openapi_snapshot import current_document

    assert SNAPSHOT.read_text(encoding="utf-8") == current_document(), (
        "The OpenAPI document (the public contract) changed: regenerate tests/openapi.json "
        f"with `{REGENERATE}`, review the difference, and commit it."
    )
