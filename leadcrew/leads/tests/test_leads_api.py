"""The lead endpoints as a noCRM v2 client uses them, and the lead lifecycle of
docs/access-rules.md."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import TypeAdapter

from leadcrew.access.actor import actor_for_user
from leadcrew.access.policy import leads_for
from leadcrew.leads.models import Step
from leadcrew.leads.schemas import LeadDetailOut, LeadOut
from leadcrew.leads.services import standby_wake_due
from leadcrew.leads.tests.conftest import ApiAccount

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def put(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json")


def create(client: Client, **fields: Any) -> dict[str, Any]:
    response = post(client, "/api/v2/leads", {"title": "Deal", "description": "", **fields})
    assert response.status_code == 201, response.content
    created: dict[str, Any] = response.json()
    return created


# --- Conventions of the reference API -------------------------------------------------------


def test_a_list_is_a_bare_array_with_its_total_in_a_header(acme: ApiAccount) -> None:
    for number in range(5):
        create(acme.key_client, title=f"Deal {number}", user_id=acme.admin.pk)
    response = acme.key_client.get("/api/v2/leads?limit=2&offset=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-TOTAL-COUNT"] == "5"
    body = response.json()
    assert isinstance(body, list)
    assert [lead["title"] for lead in body] == ["Deal 3", "Deal 2"]  # newest id first


def test_every_lead_key_is_present_and_null_where_empty(acme: ApiAccount) -> None:
    lead = create(acme.key_client)
    expected = {
        "id", "title", "description", "pipeline", "step", "step_id", "status", "amount",
        "probability", "currency", "starred", "remind_date", "remind_time", "next_action_at",
        "estimated_closing_date", "closed_at", "created_at", "updated_at", "tags",
        "created_from", "attachment_count", "created_by_id", "user_id", "team_id", "team_name",
        "html_description", "client_folder_id", "client_folder_name", "fields",
        "remind_activity_id", "remind_note",
    }  # fmt: skip
    show_form = {
        "user", "team", "created_by", "permalink", "text_description", "comment_count",
        "reminder_at", "client", "extended_info", "contact_email", "first_contact_email",
        "all_contact_emails",
        "reminder_activity_id", "reminder_activity_name", "reminder_note",
        "reminder_duration", "reminder_activity_log_id",
    }  # fmt: skip
    assert set(lead) == expected | show_form
    listed = acme.key_client.get("/api/v2/leads").json()[0]
    assert set(listed) == expected
    assert lead["user_id"] is None and lead["user"] is None and lead["team"] is None
    assert lead["created_by"] is None  # created with the account's key, by no user
    assert lead["created_at"].endswith("Z") and len(lead["created_at"]) == 24


def test_the_show_form_carries_what_reference_clients_read(acme: ApiAccount) -> None:
    lead = create(
        acme.client_for(acme.admin),
        description="First name: Sara\n---\n<b>call</b> back",
        status="standby",
        remind_date="2031-03-04",
        remind_time="09:15",
    )
    post(acme.key_client, f"/api/v2/leads/{lead['id']}/comments", {"content": "Called."})
    shown = acme.key_client.get(f"/api/v2/leads/{lead['id']}").json()
    assert shown["html_description"] == "First name: Sara<br>---<br>&lt;b&gt;call&lt;/b&gt; back"
    assert shown["text_description"] == shown["description"]
    assert shown["permalink"] == f"http://testserver/leads/{lead['id']}"
    assert shown["comment_count"] == 1
    assert shown["reminder_at"] == "2031-03-04T08:15:00.000Z"  # 09:15 in Paris
    assert shown["created_by"]["email"] == acme.admin.email


def test_parameters_may_come_as_a_form_or_in_the_query_string(acme: ApiAccount) -> None:
    as_form = acme.key_client.post("/api/v2/leads", {"title": "Form", "description": "x"})
    in_query = acme.key_client.post("/api/v2/leads?title=Query&description=y")
    assert as_form.status_code == 201 and as_form.json()["title"] == "Form"
    assert in_query.status_code == 201 and in_query.json()["title"] == "Query"


def test_unknown_keys_and_query_parameters_are_ignored(acme: ApiAccount) -> None:
    lead = create(acme.key_client, colour="blue", nested={"a": 1})
    assert lead["title"] == "Deal"
    response = acme.key_client.get("/api/v2/leads?flavour=vanilla&include_unassigned=true")
    assert response.status_code == 200 and len(response.json()) == 1


def test_step_by_id_or_name_and_user_by_id_or_email(acme: ApiAccount) -> None:
    seller = acme.add_user("seller@acme.test", first_name="Sue")
    qualified = Step.objects.get(account=acme.account, name="Qualified")
    by_name = create(acme.key_client, step="qualified", user_id="SELLER@acme.test")
    by_id = create(acme.key_client, step=qualified.pk, user_id=seller.pk)
    for lead in (by_name, by_id):
        assert lead["step"] == "Qualified" and lead["step_id"] == qualified.pk
        assert lead["user_id"] == seller.pk and lead["user"]["email"] == "seller@acme.test"
    listed = acme.key_client.get("/api/v2/leads?step=Qualified&user_id=seller@acme.test")
    assert listed["X-TOTAL-COUNT"] == "2"


def test_delete_answers_json_and_the_lead_is_gone(acme: ApiAccount) -> None:
    lead = create(acme.key_client)
    response = acme.key_client.delete(f"/api/v2/leads/{lead['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": lead["id"]}
    assert acme.key_client.get(f"/api/v2/leads/{lead['id']}").status_code == 404


def test_delete_multiple_deletes_all_or_nothing(acme: ApiAccount, rival: ApiAccount) -> None:
    first, second = create(acme.key_client), create(acme.key_client)
    foreign = create(rival.key_client)
    refused = acme.key_client.delete(
        "/api/v2/leads/delete_multiple",
        json.dumps({"ids": [first["id"], foreign["id"]]}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert acme.key_client.get(f"/api/v2/leads/{first['id']}").status_code == 200
    done = acme.key_client.delete(
        "/api/v2/leads/delete_multiple",
        json.dumps({"ids": [first["id"], second["id"]]}),
        content_type="application/json",
    )
    assert done.status_code == 200 and sorted(done.json()["ids"]) == [first["id"], second["id"]]


def _delete_many(client: Client, ids: list[int]) -> Any:
    body = json.dumps({"ids": ids})
    return client.delete("/api/v2/leads/delete_multiple", body, content_type="application/json")


def test_delete_multiple_costs_the_same_statements_for_five_leads_or_fifty(
    acme: ApiAccount,
) -> None:
    statements = []
    for size in (5, 50):
        ids = [create(acme.key_client)["id"] for _ in range(size)]
        with CaptureQueriesContext(connection) as queries:
            assert _delete_many(acme.key_client, ids).status_code == 200
        statements.append(len(queries))
    assert statements[0] == statements[1]
    assert acme.key_client.get("/api/v2/leads/bin").json()[0]["id"] == ids[-1]


def test_delete_multiple_is_bounded_like_a_bulk_action(acme: ApiAccount) -> None:
    refused = _delete_many(acme.key_client, list(range(1, 10_002)))
    assert refused.status_code == 422
    assert refused.json()["code"] == "too_many_ids"


def test_delete_multiple_refuses_a_lead_the_user_may_see_but_not_edit(acme: ApiAccount) -> None:
    owner = acme.add_user("owner@acme.test")
    reader = acme.add_user("reader@acme.test")
    acme.account.privacy = "everything_shared"
    acme.account.save()
    theirs = create(acme.key_client, user_id=owner.pk)["id"]
    mine = create(acme.client_for(reader), user_id=reader.pk)["id"]
    refused = _delete_many(acme.client_for(reader), [mine, theirs])
    assert refused.status_code == 403
    assert acme.key_client.get(f"/api/v2/leads/{mine}").status_code == 200


def test_a_new_account_has_a_pipeline_and_a_lead_lands_on_its_first_step(
    acme: ApiAccount,
) -> None:
    lead = create(acme.key_client)
    assert lead["pipeline"] == "Sales" and lead["step"] == "Incoming"


def test_a_user_owns_what_they_create_and_a_key_leaves_it_unassigned(acme: ApiAccount) -> None:
    seller = acme.add_user("seller@acme.test")
    assert create(acme.client_for(seller))["user_id"] == seller.pk
    assert create(acme.key_client)["user_id"] is None


def test_another_accounts_lead_is_not_found_everywhere(acme: ApiAccount, rival: ApiAccount) -> None:
    lead_id = create(rival.key_client)["id"]
    client = acme.key_client
    answers = [
        client.get(f"/api/v2/leads/{lead_id}"),
        put(client, f"/api/v2/leads/{lead_id}", {"title": "Mine"}),
        client.delete(f"/api/v2/leads/{lead_id}"),
        post(client, f"/api/v2/leads/{lead_id}/assign", {"user_id": acme.admin.pk}),
        client.post(f"/api/v2/leads/{lead_id}/duplicate_lead"),
        client.get(f"/api/v2/leads/{lead_id}/action_histories"),
        client.get(f"/api/v2/leads/{lead_id}/comments"),
        post(client, f"/api/v2/leads/{lead_id}/comments", {"content": "hello"}),
    ]
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert all(answer.json()["type"] == "record_not_found" for answer in answers)
    assert client.get("/api/v2/leads?include_unassigned=true")["X-TOTAL-COUNT"] == "0"


def test_a_user_of_another_account_cannot_be_given_a_lead(
    acme: ApiAccount, rival: ApiAccount
) -> None:
    response = post(
        acme.key_client,
        "/api/v2/leads",
        {"title": "x", "description": "", "user_id": rival.admin.pk},
    )
    assert response.status_code == 422
    assert (
        response.json()["type"] == "invalid_parameter" and "user_id" in response.json()["message"]
    )


# --- Bad input ------------------------------------------------------------------------------


INVALID = "invalid_parameter"
MISSING = "missing_parameter"
FORMAT = "bad_parameter_format"


@pytest.mark.parametrize(
    ("fields", "status", "kind", "field"),
    [
        ({"title": None}, 422, MISSING, "title"),
        ({"description": None}, 422, MISSING, "description"),
        ({"amount": -1}, 422, INVALID, "amount"),
        ({"amount": "lots"}, 400, FORMAT, "amount"),
        ({"amount": 10**20}, 422, INVALID, "amount"),
        ({"probability": 101}, 422, INVALID, "probability"),
        ({"remind_date": "31/12/2026"}, 400, FORMAT, "remind_date"),
        ({"remind_date": "0001-01-01"}, 422, INVALID, "remind_date"),
        ({"step": "Nowhere"}, 422, INVALID, "step"),
        ({"user_id": 987654}, 422, INVALID, "user_id"),
        ({"team_id": 2**70}, 422, INVALID, "team_id"),
        ({"title": "t\x00"}, 422, INVALID, "title"),
        ({"status": "standby"}, 422, MISSING, "remind_date"),
        ({"remind_date": "2030-01-01", "remind_time": "09:10"}, 422, INVALID, "remind_time"),
    ],
)
def test_bad_input_is_answered_in_the_error_format_naming_the_field(
    acme: ApiAccount, fields: dict[str, Any], status: int, kind: str, field: str
) -> None:
    body = {"title": "t", "description": "", **fields}
    response = post(
        acme.key_client, "/api/v2/leads", {k: v for k, v in body.items() if v is not None}
    )
    assert response.status_code == status, response.content
    error = response.json()
    assert error["error"] == status and error["type"] == kind
    assert field in error["message"]
    assert acme.key_client.get("/api/v2/leads?include_unassigned=true")["X-TOTAL-COUNT"] == "0"


def test_malformed_json_and_bad_query_values_are_400(acme: ApiAccount) -> None:
    malformed = acme.key_client.post("/api/v2/leads", "{oops", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["type"] == "bad_parameter_format"
    for query in ("direction=sideways", "order=colour", "status=todo,nope"):
        response = acme.key_client.get(f"/api/v2/leads?{query}")
        assert response.status_code in (400, 422), query
        assert response.json()["error"] == response.status_code
    not_an_id = acme.key_client.get("/api/v2/leads/abc")
    assert not_an_id.status_code == 400 and not_an_id.json()["type"] == "bad_parameter_format"


def test_credentials(acme: ApiAccount) -> None:
    missing = Client().get("/api/v2/leads")
    invalid = Client(HTTP_X_API_KEY="nope").get("/api/v2/leads")
    via_query = Client().get("/api/v2/leads?api_key=nope")
    assert missing.json()["type"] == "unauthorized_missing_token"
    assert invalid.json()["type"] == "unauthorized_invalid_token"
    assert via_query.status_code == 401
    disabled = acme.add_user("gone@acme.test")
    client = acme.client_for(disabled)
    disabled.is_disabled = True
    disabled.save()
    refused = client.get("/api/v2/leads")
    assert refused.status_code == 401 and refused.json()["type"] == "unauthorized_disabled_token"


# --- Lifecycle (docs/access-rules.md) -------------------------------------------------------------


def test_closing_sets_closed_at_and_reopening_clears_it(acme: ApiAccount) -> None:
    lead = create(acme.key_client, user_id=acme.admin.pk)
    won = put(acme.key_client, f"/api/v2/leads/{lead['id']}", {"status": "won"}).json()
    assert won["closed_at"] is not None
    reopened = put(acme.key_client, f"/api/v2/leads/{lead['id']}", {"status": "todo"}).json()
    assert reopened["closed_at"] is None


def test_closed_at_is_never_before_created_at(acme: ApiAccount) -> None:
    response = post(
        acme.key_client,
        "/api/v2/leads",
        {
            "title": "Import",
            "description": "",
            "status": "won",
            "created_at": "2025-03-01T10:00:00Z",
            "closed_at": "2025-02-01T10:00:00Z",
        },
    )
    assert response.status_code == 422 and "closed_at" in response.json()["message"]
    imported = create(
        acme.key_client,
        status="lost",
        created_at="2025-03-01T10:00:00Z",
        closed_at="2025-04-02T08:30:00.250Z",
    )
    assert imported["closed_at"] == "2025-04-02T08:30:00.250Z"


def test_standby_needs_a_reminder_and_wakes_up_when_it_passes(acme: ApiAccount) -> None:
    lead = create(acme.key_client, user_id=acme.admin.pk)
    path = f"/api/v2/leads/{lead['id']}"
    assert put(acme.key_client, path, {"status": "standby"}).status_code == 422
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    standby = put(
        acme.key_client,
        path,
        {"status": "standby", "remind_date": tomorrow.isoformat(), "remind_time": "09:15"},
    ).json()
    assert standby["status"] == "standby"
    # 09:15 in Paris is 08:15 or 07:15 UTC depending on the season.
    assert standby["next_action_at"].startswith(tomorrow.isoformat())

    assert standby_wake_due(now=timezone.now()) == 0
    assert standby_wake_due(now=timezone.now() + timedelta(days=2)) == 1
    woken = acme.key_client.get(path).json()
    assert woken["status"] == "todo"
    history = acme.key_client.get(f"{path}/action_histories").json()
    assert history[0]["action"] == "status" and history[0]["new_value"] == "todo"


def test_the_reminder_instant_follows_the_account_time_zone(acme: ApiAccount) -> None:
    lead = create(acme.key_client, status="standby", remind_date="2026-07-01", remind_time="09:00")
    assert lead["next_action_at"] == "2026-07-01T07:00:00.000Z"  # Paris is UTC+2 in summer
    assert datetime.fromisoformat(lead["next_action_at"]).astimezone(UTC).date() == date(2026, 7, 1)


def test_an_unassigned_lead_cannot_change_step_until_it_has_an_owner(acme: ApiAccount) -> None:
    lead = create(acme.key_client)
    path = f"/api/v2/leads/{lead['id']}"
    refused = put(acme.key_client, path, {"step": "Qualified"})
    assert refused.status_code == 403 and refused.json()["type"] == "forbidden_action"
    moved = put(acme.key_client, path, {"step": "Qualified", "user_id": acme.admin.pk})
    assert moved.status_code == 200 and moved.json()["step"] == "Qualified"


def test_history_records_owner_status_step_and_amount_changes(acme: ApiAccount) -> None:
    seller = acme.add_user("seller@acme.test", first_name="Sue", last_name="Vance")
    lead = create(acme.key_client, amount=100)
    path = f"/api/v2/leads/{lead['id']}"
    post(acme.key_client, f"{path}/assign", {"user_id": seller.pk})
    put(acme.key_client, path, {"status": "lost", "step": "Proposal", "amount": 250})
    history = acme.key_client.get(f"{path}/action_histories").json()
    changes = {row["action"]: (row["old_value"], row["new_value"]) for row in history}
    assert changes["owner"] == (None, "Sue Vance")
    assert changes["status"] == ("todo", "lost")
    assert changes["step"] == ("Incoming", "Proposal")
    assert changes["amount"] == ("100.00", "250")
    assert history[-1]["action"] == "created"


def test_tags_are_free_strings_and_all_must_match_in_a_filter(acme: ApiAccount) -> None:
    create(acme.key_client, title="Both", tags=["vip", "q4"], user_id=acme.admin.pk)
    create(acme.key_client, title="One", tags="vip", user_id=acme.admin.pk)
    listed = acme.key_client.get("/api/v2/leads?tags=vip,q4").json()
    assert [lead["title"] for lead in listed] == ["Both"]
    assert listed[0]["tags"] == ["q4", "vip"]


def test_tags_come_back_exactly_as_written(acme: ApiAccount) -> None:
    tags = ['say "hi"', "back\\slash", "été", "a, b", "[1]"]
    lead = create(acme.key_client, title="Odd tags", tags=tags, user_id=acme.admin.pk)
    assert sorted(lead["tags"]) == sorted(tags)
    listed = acme.key_client.get("/api/v2/leads").json()
    assert [row["tags"] for row in listed if row["id"] == lead["id"]] == [lead["tags"]]


def test_duplicate_and_comments(acme: ApiAccount) -> None:
    lead = create(acme.key_client, title="Original", amount=42, tags=["x"])
    copy = acme.key_client.post(f"/api/v2/leads/{lead['id']}/duplicate_lead")
    assert copy.status_code == 201
    assert copy.json()["title"] == "Original" and copy.json()["id"] != lead["id"]
    assert copy.json()["amount"] == 42.0 and copy.json()["tags"] == ["x"]
    comment = post(acme.key_client, f"/api/v2/leads/{lead['id']}/comments", {"content": "Called"})
    assert comment.status_code == 201 and comment.json()["content"] == "Called"
    listed = acme.key_client.get(f"/api/v2/leads/{lead['id']}/comments")
    assert listed["X-TOTAL-COUNT"] == "1"
    assert post(acme.key_client, f"/api/v2/leads/{lead['id']}/comments", {}).status_code == 422


def test_orderings(acme: ApiAccount) -> None:
    create(acme.key_client, title="Beta", amount=10, probability=90, user_id=acme.admin.pk)
    create(acme.key_client, title="alpha", amount=100, probability=5, user_id=acme.admin.pk)
    create(acme.key_client, title="Gamma", amount=50, probability=50, user_id=acme.admin.pk)

    def titles(query: str) -> list[str]:
        return [lead["title"] for lead in acme.key_client.get(f"/api/v2/leads?{query}").json()]

    assert titles("order=amount&direction=asc") == ["Beta", "Gamma", "alpha"]
    assert titles("order=probalized_amount") == ["Gamma", "Beta", "alpha"]
    assert titles("order=probability&direction=desc") == ["Beta", "Gamma", "alpha"]
    assert titles("direction=asc") == ["Beta", "alpha", "Gamma"]


# --- Cost -----------------------------------------------------------------------------------


def test_the_list_runs_the_same_number_of_queries_whatever_the_page_size(
    acme: ApiAccount,
) -> None:
    seller = acme.add_user("seller@acme.test")
    for number in range(30):
        create(acme.key_client, title=f"Deal {number}", user_id=seller.pk, tags=["a", f"t{number}"])
    client = acme.client_for(seller)
    counts = []
    for limit in (1, 10, 30):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v2/leads?limit={limit}")
        assert len(response.json()) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_the_visibility_filter_is_id_lists_not_joins(acme: ApiAccount) -> None:
    acme.account.privacy = "admins_only"
    acme.account.teams_enabled = True
    acme.account.save()
    seller = acme.add_user("seller@acme.test")
    create(acme.key_client, user_id=seller.pk)
    with CaptureQueriesContext(connection) as queries:
        acme.client_for(seller).get("/api/v2/leads")
    lead_queries = [q["sql"] for q in queries if 'FROM "leads_lead"' in q["sql"]]
    assert lead_queries
    for sql in lead_queries:
        assert "teams_membership" not in sql  # the team ids come as a literal list
    rule = str(leads_for(actor_for_user(seller)).query)
    where = rule.split(" WHERE ", 1)[1]
    assert "JOIN" not in where and "SELECT" not in where  # no join or subquery in the rule


# --- Optimistic concurrency ------------------------------------------------------------------


def test_a_lead_carries_an_etag_that_changes_with_every_write(acme: ApiAccount) -> None:
    lead = create(acme.key_client, user_id=acme.admin.pk)
    first = acme.key_client.get(f"/api/v2/leads/{lead['id']}")["ETag"]
    written = put(acme.key_client, f"/api/v2/leads/{lead['id']}", {"amount": 10})
    assert written.status_code == 200
    assert written["ETag"] != first
    assert acme.key_client.get(f"/api/v2/leads/{lead['id']}")["ETag"] == written["ETag"]


def test_a_write_with_a_stale_if_match_answers_412_and_changes_nothing(acme: ApiAccount) -> None:
    lead = create(acme.key_client, user_id=acme.admin.pk, amount=100)
    path = f"/api/v2/leads/{lead['id']}"
    read = acme.key_client.get(path)["ETag"]
    assert put(acme.key_client, path, {"amount": 200}).status_code == 200  # someone else

    stale = acme.key_client.put(
        path, json.dumps({"amount": 300}), content_type="application/json", HTTP_IF_MATCH=read
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "precondition_failed"
    assert stale.json()["code"] == "lead_changed"
    assert acme.key_client.delete(path, HTTP_IF_MATCH=read).status_code == 412
    current = acme.key_client.get(path)
    assert current.json()["amount"] == 200
    assert current.json()["status"] == "todo"

    fresh = acme.key_client.put(
        path,
        json.dumps({"amount": 300}),
        content_type="application/json",
        HTTP_IF_MATCH=f'W/"nope", {current["ETag"]}',
    )
    assert fresh.status_code == 200
    assert fresh.json()["amount"] == 300
    assert acme.key_client.delete(path, HTTP_IF_MATCH="*").status_code == 200


def test_if_unmodified_since_guards_a_write_to_the_second(acme: ApiAccount) -> None:
    lead = create(acme.key_client, user_id=acme.admin.pk)
    path = f"/api/v2/leads/{lead['id']}"
    before = "Sat, 01 Jan 2000 00:00:00 GMT"
    late = "Fri, 01 Jan 2999 00:00:00 GMT"
    body = json.dumps({"amount": 5})
    refused = acme.key_client.put(
        path, body, content_type="application/json", HTTP_IF_UNMODIFIED_SINCE=before
    )
    assert refused.status_code == 412
    allowed = acme.key_client.put(
        path, body, content_type="application/json", HTTP_IF_UNMODIFIED_SINCE=late
    )
    assert allowed.status_code == 200
    ignored = acme.key_client.put(
        path, body, content_type="application/json", HTTP_IF_UNMODIFIED_SINCE="not a date"
    )
    assert ignored.status_code == 200


def test_updated_at_never_goes_back(acme: ApiAccount) -> None:
    """A lead whose updated_at is ahead of the clock (another server's clock, a corrected
    import) still moves forward on the next write: a sync by updated_after never misses it."""
    lead = create(acme.key_client, user_id=acme.admin.pk)
    ahead = timezone.now() + timedelta(hours=1)
    leads_for(actor_for_user(acme.admin, acme.account)).filter(pk=lead["id"]).update(
        updated_at=ahead
    )
    assert put(acme.key_client, f"/api/v2/leads/{lead['id']}", {"amount": 1}).status_code == 200
    stored = leads_for(actor_for_user(acme.admin, acme.account)).get(pk=lead["id"])
    assert stored.updated_at > ahead


def test_a_currency_is_stored_in_capitals_whatever_the_client_sends(acme: ApiAccount) -> None:
    """The API and the web form store a currency the same way (the service normalises it)."""
    lead = create(acme.key_client, currency="gbp")
    assert lead["currency"] == "GBP"
    assert (
        put(acme.key_client, f"/api/v2/leads/{lead['id']}", {"currency": "usd"}).json()["currency"]
        == "USD"
    )


def test_a_paging_sync_with_an_api_key_reads_every_live_lead_once(acme: ApiAccount) -> None:
    """Sync clients page GET /leads with limit and offset until a short page: with the
    account's key they get the unassigned leads too, and nothing twice."""
    owned = [create(acme.key_client, user_id=acme.admin.pk)["id"] for _ in range(7)]
    pool = [create(acme.key_client)["id"] for _ in range(4)]
    binned = create(acme.key_client)["id"]
    assert acme.key_client.delete(f"/api/v2/leads/{binned}").status_code == 200
    seen: list[int] = []
    offset = 0
    while True:
        page = acme.key_client.get(f"/api/v2/leads?limit=3&offset={offset}")
        assert page["X-TOTAL-COUNT"] == "11"
        seen += [lead["id"] for lead in page.json()]
        if len(page.json()) < 3:
            break
        offset += 3
    assert sorted(seen) == sorted(owned + pool)
    mine_only = acme.key_client.get("/api/v2/leads?include_unassigned=false").json()
    assert sorted(lead["id"] for lead in mine_only) == sorted(owned)
    as_admin = acme.client_for(acme.admin).get("/api/v2/leads").json()
    assert sorted(lead["id"] for lead in as_admin) == sorted(owned)  # a user's default list


