"""API credentials: an account key (acting as an admin) or a user token (acting as that user).
Each resolves, once per request, to the Actor the rest of the code receives."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, APIKeyQuery

from leadcrew.access.actor import Actor, actor_for_api_key, actor_with_teams, team_roles
from leadcrew.accounts.models import Account, ApiKey, UserToken, hash_secret
from leadcrew.accounts.services import api_key_mark_used
from leadcrew.core.api_types import account_zone_set
from leadcrew.core.compiled import CompiledValues, text_marker
from leadcrew.core.errors import Code, Unauthorized
from leadcrew.core.ratelimit import check_daily_quota, check_rate


def _acting(actor: Actor) -> Actor:
    """What holds for the whole request once its credential is known: the account's daily
    quota is counted, and date-times without a zone are read in the account's time zone."""
    check_daily_quota(actor.account_id)
    account_zone_set(actor.account.zone)
    return actor


def actor_from_api_key(raw: str) -> Actor:
    key_hash = hash_secret(raw)
    check_rate(key_hash)
    key = ApiKey.objects.select_related("account").filter(key_hash=key_hash).first()
    if key is None:
        raise Unauthorized(Code.INVALID_API_KEY, type="unauthorized_invalid_token")
    if key.revoked_at is not None:
        raise Unauthorized(Code.REVOKED_API_KEY, type="unauthorized_disabled_token")
    api_key_mark_used(key=key)
    return _acting(actor_for_api_key(key.account, prefix=key.prefix, key_id=key.pk))


# Every request with a user token reads it: the token, its user, the user's account and teams
# in one statement compiled once.
_ACCOUNT_FIELDS = tuple(field.attname for field in Account._meta.concrete_fields)
_USER_TOKEN = CompiledValues(
    lambda: UserToken.objects.filter(token_hash=text_marker("TOKEN_HASH")).values(
        "expires_at",
        "revoked_at",
        "user_id",
        "user__is_disabled",
        "user__is_admin",
        *(f"user__account__{name}" for name in _ACCOUNT_FIELDS),
        **team_roles("user_id"),
    )
)


def actor_from_user_token(raw: str) -> Actor:
    token_hash = hash_secret(raw)
    check_rate(token_hash)
    database = UserToken.objects.db
    found = _USER_TOKEN.rows(database, TOKEN_HASH=token_hash)
    token = found[0] if found else None
    if token is None or token["expires_at"] <= timezone.now():
        raise Unauthorized(Code.INVALID_USER_TOKEN, type="unauthorized_invalid_token")
    if token["revoked_at"] is not None:
        raise Unauthorized(Code.LOGGED_OUT_TOKEN, type="unauthorized_disabled_token")
    if token["user__is_disabled"]:
        raise Unauthorized(Code.USER_DISABLED, type="unauthorized_disabled_token")
    account = Account.from_db(
        database, _ACCOUNT_FIELDS, [token[f"user__account__{name}"] for name in _ACCOUNT_FIELDS]
    )
    actor = actor_with_teams(
        account,
        token["user_id"],
        token["user__is_admin"],
        json.loads(token["member_of"]),
        json.loads(token["manager_of"]),
    )
    return _acting(actor)


class ApiKeyHeaderAuth(APIKeyHeader):
    param_name = "X-API-KEY"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return actor_from_api_key(key) if key else None


class ApiKeyQueryAuth(APIKeyQuery):
    """The `api_key` query parameter, accepted as a fallback by the reference API."""

    param_name = "api_key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return actor_from_api_key(key) if key else None


class UserTokenAuth(APIKeyHeader):
    param_name = "X-USER-TOKEN"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return actor_from_user_token(key) if key else None


API_AUTH = [UserTokenAuth(), ApiKeyHeaderAuth(), ApiKeyQueryAuth()]


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Unauthorized(Code.ADMINS_ONLY, type="unauthorized_non_admin")
