"""API credentials: an account key (acting as an admin) or a user token (acting as that user).
Each resolves, once per request, to the Actor the rest of the code receives."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, APIKeyQuery

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.accounts.models import ApiKey, UserToken, hash_secret
from leadcrew.accounts.services import api_key_mark_used
from leadcrew.core.api_types import account_zone_set
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


def actor_from_user_token(raw: str) -> Actor:
    token_hash = hash_secret(raw)
    check_rate(token_hash)
    try:
        token = UserToken.objects.select_related("user__account").get(token_hash=token_hash)
    except UserToken.DoesNotExist:
        token = None
    if token is None or token.expires_at <= timezone.now():
        raise Unauthorized(Code.INVALID_USER_TOKEN, type="unauthorized_invalid_token")
    if token.revoked_at is not None:
        raise Unauthorized(Code.LOGGED_OUT_TOKEN, type="unauthorized_disabled_token")
    if token.user.is_disabled:
        raise Unauthorized(Code.USER_DISABLED, type="unauthorized_disabled_token")
    return _acting(actor_for_user(token.user, token.user.account))


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