def test_a_status_leadcrew_does_not_know_is_ignored_at_creation_and_said(
    acme: ApiAccount,
) -> None:
    response = post(
        acme.key_client, "/api/v2/leads", {"title": "x", "description": "", "status": "new"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "todo"
    assert response["X-Leadcrew-Ignored"] == "status"
    won = post(acme.key_client, "/api/v2/leads", {"title": "y", "description": "", "status": "won"})
    assert won.json()["status"] == "won" and "X-Leadcrew-Ignored" not in won
    lead_id = won.json()["id"]
    assert put(acme.key_client, f"/api/v2/leads/{lead_id}", {"status": "new"}).status_code == 422


def test_lists_and_a_lead_are_sent_as_their_schemas_would_write_them(acme: ApiAccount) -> None:
    # These answers skip the schema's pass (the lists are written by the database, a lead by
    # built_answer): what they send must be exactly what validating them against their
    # declared model and writing that would send.
    create(
        acme.key_client,
        title="Tagged <b>",
        description="Line one\r\nline & two",
        amount=1234.5,
        probability=40,
        tags=["b", "a"],
        user_id=acme.admin.pk,
        remind_date="2026-12-24",
        remind_time="09:30",
        estimated_closing_date="2027-01-15",
    )
    create(acme.key_client, title="In the pool", amount=0)
    lead_list = TypeAdapter(list[LeadOut])
    for path in ("/api/v2/leads?include_unassigned=true", "/api/v2/leads/unassigned"):
        body = acme.key_client.get(path).json()
        assert body
        assert lead_list.dump_python(lead_list.validate_python(body), mode="json") == body
    for lead in acme.key_client.get("/api/v2/leads?include_unassigned=true").json():
        response = acme.key_client.get(f"/api/v2/leads/{lead['id']}")
        assert response["ETag"]
        body = response.json()
        assert LeadDetailOut.model_validate(body).model_dump(mode="json") == body
