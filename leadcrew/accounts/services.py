"""Writes on accounts, users and credentials. One transaction each."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from leadcrew.accounts.models import Account, ApiKey, Edition, User, UserToken, hash_secret
from leadcrew.core.errors import AlreadyExists, Unauthorized
from leadcrew.leads.models import Pipeline, Step

TOKEN_LIFETIME = timedelta(days=30)
DEFAULT_STEPS = ("Incoming", "Qualified", "Proposal", "Negotiation", "Closing")


@dataclass(frozen=True)
class NewAccount:
    account: Account
    admin: User
    api_key: str


def pipeline_create_default(account: Account) -> Pipeline:
    """Every account starts with one default pipeline, so a new lead always has a step."""
    pipeline = Pipeline.objects.create(account=account, name="Sales", is_default=True)
    Step.objects.bulk_create(
        Step(account=account, pipeline=pipeline, name=name, position=position)
        for position, name in enumerate(DEFAULT_STEPS)
    )
    return pipeline


@transaction.atomic
def account_create(
    *,
    name: str,
    admin_email: str,
    admin_password: str,
    edition: str = Edition.ESSENTIALS,
    admin_first_name: str = "",
    admin_last_name: str = "",
    time_zone: str = "UTC",
    currency: str = "EUR",
) -> NewAccount:
    existing = User.objects.filter(email__iexact=admin_email).first()
    if existing is not None:
        raise AlreadyExists("A user with this e-mail already exists.", existing_id=existing.pk)
    account = Account.objects.create(
        name=name, edition=edition, time_zone=time_zone, currency=currency
    )
    admin = User.objects.create(
        account=account,
        email=admin_email,
        first_name=admin_first_name,
        last_name=admin_last_name,
        is_admin=True,
        password=make_password(admin_password),
    )
    pipeline_create_default(account)
    _, raw_key = api_key_create(account=account, name="Default key", created_by=admin)
    return NewAccount(account=account, admin=admin, api_key=raw_key)


def api_key_create(*, account: Account, name: str, created_by: User | None) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is shown once and never stored in clear."""
    raw = "lc_" + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        account=account,
        name=name,
        prefix=raw[:8],
        key_hash=hash_secret(raw),
        created_by=created_by,
    )
    return key, raw


def api_key_revoke(*, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def user_token_issue(*, user: User) -> str:
    if user.is_disabled:
        raise Unauthorized("This user is disabled.", type="unauthorized_disabled_token")
    raw = secrets.token_urlsafe(32)
    UserToken.objects.create(
        account_id=user.account_id,
        user=user,
        token_hash=hash_secret(raw),
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return raw


def user_token_revoke(*, raw_token: str) -> None:
    UserToken.objects.filter(token_hash=hash_secret(raw_token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
