"""/users: list, read, create, update, disable, enable."""

import base64

import pytest
from django.test import Client

from leadcrew.accounts.models import Account, Edition, User, UserToken
from leadcrew.testing.api_world import BASE, PASSWORD, Api, World, as_user, error_type

pytestmark = pytest.mark.django_db

USER_KEYS = {
    "id",
    "firstname",
    "lastname",
    "email",
    "is_admin",
    "is_disabled",
    "locale",
    "created_at",
    "updated_at",
    "teams",
    "phone",
    "mobile_phone",
    "job_title",
    "has_activated",
    "time_zone",
    "avatar_url",
}


def can_log_in(email: str, password: str) -> bool:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    response = Client(headers={"Authorization": f"Basic {raw}"}).get(f"{BASE}/auth/login")
    return response.status_code == 200


def ids(response: object) -> list[int]:
    return [row["id"] for row in response.json()]  # type: ignore[attr-defined]


# --- Reading -----------------------------------------------------------------------------------


def test_list_is_a_bare_array_of_the_accounts_users_only(acme: World, rival: World) -> None:
    ann = acme.user("ann@acme.test")
    rival.user("ron@rival.test")
    response = acme.key.get("/users")
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert ids(response) == [acme.admin.pk, ann.pk]
    assert response["X-TOTAL-COUNT"] == "2"
    assert all(set(row) == USER_KEYS for row in response.json())


def test_user_object(acme: World) -> None:
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee", locale="fr")
    sales = acme.team("Sales", managers=(ann,))
    body = acme.key.get(f"/users/{ann.pk}").json()
    assert body["firstname"] == "Ann"
    assert body["lastname"] == "Lee"
    assert body["email"] == "ann@acme.test"
    assert body["is_admin"] is False
    assert body["is_disabled"] is False
    assert body["locale"] == "fr"
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 24
    assert body["teams"] == [{"id": sales.pk, "name": "Sales", "is_manager": True}]


