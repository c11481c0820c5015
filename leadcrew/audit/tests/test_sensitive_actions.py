"""The sensitive-actions log: every sensitive action leaves exactly one entry, written by the
service that performs it and rolled back with it, and only the account's admins read it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db.models import Max

from leadcrew.accounts.models import Account, ApiKey, Edition, User, hash_secret
from leadcrew.accounts.services import account_create
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.contacts.models import ClientFolder, Field, LeadFieldValue
from leadcrew.core.api_types import format_datetime
from leadcrew.leads.models import Comment
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.api_world import PASSWORD, Api, World, as_user, error_type

pytestmark = pytest.mark.django_db

ENTRY_KEYS = {"id", "action", "user_id", "actor", "count", "details", "created_at"}


class LogWatch:
    """The entries written, in any account, since the watch started."""

    def __init__(self) -> None:
        self.last_id = SensitiveAction.objects.aggregate(last=Max("id"))["last"] or 0

    def new(self) -> list[SensitiveAction]:
        return list(SensitiveAction.objects.filter(pk__gt=self.last_id).order_by("id"))


@dataclass(frozen=True)
class Logged:
    """What one action must write: its details, and how many records it touched."""

    details: dict[str, Any]
    count: int = 1


def member(team: Team, user: User, *, is_manager: bool) -> dict[str, Any]:
    return {
        "team_id": team.pk,
        "team_name": team.name,
        "user_id": user.pk,
        "email": user.email,
        "is_manager": is_manager,
    }


def stored_key(world: World, name: str) -> ApiKey:
    """A key written directly, so that making it logs nothing."""
    secret = f"lc_{name.lower()}-secret"
    return ApiKey.objects.create(
        account=world.account, name=name, prefix=secret[:8], key_hash=hash_secret(secret)
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


# --- One scenario per action type: the set-up writes directly (logging nothing), then one
# --- request through the API performs the action.


def settings_changed(world: World, api: Api) -> Logged:
    # The name and currency are sent with the values they have: only privacy really changes.
    ok(api.put("/account/settings", {"privacy": "admins_only", "name": "Acme", "currency": "eur"}))
    return Logged({"changes": {"privacy": ["everything_shared", "admins_only"]}})


def team_created(world: World, api: Api) -> Logged:
    team = ok(api.post("/teams", {"name": "Sales"}), 201)
    return Logged({"team_id": team["id"], "team_name": "Sales"})


def team_deleted(world: World, api: Api) -> Logged:
    team = world.team("Sales")
    world.lead("First", team=team)
    world.lead("Second", team=team)
    world.lead("Outside")
    ok(api.delete(f"/teams/{team.pk}"))
    return Logged({"team_id": team.pk, "team_name": "Sales"}, count=2)


def member_added(world: World, api: Api) -> Logged:
    team = world.team("Sales")
    ann = world.user("ann@acme.test")
    ok(api.post(f"/teams/{team.pk}/add_member", {"user_id": "ann@acme.test"}))
    return Logged(member(team, ann, is_manager=False))


def member_removed(world: World, api: Api) -> Logged:
    ann = world.user("ann@acme.test")
    team = world.team("Sales", managers=(ann,))
    ok(api.delete(f"/teams/{team.pk}/remove_member", {"user_id": ann.pk}))
    return Logged(member(team, ann, is_manager=True))


def manager_changed(world: World, api: Api) -> Logged:
    ann = world.user("ann@acme.test")
    team = world.team("Sales", members=(ann,))
    ok(api.post(f"/teams/{team.pk}/add_member", {"user_id": ann.pk, "is_manager": True}))
    return Logged(member(team, ann, is_manager=True))


def admin_changed(world: World, api: Api) -> Logged:
    ann = world.user("ann@acme.test")
    ok(api.put(f"/users/{ann.pk}", {"is_admin": True}))
    return Logged({"user_id": ann.pk, "email": ann.email, "is_admin": True})


def user_disabled(world: World, api: Api) -> Logged:
    ann = world.user("ann@acme.test")
    ok(api.put(f"/users/{ann.pk}/disable"))
    return Logged({"user_id": ann.pk, "email": ann.email})


def user_enabled(world: World, api: Api) -> Logged:
    ann = world.user("ann@acme.test", is_disabled=True)
    ok(api.put(f"/users/{ann.pk}/enable"))
    return Logged({"user_id": ann.pk, "email": ann.email})


def log_as(world: World, api: Api) -> Logged:
    # Who acted is the entry's actor; as whom, its details.
    ann = world.user("ann@acme.test")
    ok(api.get("/auth/log_as", user_id="ANN@acme.test"))
    return Logged({"user_id": ann.pk, "email": ann.email})


def user_deleted(world: World, api: Api) -> Logged:
    # The entry keeps the deleted user's id, never their name or e-mail.
    ann = world.user("ann@acme.test", first_name="Ann")
    world.lead("Hers", owner=ann)
    world.lead("Also hers", owner=ann)
    world.lead("The pool's")
    ok(api.delete(f"/users/{ann.pk}"))
    return Logged({"user_id": ann.pk, "leads": 2, "reassigned_to": None}, count=2)


def api_key_created(world: World, api: Api) -> Logged:
    key = ok(api.post("/api_keys", {"name": "Warehouse sync"}), 201)
    return Logged({"api_key_id": key["id"], "name": "Warehouse sync", "prefix": key["prefix"]})


def api_key_revoked(world: World, api: Api) -> Logged:
    key = stored_key(world, "Old")
    ok(api.delete(f"/api_keys/{key.pk}"))
    return Logged({"api_key_id": key.pk, "name": "Old", "prefix": key.prefix})


def comment_deleted(world: World, api: Api) -> Logged:
    lead = world.lead("Deal")
    note = Comment.objects.create(account=world.account, lead=lead, content="Called")
    ok(api.delete(f"/leads/{lead.pk}/comments/{note.pk}"))
    return Logged(
        {
            "lead_id": lead.pk,
            "comment_id": note.pk,
            "author_id": None,
            "activity_id": None,
            "created_at": note.created_at.isoformat(),
        }
    )


def client_folder_deleted(world: World, api: Api) -> Logged:
    folder = ClientFolder.objects.create(account=world.account, name="Novak & Co")
    world.lead("Deal", client_folder=folder)
    ok(api.delete(f"/clients/{folder.pk}"))
    return Logged({"client_folder_id": folder.pk, "name": "Novak & Co", "leads": 1})


def client_folders_exported(world: World, api: Api) -> Logged:
    ClientFolder.objects.create(account=world.account, name="Novak & Co")
    ClientFolder.objects.create(account=world.account, name="Dupont")
    response = api.get("/clients/export")
    assert response.status_code == 200 and b"Novak & Co" in response.content
    return Logged({"what": "client_folders"}, count=2)


def field_deleted(world: World, api: Api) -> Logged:
    field = Field.objects.create(account=world.account, name="Budget", key="budget")
    lead = world.lead("Deal")
    LeadFieldValue.objects.create(
        account=world.account, lead=lead, field=field, value="10k", match="10k"
    )
    ok(api.delete(f"/fields/{field.pk}"))
    return Logged({"field_id": field.pk, "key": "budget", "name": "Budget", "values": 1}, count=1)


SCENARIOS: dict[SensitiveActionType, Callable[[World, Api], Logged]] = {
    SensitiveActionType.SETTINGS_CHANGED: settings_changed,
    SensitiveActionType.TEAM_CREATED: team_created,
    SensitiveActionType.TEAM_DELETED: team_deleted,
    SensitiveActionType.MEMBER_ADDED: member_added,
    SensitiveActionType.MEMBER_REMOVED: member_removed,
    SensitiveActionType.MANAGER_CHANGED: manager_changed,
    SensitiveActionType.ADMIN_CHANGED: admin_changed,
    SensitiveActionType.USER_DISABLED: user_disabled,
    SensitiveActionType.USER_ENABLED: user_enabled,
    SensitiveActionType.USER_DELETED: user_deleted,
    SensitiveActionType.LOG_AS: log_as,
    SensitiveActionType.API_KEY_CREATED: api_key_created,
    SensitiveActionType.API_KEY_REVOKED: api_key_revoked,
    SensitiveActionType.COMMENT_DELETED: comment_deleted,
    SensitiveActionType.CLIENT_FOLDER_DELETED: client_folder_deleted,
    SensitiveActionType.CLIENT_FOLDERS_EXPORTED: client_folders_exported,
    SensitiveActionType.FIELD_DELETED: field_deleted,
}


def test_every_action_type_has_its_scenario() -> None:
    # Bulk deletions, exports and imports are logged by the bulk actions and imports, and
    # tested with them (leadcrew/imports/tests for imports).
    bulk = {SensitiveActionType.BULK_DELETE, SensitiveActionType.EXPORT, SensitiveActionType.IMPORT}
    assert set(SCENARIOS) == set(SensitiveActionType) - bulk


def acting(world: World, credential: str) -> tuple[Api, int | None, str]:
    """The API acting with the credential, and how the log must name that actor."""
    if credential == "admin_token":
        return as_user(world.admin), world.admin.pk, "Ada Acme <admin@acme.test>"
    return world.key, None, f"API key {world.api_key[:8]}"


@pytest.mark.parametrize("credential", ["admin_token", "account_key"])
@pytest.mark.parametrize("action", list(SCENARIOS), ids=str)
def test_every_sensitive_action_leaves_exactly_one_log_entry(
    acme: World, rival: World, action: SensitiveActionType, credential: str
) -> None:
    api, user_id, label = acting(acme, credential)
    log = LogWatch()
    expected = SCENARIOS[action](acme, api)
    [entry] = log.new()
    assert entry.account_id == acme.account.pk
    served = ok(acme.key.get("/sensitive_actions", limit=1))
    assert served == [
        {
            "id": entry.pk,
            "action": action.value,
            "user_id": user_id,
            "actor": label,
            "count": expected.count,
            "details": expected.details,
            "created_at": format_datetime(entry.created_at),
        }
    ]


def test_a_new_member_added_as_manager_is_one_member_added_entry(acme: World) -> None:
    team = acme.team("Sales")
    ann = acme.user("ann@acme.test")
    log = LogWatch()
    ok(acme.key.post(f"/teams/{team.pk}/add_member", {"user_id": ann.pk, "is_manager": True}))
    [entry] = log.new()
    assert entry.action == SensitiveActionType.MEMBER_ADDED
    assert entry.details == member(team, ann, is_manager=True)


def test_creating_an_admin_is_logged_as_an_admin_change(acme: World) -> None:
    log = LogWatch()
    body = {"firstname": "Bea", "lastname": "Boss", "email": "bea@acme.test", "is_admin": True}
    bea = ok(acme.key.post("/users", body), 201)
    [entry] = log.new()
    assert entry.action == SensitiveActionType.ADMIN_CHANGED
    assert entry.details == {
        "user_id": bea["id"],
        "email": "bea@acme.test",
        "is_admin": True,
        "new_user": True,
    }


def test_removing_admin_rights_is_logged(acme: World) -> None:
    bea = acme.user("bea@acme.test", is_admin=True)
    log = LogWatch()
    ok(acme.key.put(f"/users/{bea.pk}", {"is_admin": False}))
    [entry] = log.new()
    assert (entry.action, entry.details["is_admin"]) == (SensitiveActionType.ADMIN_CHANGED, False)


def test_switching_edition_down_logs_every_setting_it_turned_off(acme: World) -> None:
    log = LogWatch()
    ok(acme.key.put("/account/settings", {"edition": "essentials"}))
    [entry] = log.new()
    assert entry.details == {
        "changes": {"edition": ["dream_team", "essentials"], "teams_enabled": [True, False]}
    }


def test_a_new_accounts_first_key_is_logged_as_created_by_its_admin(db: None) -> None:
    # account_create is what `leadcrew create-account` calls: the command line is logged too.
    log = LogWatch()
    new = account_create(
        name="Newco", admin_email="admin@newco.test", admin_password=PASSWORD, edition="essentials"
    )
    [entry] = log.new()
    assert entry.account_id == new.account.pk
    assert (entry.action, entry.actor_id, entry.actor_label) == (
        SensitiveActionType.API_KEY_CREATED,
        new.admin.pk,
        "admin@newco.test",
    )
    key = ApiKey.objects.get(account=new.account)
    assert entry.details == {"api_key_id": key.pk, "name": "Default key", "prefix": key.prefix}


# --- What leaves no entry ----------------------------------------------------------------------


def _keep_settings(world: World, api: Api) -> Any:
    return api.put("/account/settings", {"name": "Acme", "privacy": "everything_shared"})


def _add_member_again(world: World, api: Api) -> Any:
    ann = world.user("ann@acme.test")
    team = world.team("Sales", managers=(ann,))
    return api.post(f"/teams/{team.pk}/add_member", {"user_id": ann.pk, "is_manager": True})


def _add_member_again_without_flag(world: World, api: Api) -> Any:
    ann = world.user("ann@acme.test")
    team = world.team("Sales", managers=(ann,))
    return api.post(f"/teams/{team.pk}/add_member", {"user_id": ann.pk})


def _set_admin_flag_as_it_is(world: World, api: Api) -> Any:
    ann = world.user("ann@acme.test")
    return api.put(f"/users/{ann.pk}", {"is_admin": False, "firstname": "Ann"})


def _disable_disabled_user(world: World, api: Api) -> Any:
    ann = world.user("ann@acme.test", is_disabled=True)
    return api.put(f"/users/{ann.pk}/disable")


def _enable_enabled_user(world: World, api: Api) -> Any:
    ann = world.user("ann@acme.test")
    return api.put(f"/users/{ann.pk}/enable")


def _revoke_revoked_key(world: World, api: Api) -> Any:
    key = stored_key(world, "Old")
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=datetime(2026, 1, 5, tzinfo=UTC))
    return api.delete(f"/api_keys/{key.pk}")


def _create_plain_user(world: World, api: Api) -> Any:
    return api.post("/users", {"firstname": "Ann", "lastname": "Lee", "email": "ann@acme.test"})


NO_CHANGE = {
    "settings sent with their current values": _keep_settings,
    "a member added again with the flag they have": _add_member_again,
    "a member added again without a flag": _add_member_again_without_flag,
    "a user updated with the admin flag they have": _set_admin_flag_as_it_is,
    "a disabled user disabled again": _disable_disabled_user,
    "an enabled user enabled": _enable_enabled_user,
    "a revoked key revoked again": _revoke_revoked_key,
    "a plain user created": _create_plain_user,
}


@pytest.mark.parametrize("call", NO_CHANGE.values(), ids=list(NO_CHANGE))
def test_a_call_that_changes_nothing_sensitive_leaves_no_entry(
    acme: World, call: Callable[[World, Api], Any]
) -> None:
    log = LogWatch()
    response = call(acme, acme.key)
    assert response.status_code in {200, 201}, response.content
    assert log.new() == []


def test_a_non_admin_is_refused_every_sensitive_action_and_leaves_no_trace(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    mona = acme.user("mona@acme.test")
    sam = acme.user("sam@acme.test", is_disabled=True)
    team = acme.team("Sales", members=(ann,), managers=(mona,))
    key = stored_key(acme, "Old")
    new_admin = {"firstname": "X", "lastname": "Y", "email": "x@acme.test", "is_admin": True}
    calls = [
        ("put", "/account/settings", {"privacy": "admins_only"}),
        ("post", "/teams", {"name": "Mine"}),
        ("delete", f"/teams/{team.pk}", None),
        ("post", f"/teams/{team.pk}/add_member", {"user_id": sam.pk, "is_manager": True}),
        ("post", f"/teams/{team.pk}/add_member", {"user_id": ann.pk, "is_manager": True}),
        ("delete", f"/teams/{team.pk}/remove_member", {"user_id": ann.pk}),
        ("put", f"/users/{ann.pk}", {"is_admin": True}),
        ("post", "/users", new_admin),
        ("put", f"/users/{ann.pk}/disable", None),
        ("put", f"/users/{sam.pk}/enable", None),
        ("delete", f"/users/{ann.pk}", None),
        ("post", "/api_keys", {"name": "Mine"}),
        ("delete", f"/api_keys/{key.pk}", None),
    ]  # fmt: skip
    log = LogWatch()
    for user in (ann, mona):  # a plain member, and a team manager
        api = as_user(user)
        for method, path, body in calls:
            response = getattr(api, method)(path, body)
            assert response.status_code == 401, (method, path, response.content)
            assert error_type(response) == "unauthorized_non_admin"
    assert log.new() == []
    # Nor did anything happen that the log would have had to record.
    assert Account.objects.get(pk=acme.account.pk).privacy == "everything_shared"
    teams = Team.objects.filter(account=acme.account).values_list("name", flat=True)
    assert list(teams) == ["Sales"]
    memberships = Membership.objects.filter(team=team).values_list("user_id", "is_manager")
    assert set(memberships) == {(ann.pk, False), (mona.pk, True)}
    assert list(User.objects.filter(is_admin=True, account=acme.account)) == [acme.admin]
    assert not User.objects.filter(email="x@acme.test").exists()
    disabled = User.objects.filter(account=acme.account, is_disabled=True)
    assert list(disabled) == [sam]
    assert User.objects.filter(account=acme.account).count() == 4
    assert ApiKey.objects.filter(account=acme.account, revoked_at__isnull=True).count() == 2


def test_an_action_refused_or_failing_halfway_leaves_no_entry(acme: World, rival: World) -> None:
    own, key = as_user(acme.admin), acme.key
    admin_id = acme.admin.pk
    team = acme.team("Sales")
    # Each fails after the admin check; the failing settings change also holds a valid one
    # (privacy), so the request must fail as a whole.
    refused = [
        (own.put(f"/users/{admin_id}", {"is_admin": False}), "forbidden_action"),
        (own.put(f"/users/{admin_id}/disable"), "forbidden_action"),
        (own.delete(f"/users/{admin_id}"), "forbidden_action"),
        (key.get("/auth/log_as", user_id=acme.user("off@acme.test", is_disabled=True).pk),
         "forbidden_action"),
        (key.get("/auth/log_as", user_id=rival.admin.pk), "invalid_parameter"),
        (key.put("/account/settings", {"edition": "essentials", "only_admins_export_leads": True}),
         "forbidden_action"),
        (key.put("/account/settings", {"privacy": "admins_only", "time_zone": "Mars/Olympus"}),
         "invalid_parameter"),
        (key.post("/teams", {"name": "sales"}), "already_exist"),
        (key.post(f"/teams/{team.pk}/add_member", {"user_id": rival.admin.pk}),
         "invalid_parameter"),
        (key.delete(f"/teams/{team.pk}/remove_member", {"user_id": admin_id}), "invalid_parameter"),
        (key.post("/api_keys", {"name": "   "}), "invalid_parameter"),
        (key.delete(f"/api_keys/{stored_key(rival, 'Theirs').pk}"), "record_not_found"),
    ]  # fmt: skip
    for response, expected in refused:
        assert error_type(response) == expected, response.content
    Account.objects.filter(pk=acme.account.pk).update(teams_enabled=False)
    assert error_type(acme.key.post("/teams", {"name": "North"})) == "forbidden_action"
    # Only the two accounts' first keys were ever logged.
    assert SensitiveAction.objects.count() == 2
    settings = Account.objects.get(pk=acme.account.pk)
    assert (settings.edition, settings.privacy) == ("dream_team", "everything_shared")


# --- Reading the log ---------------------------------------------------------------------------


def test_the_log_is_newest_first_paged_and_counted(acme: World) -> None:
    ok(acme.key.post("/teams", {"name": "Sales"}), 201)
    ok(acme.key.put("/account/settings", {"privacy": "admins_only"}))
    ok(acme.key.post("/api_keys", {"name": "Sync"}), 201)
    response = acme.key.get("/sensitive_actions")
    assert response["X-TOTAL-COUNT"] == "4"
    body = ok(response)
    assert [entry["action"] for entry in body] == [
        "api_key_created",
        "settings_changed",
        "team_created",
        "api_key_created",
    ]
    assert all(set(entry) == ENTRY_KEYS for entry in body)
    page = acme.key.get("/sensitive_actions", limit=2, offset=1)
    assert page["X-TOTAL-COUNT"] == "4"
    assert [entry["id"] for entry in ok(page)] == [body[1]["id"], body[2]["id"]]


def test_filters_by_action_and_by_the_user_who_acted(acme: World) -> None:
    bea = acme.user("bea@acme.test", is_admin=True)
    ok(as_user(bea).post("/teams", {"name": "Sales"}), 201)
    ok(as_user(acme.admin).post("/teams", {"name": "Support"}), 201)
    ok(acme.key.post("/teams", {"name": "Ops"}), 201)

    def names(**filters: Any) -> list[str]:
        entries = ok(acme.key.get("/sensitive_actions", **filters))
        return [entry["details"].get("team_name", entry["action"]) for entry in entries]

    assert names(action="team_created") == ["Ops", "Support", "Sales"]
    assert names(user_id=bea.pk) == names(user_id="BEA@acme.test") == ["Sales"]
    # The admin also created the account's first key.
    assert names(user_id=acme.admin.pk) == ["Support", "api_key_created"]
    assert names(user_id=acme.admin.pk, action="team_created") == ["Support"]


def test_from_and_to_are_days_of_the_accounts_time_zone(acme: World) -> None:
    # In March 2026 Auckland is 13 hours ahead of UTC.
    Account.objects.filter(pk=acme.account.pk).update(time_zone="Pacific/Auckland")
    SensitiveAction.objects.filter(account=acme.account).delete()
    ann = acme.user("ann@acme.test")
    for day in (9, 10, 11):  # three teams created 11:30 UTC = 00:30 the next day in Auckland
        team = acme.team(f"Team {day}")
        ok(acme.key.post(f"/teams/{team.pk}/add_member", {"user_id": ann.pk}))
        SensitiveAction.objects.filter(details__team_id=team.pk).update(
            created_at=datetime(2026, 3, day, 11, 30, tzinfo=UTC)
        )

    def teams(**dates: str) -> list[str]:
        entries = ok(acme.key.get("/sensitive_actions", **dates))
        return [entry["details"]["team_name"] for entry in entries]

    assert teams(**{"from": "2026-03-11", "to": "2026-03-11"}) == ["Team 10"]
    assert teams(**{"from": "2026-03-11"}) == ["Team 11", "Team 10"]
    assert teams(to="2026-03-10") == ["Team 9"]
    assert teams(**{"from": "2026-03-13"}) == []


@pytest.mark.parametrize(
    "filters, status, expected",
    [
        ({"action": "lead_deleted"}, 400, "bad_parameter_format"),
        ({"user_id": "nobody@acme.test"}, 422, "invalid_parameter"),
        ({"user_id": "admin@rival.test"}, 422, "invalid_parameter"),
        ({"from": "yesterday"}, 400, "bad_parameter_format"),
        ({"from": "2026-03-11", "to": "2026-03-10"}, 422, "invalid_parameter"),
        ({"limit": 0}, 422, "invalid_parameter"),
    ],
)
def test_bad_filters_are_refused(
    acme: World, rival: World, filters: dict[str, Any], status: int, expected: str
) -> None:
    response = acme.key.get("/sensitive_actions", **filters)
    assert response.status_code == status, response.content
    assert error_type(response) == expected


def test_only_admins_read_the_log(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    mona = acme.user("mona@acme.test")
    acme.team("Sales", members=(ann,), managers=(mona,))
    for user in (ann, mona):
        response = as_user(user).get("/sensitive_actions")
        assert response.status_code == 401
        assert error_type(response) == "unauthorized_non_admin"
    assert error_type(Api().get("/sensitive_actions")) == "unauthorized_missing_token"
    bea = acme.user("bea@acme.test", is_admin=True)
    assert as_user(bea).get("/sensitive_actions").status_code == 200


def test_an_account_never_sees_another_accounts_entries(acme: World, rival: World) -> None:
    ok(acme.key.post("/teams", {"name": "North"}), 201)
    ok(rival.key.post("/teams", {"name": "North"}), 201)
    ok(rival.key.put("/account/settings", {"privacy": "admins_only"}))
    for world, total in ((acme, 2), (rival, 3)):
        response = world.key.get("/sensitive_actions")
        assert response["X-TOTAL-COUNT"] == str(total)
        own = SensitiveAction.objects.filter(account=world.account).values_list("id", flat=True)
        assert {entry["id"] for entry in ok(response)} == set(own)


def test_an_entry_names_its_actor_as_they_were_named_then(acme: World) -> None:
    bea = acme.user("bea@acme.test", is_admin=True, first_name="Bea", last_name="Boss")
    ok(as_user(bea).post("/teams", {"name": "Sales"}), 201)
    User.objects.filter(pk=bea.pk).update(first_name="Beatrice")
    [entry] = ok(acme.key.get("/sensitive_actions", action="team_created"))
    assert (entry["user_id"], entry["actor"]) == (bea.pk, "Bea Boss <bea@acme.test>")


def test_the_log_is_the_same_for_every_edition(db: None) -> None:
    """Teams aside, the log is not a dream_team feature: every account has it."""
    new = account_create(
        name="Small", admin_email="admin@small.test", admin_password=PASSWORD,
        edition=Edition.ESSENTIALS,
    )  # fmt: skip
    api = Api(key=new.api_key)
    ok(api.put("/account/settings", {"currency": "USD"}))
    entries = ok(api.get("/sensitive_actions"))
    assert [entry["action"] for entry in entries] == ["settings_changed", "api_key_created"]
    assert entries[0]["details"] == {"changes": {"currency": ["EUR", "USD"]}}
