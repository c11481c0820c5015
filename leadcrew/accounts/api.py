"""Credentials, users and account settings. Thin: parse, call one service or selector, render."""

import base64
import binascii
from typing import cast

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from leadcrew.access.actor import Actor
from leadcrew.access.preview import settings_preview
from leadcrew.accounts import selectors, services
from leadcrew.accounts.schemas import (
    AccessChangeOut,
    MessageOut,
    SettingsIn,
    SettingsOut,
    TokenOut,
    UserCreateIn,
    UserFilters,
    UserOut,
    UserUpdateIn,
    access_change_out,
    settings_out,
    user_out,
)
from leadcrew.core.api_types import Id, Paging, UserRef, paginate
from leadcrew.core.errors import MissingParameter, Unauthorized

router = Router(tags=["Users and account"])

USER_TOKEN_HEADER = "X-USER-TOKEN"
# Longer credentials are refused before any hashing, so a huge header costs nothing.
MAX_CREDENTIAL_LENGTH = 1024


def _actor(request: HttpRequest) -> Actor:
    return cast(Actor, request.auth)  # type: ignore[attr-defined]


@router.get("/ping", response=MessageOut)
def ping(request: HttpRequest) -> dict[str, object]:
    return {"status": 200, "message": "Your API key is correct."}


# --- Tokens ------------------------------------------------------------------------------------


def _basic_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthorized(
            "Send your e-mail and password with HTTP Basic authentication.",
            type="unauthorized_missing_token",
        )
    scheme, _, encoded = header.partition(" ")
    invalid = Unauthorized("Wrong e-mail or password.", type="unauthorized_invalid_token")
    if scheme.lower() != "basic" or len(encoded) > MAX_CREDENTIAL_LENGTH * 2:
        raise invalid
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise invalid from None
    email, separator, password = decoded.partition(":")
    if not separator or not email or "\x00" in decoded or len(decoded) > MAX_CREDENTIAL_LENGTH:
        raise invalid
    return email, password


@router.get("/auth/login", auth=None, response=TokenOut)
def login(request: HttpRequest) -> dict[str, str]:
    """HTTP Basic with the user's e-mail and password; answers a token valid 30 days."""
    email, password = _basic_credentials(request)
    return {"token": services.user_login(email=email, password=password)}


@router.get("/auth/log_as", response=TokenOut)
def log_as(request: HttpRequest, user_id: UserRef) -> dict[str, str]:
    """For account keys and admins: a token acting as the user `user_id` (id or e-mail)."""
    return {"token": services.user_log_as(actor=_actor(request), user_ref=user_id)}


@router.get("/auth/logout", response=MessageOut)
def logout(request: HttpRequest) -> dict[str, object]:
    """Revokes the X-USER-TOKEN of this request; account keys are revoked by an admin."""
    raw_token = request.headers.get(USER_TOKEN_HEADER)
    actor = _actor(request)
    if not raw_token or actor.user_id is None:
        raise MissingParameter(USER_TOKEN_HEADER)
    services.user_logout(actor=actor, raw_token=raw_token)
    return {"status": 200, "message": "Your user token is revoked."}


# --- Users -------------------------------------------------------------------------------------


@router.get("/users", response=list[UserOut])
def list_users(
    request: HttpRequest,
    response: HttpResponse,
    filters: Query[UserFilters],
    paging: Query[Paging],
) -> list[dict[str, object]]:
    actor = _actor(request)
    users = selectors.user_list(
        actor=actor,
        email=filters.email,
        status=filters.status,
        role=filters.role,
        team_ids=filters.team_ids(),
    )
    page = paginate(users, paging, response)
    return [user_out(user, teams_on=actor.settings.teams_on) for user in page]


@router.get("/users/{id}", response=UserOut)
def get_user(request: HttpRequest, id: Id) -> dict[str, object]:
    actor = _actor(request)
    user = selectors.user_get(actor=actor, user_id=id)
    return user_out(user, teams_on=actor.settings.teams_on)


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserCreateIn) -> Status:
    actor = _actor(request)
    user = services.user_create(
        actor=actor,
        first_name=payload.firstname,
        last_name=payload.lastname,
        email=payload.email,
        is_admin=payload.is_admin,
        password=payload.password,
        locale=payload.locale,
    )
    user = selectors.user_get(actor=actor, user_id=user.pk)
    return Status(201, user_out(user, teams_on=actor.settings.teams_on))


@router.put("/users/{id}", response=UserOut)
def update_user(request: HttpRequest, id: Id, payload: UserUpdateIn) -> dict[str, object]:
    actor = _actor(request)
    user = services.user_update(
        actor=actor,
        user_id=id,
        first_name=payload.firstname,
        last_name=payload.lastname,
        is_admin=payload.is_admin,
        locale=payload.locale,
        password=payload.password,
    )
    return user_out(user, teams_on=actor.settings.teams_on)


@router.put("/users/{id}/disable", response=UserOut)
def disable_user(request: HttpRequest, id: Id) -> dict[str, object]:
    actor = _actor(request)
    user = services.user_disable(actor=actor, user_id=id)
    return user_out(user, teams_on=actor.settings.teams_on)


@router.put("/users/{id}/enable", response=UserOut)
def enable_user(request: HttpRequest, id: Id) -> dict[str, object]:
    actor = _actor(request)
    user = services.user_enable(actor=actor, user_id=id)
    return user_out(user, teams_on=actor.settings.teams_on)


# --- Account settings --------------------------------------------------------------------------


@router.get("/account/settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> dict[str, object]:
    return settings_out(selectors.account_settings(actor=_actor(request)))


@router.put("/account/settings", response=SettingsOut)
def update_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, object]:
    """Any subset of the settings; they apply from the next request on."""
    account = services.account_settings_update(
        actor=_actor(request),
        name=payload.name,
        time_zone=payload.time_zone,
        currency=payload.currency,
        edition=payload.edition,
        privacy=payload.privacy,
        assignment=payload.assignment,
        teams_enabled=payload.teams_enabled,
        team_privacy=payload.team_privacy,
        team_assignment=payload.team_assignment,
        only_admins_export_leads=payload.only_admins_export_leads,
        only_admins_delete_leads=payload.only_admins_delete_leads,
    )
    return settings_out(account)


@router.post("/account/settings/preview", response=list[AccessChangeOut])
def preview_settings(request: HttpRequest, payload: SettingsIn) -> list[dict[str, object]]:
    """The body of PUT /account/settings, checked the same way, saving nothing: for every active
    user, how many live leads they would start or stop seeing and editing."""
    changes = settings_preview(actor=_actor(request), changes=payload.model_dump())
    return [access_change_out(change) for change in changes]
