"""Credentials, users and account settings. Thin: parse, call one service or selector, render."""

import base64
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from leadcrew.access.preview import settings_preview
from leadcrew.accounts import data_export, deletion_services, selectors, services
from leadcrew.accounts.schemas import (
    AccessChangeOut,
    MessageOut,
    SettingsIn,
    SettingsOut,
    TokenOut,
    UserCreateIn,
    UserDeletedOut,
    UserFilters,
    UserOut,
    UserUpdateIn,
    access_change_out,
    settings_out,
    user_out,
)
from leadcrew.core.api_types import ApiRequest, Paging, UserPathRef, UserRef, paginate
from leadcrew.core.client_address import client_address
from leadcrew.core.errors import Code, MissingParameter, Unauthorized

router = Router(tags=["Users and account"])

USER_TOKEN_HEADER = "X-USER-TOKEN"
# Longer credentials are refused before any hashing, so a huge header costs nothing.
MAX_CREDENTIAL_LENGTH = 1024


@router.get("/ping", response=MessageOut)
def ping(request: ApiRequest) -> dict[str, object]:
    return {"status": 200, "message": "Your API key is correct."}


# --- Tokens ------------------------------------------------------------------------------------


def _basic_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthorized(Code.LOGIN_MISSING, type="unauthorized_missing_token")
    scheme, _, encoded = header.partition(" ")
    invalid = Unauthorized(Code.WRONG_CREDENTIALS, type="unauthorized_invalid_token")
    if scheme.lower() != "basic" or len(encoded) > MAX_CREDENTIAL_LENGTH * 2:
        raise invalid
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64 (non-ASCII characters included), or not UTF-8
        raise invalid from None
    email, separator, password = decoded.partition(":")
    if not separator or not email or "\x00" in decoded or len(decoded) > MAX_CREDENTIAL_LENGTH:
        raise invalid
    return email, password


@router.get("/auth/login", auth=None, response=TokenOut)
@decorate_view(never_cache)  # the answer is a secret: Cache-Control no-store
def login(request: HttpRequest) -> dict[str, str]:
    """HTTP Basic with the user's e-mail and password; answers a token valid 30 days. After
    repeated failures for the e-mail or from the address, 429 `rate_limited` with Retry-After."""
    email, password = _basic_credentials(request)
    address = client_address(request.META)
    return {"token": services.user_login(email=email, password=password, address=address)}


@router.get("/auth/log_as", response=TokenOut)
@decorate_view(never_cache)  # the answer is a secret: Cache-Control no-store
def log_as(request: ApiRequest, user_id: UserRef) -> dict[str, str]:
    """For account keys and admins: a token acting as the user `user_id` (id or e-mail)."""
    return {"token": services.user_log_as(actor=request.auth, user_ref=user_id)}


@router.get("/auth/logout", response=MessageOut)
def logout(request: ApiRequest) -> dict[str, object]:
    """Revokes the X-USER-TOKEN of this request; account keys are revoked by an admin."""
    raw_token = request.headers.get(USER_TOKEN_HEADER)
    actor = request.auth
    if not raw_token or actor.user_id is None:
        raise MissingParameter(USER_TOKEN_HEADER)
    services.user_logout(actor=actor, raw_token=raw_token)
    return {"status": 200, "message": "Your user token is revoked."}


@router.post("/auth/revoke_api_key", response=MessageOut)
def revoke_api_key(request: ApiRequest) -> dict[str, object]:
    """Revokes the X-API-KEY (or `api_key`) of this request, as an integration does when it
    disconnects: the key answers 401 `unauthorized_disabled_token` from then on. Under a user
    token, 401 `not_api_key`."""
    services.api_key_revoke_own(actor=request.auth)
    return {"status": 200, "message": "Your API key is revoked."}


# --- Users -------------------------------------------------------------------------------------


@router.get("/users", response=list[UserOut])
def list_users(
    request: ApiRequest,
    response: HttpResponse,
    filters: Query[UserFilters],
    paging: Query[Paging],
) -> list[dict[str, object]]:
    actor = request.auth
    users = selectors.user_list(
        actor=actor,
        email=filters.email,
        firstname=filters.firstname,
        lastname=filters.lastname,
        status=filters.status,
        role=filters.role,
        teams=filters.team_refs(),
        direction=filters.direction,
    )
    page = paginate(users, paging, response)
    return [user_out(user, teams_on=actor.settings.teams_on) for user in page]