def test_teams_of_a_user_are_hidden_while_the_layer_is_off(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    acme.team("Sales", members=(ann,))
    Account.objects.filter(pk=acme.account.pk).update(teams_enabled=False)
    assert acme.key.get(f"/users/{ann.pk}").json()["teams"] == []
    assert all(row["teams"] == [] for row in acme.key.get("/users").json())


def test_plain_users_may_read_their_accounts_users(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    api = as_user(ann)
    assert ids(api.get("/users")) == [acme.admin.pk, ann.pk]
    assert api.get(f"/users/{acme.admin.pk}").json()["email"] == "admin@acme.test"


def test_other_accounts_and_unknown_users_are_not_found(acme: World, rival: World) -> None:
    other = "/users/" + rival.admin.email.replace("@", "%40")
    for path in (f"/users/{rival.admin.pk}", "/users/999999", "/users/abc", other):
        response = acme.key.get(path)
        assert response.status_code == 404
        assert error_type(response) == "record_not_found"
    # Every route that names a user in its path: another account's e-mail is nobody.
    assert acme.key.put(other + "/disable").status_code == 404
    assert acme.key.delete(other).status_code == 404


def test_a_user_is_named_in_a_path_by_id_or_url_encoded_email(acme: World) -> None:
    ann = acme.user("ann.b+crm@acme.test", first_name="Ann")
    encoded = "/users/ann.b%2Bcrm%40acme.test"
    assert acme.key.get(encoded).json()["id"] == ann.pk
    assert acme.key.get("/users/ANN.B%2BCRM%40ACME.TEST").json()["id"] == ann.pk
    assert acme.key.get(f"/users/{ann.pk}").json()["email"] == "ann.b+crm@acme.test"
    assert acme.key.put(encoded, {"firstname": "Anna"}).json()["firstname"] == "Anna"
    assert acme.key.put(encoded + "/disable").json()["is_disabled"] is True
    assert acme.key.put(encoded + "/enable").json()["is_disabled"] is False


def test_list_filters(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test", is_disabled=True)
    eve = acme.user("eve@acme.test", is_admin=True)
    sales = acme.team("Sales", members=(ann,), managers=(eve,))
    support = acme.team("Support", members=(bob,))
    admin = acme.admin.pk
    assert ids(acme.key.get("/users", email="ANN@acme.test")) == [ann.pk]
    assert ids(acme.key.get("/users", status="activated")) == [admin, ann.pk, eve.pk]
    assert ids(acme.key.get("/users", status="deactivated")) == [bob.pk]
    assert ids(acme.key.get("/users", status="all")) == [admin, ann.pk, bob.pk, eve.pk]
    assert ids(acme.key.get("/users", role="admin")) == [admin, eve.pk]
    assert ids(acme.key.get("/users", role="non-admin")) == [ann.pk, bob.pk]
    assert ids(acme.key.get("/users", teams=str(sales.pk))) == [ann.pk, eve.pk]
    assert ids(acme.key.get("/users", teams=f"{sales.pk},{support.pk}")) == [ann.pk, bob.pk, eve.pk]
    assert ids(acme.key.get("/users", role="admin", teams=str(sales.pk))) == [eve.pk]
    assert ids(acme.key.get("/users", whatever="ignored")) == [admin, ann.pk, bob.pk, eve.pk]
    # Teams by name (any case) as well as by id, mixed.
    assert ids(acme.key.get("/users", teams="sales")) == [ann.pk, eve.pk]
    assert ids(acme.key.get("/users", teams=f"Support,{sales.pk}")) == [ann.pk, bob.pk, eve.pk]
    assert ids(acme.key.get("/users", teams="Nobody")) == []


def test_list_filters_by_exact_names_and_orders_by_direction(acme: World) -> None:
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee")
    anna = acme.user("anna@acme.test", first_name="Anna", last_name="Lee")
    assert ids(acme.key.get("/users", firstname="ann")) == [ann.pk]
    assert ids(acme.key.get("/users", lastname="Lee")) == [ann.pk, anna.pk]
    assert ids(acme.key.get("/users", lastname="Le")) == []
    assert ids(acme.key.get("/users", firstname="Anna", lastname="LEE")) == [anna.pk]
    assert ids(acme.key.get("/users", direction="DESC")) == [anna.pk, ann.pk, acme.admin.pk]
    assert ids(acme.key.get("/users", direction="asc")) == [acme.admin.pk, ann.pk, anna.pk]


def test_list_filter_errors(acme: World, rival: World) -> None:
    other = rival.team("Theirs", members=(rival.admin,))
    assert ids(acme.key.get("/users", teams=str(other.pk))) == []
    assert error_type(acme.key.get("/users", status="sleeping")) == "bad_parameter_format"
    assert error_type(acme.key.get("/users", direction="up")) == "bad_parameter_format"
    Account.objects.filter(pk=acme.account.pk).update(teams_enabled=False)
    assert error_type(acme.key.get("/users", teams="1")) == "forbidden_action"


def test_list_paging(acme: World) -> None:
    users = [acme.user(f"u{n}@acme.test") for n in range(4)]
    response = acme.key.get("/users", limit=2, offset=1)
    assert ids(response) == [users[0].pk, users[1].pk]
    assert response["X-TOTAL-COUNT"] == "5"
    assert acme.key.get("/users", limit=0).status_code == 422


# --- Creating ----------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_log_in(acme: World) -> None:
    response = acme.key.post(
        "/users",
        {
            "firstname": "Ann",
            "lastname": "Lee",
            "email": "ann@acme.test",
            "password": "a-long-password",
            "locale": "fr",
            "unknown_key": "ignored",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_KEYS
    assert body["is_admin"] is False and body["locale"] == "fr" and body["teams"] == []
    user = User.objects.get(pk=body["id"])
    assert user.account_id == acme.account.pk
    assert can_log_in("ann@acme.test", "a-long-password")


def test_create_as_admin_user_with_form_parameters(acme: World) -> None:
    client = Client(headers={"X-API-KEY": acme.api_key})
    response = client.post(
        f"{BASE}/users",
        {"firstname": "Eve", "lastname": "Ng", "email": "eve@acme.test", "is_admin": "true"},
    )
    assert response.status_code == 201
    assert response.json()["is_admin"] is True
    # Without a password the new user cannot log in until an admin sets one.
    assert not User.objects.get(email="eve@acme.test").has_usable_password()


def test_duplicate_email_is_409_with_the_existing_id_of_the_same_account(
    acme: World, rival: World
) -> None:
    ann = acme.user("ann@acme.test")
    body = {"firstname": "A", "lastname": "B", "email": "Ann@Acme.test"}
    response = acme.key.post("/users", body)
    assert response.status_code == 409
    assert error_type(response) == "already_exist"
    assert response.json()["id"] == ann.pk
    # E-mails are unique across accounts, but another account's id is never shown.
    response = rival.key.post("/users", body)
    assert response.status_code == 409
    assert "id" not in response.json()
    assert User.objects.filter(email__iexact="ann@acme.test").count() == 1


@pytest.mark.parametrize(
    "body, status, kind, field",
    [
        ({"firstname": "A", "lastname": "B"}, 422, "missing_parameter", "email"),
        ({"lastname": "B", "email": "x@acme.test"}, 422, "missing_parameter", "firstname"),
        (
            {"firstname": "A", "lastname": "B", "email": "not-an-email"},
            422,
            "invalid_parameter",
            "email",
        ),
        (
            {"firstname": "A", "lastname": "B", "email": "x@acme.test", "password": "short"},
            422,
            "invalid_parameter",
            "password",
        ),
        (
            {"firstname": "A", "lastname": "B", "email": "x@acme.test", "locale": "de"},
            422,
            "invalid_parameter",
            "locale",
        ),
        (
            {"firstname": "A\x00", "lastname": "B", "email": "x@acme.test"},
            422,
            "invalid_parameter",
            "firstname",
        ),
        (
            {"firstname": "A", "lastname": "B", "email": "x@acme.test", "is_admin": "maybe"},
            400,
            "bad_parameter_format",
            "is_admin",
        ),
    ],
)
def test_create_validation(
    acme: World, body: dict[str, object], status: int, kind: str, field: str
) -> None:
    response = acme.key.post("/users", body)
    assert response.status_code == status, response.json()
    assert error_type(response) == kind
    assert response.json()["field"] == field
    assert User.objects.filter(account=acme.account).count() == 1


def test_a_plain_user_cannot_create_users(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    response = as_user(ann).post(
        "/users", {"firstname": "A", "lastname": "B", "email": "new@acme.test", "is_admin": True}
    )
    assert response.status_code == 401
    assert error_type(response) == "unauthorized_non_admin"
    assert not User.objects.filter(email="new@acme.test").exists()


# --- Updating ----------------------------------------------------------------------------------


def test_admin_updates_names_locale_role_and_password(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    response = as_user(acme.admin).put(
        f"/users/{ann.pk}",
        {
            "firstname": "Anna",
            "lastname": "Lee",
            "locale": "fr",
            "is_admin": True,
            "password": "another-password",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["firstname"], body["lastname"], body["locale"], body["is_admin"]) == (
        "Anna",
        "Lee",
        "fr",
        True,
    )
    assert can_log_in("ann@acme.test", "another-password")
    assert not can_log_in("ann@acme.test", PASSWORD)


def test_a_new_password_ends_the_users_api_tokens(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    before = as_user(ann)
    assert before.get("/ping").status_code == 200
    acme.key.put(f"/users/{ann.pk}", {"password": "another-password"})
    refused = before.get("/ping")
    assert refused.status_code == 401
    assert refused.json()["type"] == "unauthorized_disabled_token"


def test_update_leaves_missing_fields_alone(acme: World) -> None:
    ann = acme.user("ann@acme.test", first_name="Ann", last_name="Lee")
    body = acme.key.put(f"/users/{ann.pk}", {"lastname": "Ng", "firstname": None}).json()
    assert (body["firstname"], body["lastname"]) == ("Ann", "Ng")


def test_a_plain_user_cannot_update_users_not_even_themself(acme: World) -> None:
    ann = acme.user("ann@acme.test", first_name="Ann")
    for target in (ann, acme.admin):
        response = as_user(ann).put(f"/users/{target.pk}", {"firstname": "X", "is_admin": True})
        assert response.status_code == 401
        assert error_type(response) == "unauthorized_non_admin"
    ann.refresh_from_db()
    assert (ann.first_name, ann.is_admin) == ("Ann", False)
    assert acme.admin.first_name == User.objects.get(pk=acme.admin.pk).first_name


def test_update_of_another_accounts_user_is_not_found(acme: World, rival: World) -> None:
    response = acme.key.put(f"/users/{rival.admin.pk}", {"firstname": "Hacked"})
    assert response.status_code == 404
    assert error_type(response) == "record_not_found"
    assert User.objects.get(pk=rival.admin.pk).first_name == "Ada"


def test_an_admin_cannot_drop_their_own_admin_rights(acme: World) -> None:
    acme.user("eve@acme.test", is_admin=True)
    response = as_user(acme.admin).put(f"/users/{acme.admin.pk}", {"is_admin": False})
    assert response.status_code == 403
    assert error_type(response) == "forbidden_action"
    assert User.objects.get(pk=acme.admin.pk).is_admin


def test_the_last_active_admin_keeps_admin_rights(acme: World) -> None:
    acme.user("eve@acme.test", is_admin=True, is_disabled=True)
    response = acme.key.put(f"/users/{acme.admin.pk}", {"is_admin": False})
    assert response.status_code == 403
    assert User.objects.get(pk=acme.admin.pk).is_admin


# --- Disabling ---------------------------------------------------------------------------------


def test_disable_revokes_tokens_and_login_and_enable_restores_login(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    ann_api = as_user(ann)
    assert ann_api.get("/ping").status_code == 200
    response = as_user(acme.admin).put(f"/users/{ann.pk}/disable")
    assert response.status_code == 200
    assert response.json()["is_disabled"] is True
    refused = ann_api.get("/ping")
    assert refused.status_code == 401
    assert error_type(refused) == "unauthorized_disabled_token"
    assert not UserToken.objects.filter(user=ann, revoked_at__isnull=True).exists()
    assert not can_log_in("ann@acme.test", PASSWORD)
    # Disabling twice is harmless.
    assert acme.key.put(f"/users/{ann.pk}/disable").status_code == 200

    response = acme.key.put(f"/users/{ann.pk}/enable")
    assert response.status_code == 200
    assert response.json()["is_disabled"] is False
    assert can_log_in("ann@acme.test", PASSWORD)
    # Tokens revoked by the disabling stay revoked.
    assert ann_api.get("/ping").status_code == 401


def test_an_admin_cannot_disable_themself(acme: World) -> None:
    acme.user("eve@acme.test", is_admin=True)
    response = as_user(acme.admin).put(f"/users/{acme.admin.pk}/disable")
    assert response.status_code == 403
    assert error_type(response) == "forbidden_action"
    assert not User.objects.get(pk=acme.admin.pk).is_disabled


def test_the_last_active_admin_cannot_be_disabled(acme: World) -> None:
    response = acme.key.put(f"/users/{acme.admin.pk}/disable")
    assert response.status_code == 403
    assert not User.objects.get(pk=acme.admin.pk).is_disabled


def test_a_plain_user_cannot_disable_or_enable(acme: World) -> None:
    ann = acme.user("ann@acme.test")
    bob = acme.user("bob@acme.test")
    gus = acme.user("gus@acme.test", is_disabled=True)
    api = as_user(ann)
    assert error_type(api.put(f"/users/{bob.pk}/disable")) == "unauthorized_non_admin"
    assert error_type(api.put(f"/users/{gus.pk}/enable")) == "unauthorized_non_admin"
    assert not User.objects.get(pk=bob.pk).is_disabled
    assert User.objects.get(pk=gus.pk).is_disabled
    assert as_user(bob).get("/ping").status_code == 200


def test_disable_of_another_accounts_user_is_not_found(acme: World, rival: World) -> None:
    rival_user = rival.user("ron@rival.test")
    ron = as_user(rival_user)
    for action in ("disable", "enable"):
        response = acme.key.put(f"/users/{rival_user.pk}/{action}")
        assert response.status_code == 404
    assert not User.objects.get(pk=rival_user.pk).is_disabled
    assert ron.get("/ping").status_code == 200


def test_essentials_account_users_have_no_teams(db: None) -> None:
    from leadcrew.testing.api_world import make_world

    solo = make_world("Solo", "admin@solo.test", edition=Edition.ESSENTIALS)
    assert solo.key.get(f"/users/{solo.admin.pk}").json()["teams"] == []
    assert Api(key=solo.api_key).get("/users").status_code == 200
