"""Writes on accounts, users and credentials. One transaction each."""

import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import (
    Account,
    ApiKey,
    Assignment,
    Edition,
    Locale,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
    UserToken,
    hash_secret,
)
from leadcrew.accounts.selectors import ensure_admin, user_get, user_resolve
from leadcrew.core.errors import AlreadyExists, Forbidden, InvalidParameter, Unauthorized
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


# --- Logging in --------------------------------------------------------------------------------


def user_login(*, email: str, password: str) -> str:
    """A token for the user with these credentials. A disabled user learns that they are
    disabled only once the password is right, so the answer tells a stranger nothing."""
    user = authenticate(None, username=email, password=password)
    if isinstance(user, User):
        return user_token_issue(user=user)
    disabled = User.objects.filter(email__iexact=email, is_disabled=True).first()
    if disabled is not None and disabled.check_password(password):
        raise Unauthorized("This user is disabled.", type="unauthorized_disabled_token")
    raise Unauthorized("Wrong e-mail or password.", type="unauthorized_invalid_token")


def user_log_as(*, actor: Actor, user_ref: int | str) -> str:
    """A token acting as another user of the account, for admins and account keys."""
    ensure_admin(actor)
    user = user_resolve(actor=actor, ref=user_ref)
    if user.is_disabled:
        raise Forbidden("This user is disabled: enable them before acting as them.")
    return user_token_issue(user=user)


def user_logout(*, actor: Actor, raw_token: str) -> None:
    # Only the token that authenticated this request: logging out elsewhere is not implied.
    if actor.user_id is None:
        return
    UserToken.objects.filter(
        token_hash=hash_secret(raw_token),
        user_id=actor.user_id,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())


# --- Users -------------------------------------------------------------------------------------


def _check_email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise InvalidParameter("email", "not a valid e-mail address.") from None
    return email


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise InvalidParameter("password", " ".join(exc.messages)) from None


def _check_locale(locale: str) -> None:
    if locale not in Locale.values:
        raise InvalidParameter("locale", f"must be one of {', '.join(Locale.values)}.")


def _lock_account(actor: Actor) -> Account:
    """Serializes the writes that check an account-wide invariant (one default pipeline, at
    least one active admin) so two concurrent requests cannot both pass the check."""
    return Account.objects.select_for_update().get(pk=actor.account_id)


def _ensure_another_active_admin(account: Account, user: User) -> None:
    others = User.objects.filter(account=account, is_admin=True, is_disabled=False).exclude(
        pk=user.pk
    )
    if not others.exists():
        raise Forbidden("An account keeps at least one active admin.")


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    email: str,
    is_admin: bool = False,
    password: str | None = None,
    locale: str = Locale.EN,
) -> User:
    """A new user of the actor's account. Without a password the user cannot log in until an
    admin sets one (an admin may still act as them with log_as)."""
    ensure_admin(actor)
    email = _check_email(email)
    _check_locale(locale)
    if password is not None:
        _check_password(password)
    account = _lock_account(actor)
    _ensure_email_free(account, email)
    try:
        with transaction.atomic():
            return User.objects.create(
                account=account,
                email=email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                is_admin=is_admin,
                locale=locale,
                password=make_password(password),
            )
    except IntegrityError:
        # Another account created the same e-mail between our check and our insert.
        _ensure_email_free(account, email)
        raise


def _ensure_email_free(account: Account, email: str) -> None:
    existing = User.objects.filter(email__iexact=email).only("pk", "account_id").first()
    if existing is not None:
        raise AlreadyExists(
            "A user with this e-mail already exists.",
            existing_id=existing.pk if existing.account_id == account.pk else None,
        )


@transaction.atomic
def user_update(
    *,
    actor: Actor,
    user_id: int,
    first_name: str | None = None,
    last_name: str | None = None,
    is_admin: bool | None = None,
    locale: str | None = None,
    password: str | None = None,
) -> User:
    """Changes the given fields; None leaves a field as it is."""
    ensure_admin(actor)
    account = _lock_account(actor)
    user = user_get(actor=actor, user_id=user_id)
    if first_name is not None:
        user.first_name = first_name.strip()
    if last_name is not None:
        user.last_name = last_name.strip()
    if locale is not None:
        _check_locale(locale)
        user.locale = locale
    if password is not None:
        _check_password(password, user)
        user.set_password(password)
    if is_admin is False and user.is_admin:
        if user.pk == actor.user_id:
            raise Forbidden("You cannot remove your own admin rights.")
        _ensure_another_active_admin(account, user)
    if is_admin is not None:
        user.is_admin = is_admin
    user.save()
    return user_get(actor=actor, user_id=user.pk)