def _user_id(request: ApiRequest, ref: str) -> int:
    """The id of the user a path names by id or URL-encoded e-mail; 404 if it names nobody."""
    return selectors.user_get_by_ref(actor=request.auth, ref=ref).pk


@router.get("/users/{id}", response=UserOut)
def get_user(request: ApiRequest, id: UserPathRef) -> dict[str, object]:
    """`id` is the user's id or e-mail address (URL-encoded: `ann%40acme.test`)."""
    actor = request.auth
    user = selectors.user_get_by_ref(actor=actor, ref=id)
    return user_out(user, teams_on=actor.settings.teams_on)


@router.post("/users", response={201: UserOut})
def create_user(request: ApiRequest, payload: UserCreateIn) -> Status[dict[str, Any]]:
    actor = request.auth
    user = services.user_create(
        actor=actor,
        first_name=payload.firstname,
        last_name=payload.lastname,
        email=payload.email,
        is_admin=payload.is_admin,
        password=payload.password,
        locale=payload.locale,
        profile=payload.profile(),
    )
    user = selectors.user_get(actor=actor, user_id=user.pk)
    return Status(201, user_out(user, teams_on=actor.settings.teams_on))


@router.put("/users/{id}", response=UserOut)
def update_user(request: ApiRequest, id: UserPathRef, payload: UserUpdateIn) -> dict[str, object]:
    actor = request.auth
    user = services.user_update(
        actor=actor,
        user_id=_user_id(request, id),
        first_name=payload.firstname,
        last_name=payload.lastname,
        is_admin=payload.is_admin,
        locale=payload.locale,
        password=payload.password,
        profile=payload.profile(),
    )
    return user_out(user, teams_on=actor.settings.teams_on)


@router.put("/users/{id}/disable", response=UserOut)
def disable_user(request: ApiRequest, id: UserPathRef) -> dict[str, object]:
    actor = request.auth
    user = services.user_disable(actor=actor, user_id=_user_id(request, id))
    return user_out(user, teams_on=actor.settings.teams_on)


@router.put("/users/{id}/enable", response=UserOut)
def enable_user(request: ApiRequest, id: UserPathRef) -> dict[str, object]:
    actor = request.auth
    user = services.user_enable(actor=actor, user_id=_user_id(request, id))
    return user_out(user, teams_on=actor.settings.teams_on)


@router.delete("/users/{id}", response=UserDeletedOut)
def delete_user(
    request: ApiRequest, id: UserPathRef, reassign_to: UserRef | None = None
) -> dict[str, object]:
    """Deletes the user for good (admins and account keys; not yourself, not the last active
    admin). Their leads go to `reassign_to` (an active user, by id or e-mail) or, without it, to
    the unassigned pool; their name and e-mail are erased from the history and the log."""
    deleted = deletion_services.user_delete(
        actor=request.auth, user_id=_user_id(request, id), reassign_to=reassign_to
    )
    return {
        "user_id": deleted.user_id,
        "leads": deleted.leads,
        "reassigned_to": deleted.reassigned_to,
    }


# --- Account settings --------------------------------------------------------------------------


@router.get("/account/settings", response=SettingsOut)
def get_settings(request: ApiRequest) -> dict[str, object]:
    return settings_out(selectors.account_settings(actor=request.auth))


@router.put("/account/settings", response=SettingsOut)
def update_settings(request: ApiRequest, payload: SettingsIn) -> dict[str, object]:
    """Any subset of the settings; they apply from the next request on."""
    account = services.account_settings_update(actor=request.auth, change=payload.change())
    return settings_out(account)


@router.get(
    "/account/export",
    summary="The whole account as a ZIP archive",
    openapi_extra={
        "responses": {
            200: {
                "description": "JSON-lines files (account, users, teams, memberships, "
                "pipelines, steps, API keys, leads with the bin's, comments, history, the "
                "sensitive-actions log) and leads.csv; no password, token or key hash",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_account(request: ApiRequest) -> FileResponse:
    """For admins and account keys; logged as an `export`."""
    actor = request.auth
    archive = data_export.account_export(actor=actor)
    return FileResponse(
        archive,
        as_attachment=True,
        filename=data_export.archive_name(actor),
        content_type="application/zip",
    )


@router.post("/account/settings/preview", response=list[AccessChangeOut])
def preview_settings(request: ApiRequest, payload: SettingsIn) -> list[dict[str, object]]:
    """The body of PUT /account/settings, checked the same way, saving nothing: for every active
    user, how many live leads they would start or stop seeing and editing."""
    changes = settings_preview(actor=request.auth, change=payload.change())
    return [access_change_out(change) for change in changes]