@transaction.atomic
def user_disable(*, actor: Actor, user_id: int) -> User:
    """A disabled user cannot log in and their tokens stop working at once; their leads,
    history and memberships stay."""
    ensure_admin(actor)
    account = _lock_account(actor)
    user = user_get(actor=actor, user_id=user_id)
    if user.pk == actor.user_id:
        raise Forbidden("You cannot disable yourself.")
    if user.is_admin and not user.is_disabled:
        _ensure_another_active_admin(account, user)
    if not user.is_disabled:
        user.is_disabled = True
        user.save(update_fields=["is_disabled", "updated_at"])
    UserToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return user_get(actor=actor, user_id=user.pk)


@transaction.atomic
def user_enable(*, actor: Actor, user_id: int) -> User:
    ensure_admin(actor)
    user = user_get(actor=actor, user_id=user_id)
    if user.is_disabled:
        user.is_disabled = False
        user.save(update_fields=["is_disabled", "updated_at"])
    return user_get(actor=actor, user_id=user.pk)


# --- Account settings --------------------------------------------------------------------------

CURRENCY = re.compile(r"[A-Z]{3}")


def _check_choice(field: str, value: str, choices: list[str]) -> None:
    if value not in choices:
        raise InvalidParameter(field, f"must be one of {', '.join(choices)}.")


@transaction.atomic
def account_settings_update(
    *,
    actor: Actor,
    name: str | None = None,
    time_zone: str | None = None,
    currency: str | None = None,
    edition: str | None = None,
    privacy: str | None = None,
    assignment: str | None = None,
    teams_enabled: bool | None = None,
    team_privacy: str | None = None,
    team_assignment: str | None = None,
    only_admins_export_leads: bool | None = None,
    only_admins_delete_leads: bool | None = None,
) -> Account:
    """Changes the given settings; None leaves a setting as it is. Nothing is cached: the
    actor of the next request is built from the saved values."""
    ensure_admin(actor)
    account = _lock_account(actor)
    if name is not None:
        if not name.strip():
            raise InvalidParameter("name", "must not be blank.")
        account.name = name.strip()
    if time_zone is not None:
        if time_zone not in zoneinfo.available_timezones():
            raise InvalidParameter("time_zone", "not a known time zone (e.g. Europe/Paris).")
        account.time_zone = time_zone
    if currency is not None:
        currency = currency.strip().upper()
        if not CURRENCY.fullmatch(currency):
            raise InvalidParameter("currency", "must be a three-letter code (e.g. EUR).")
        account.currency = currency
    for field, value, choices in (
        ("edition", edition, Edition.values),
        ("privacy", privacy, Privacy.values),
        ("assignment", assignment, Assignment.values),
        ("team_privacy", team_privacy, TeamPrivacy.values),
        ("team_assignment", team_assignment, TeamAssignment.values),
    ):
        if value is not None:
            _check_choice(field, value, choices)
            setattr(account, field, value)
    if account.edition != Edition.DREAM_TEAM:
        # The teams layer and the security toggles exist only in dream_team: switching down
        # turns them off (teams and memberships are kept for a switch back up).
        for flag, wanted in (
            ("teams_enabled", teams_enabled),
            ("only_admins_export_leads", only_admins_export_leads),
            ("only_admins_delete_leads", only_admins_delete_leads),
        ):
            if wanted:
                raise Forbidden(f"{flag} needs the dream_team edition.")
            setattr(account, flag, False)
    else:
        if teams_enabled is not None:
            account.teams_enabled = teams_enabled
        if only_admins_export_leads is not None:
            account.only_admins_export_leads = only_admins_export_leads
        if only_admins_delete_leads is not None:
            account.only_admins_delete_leads = only_admins_delete_leads
    account.save()
    return account
