"""Writes on accounts, users and credentials. One transaction each."""

import re
import secrets
import zoneinfo
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from leadcrew.access.actor import Actor, actor_for_user
from leadcrew.accounts.login_slots import password_check_slot
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
from leadcrew.accounts.selectors import ensure_admin, user_get
from leadcrew.accounts.sessions import user_sessions_end
from leadcrew.accounts.throttle import (
    login_failure_record,
    login_success_record,
    login_throttle_check,
)
from leadcrew.activities.services import activity_types_create_default
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.contacts.services import fields_create_default
from leadcrew.core.errors import (
    AlreadyExists,
    Code,
    Forbidden,
    InvalidParameter,
    NotFound,
    Unauthorized,
)
from leadcrew.core.lookups import user_lookup
from leadcrew.leads.models import Pipeline, Step

TOKEN_LIFETIME = timedelta(days=30)
# How stale an API key's last_used_at may be: recording every use would turn every read
# request into a write on the same row.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_KEY_NAME_LENGTH = 100
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
        raise AlreadyExists(Code.EMAIL_TAKEN, existing_id=existing.pk, field="email")
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
    fields_create_default(account)
    activity_types_create_default(account)
    # The first key is logged like any other, as created by the new admin.
    _, raw_key = api_key_create(actor=actor_for_user(admin, account), name="Default key")
    return NewAccount(account=account, admin=admin, api_key=raw_key)


# --- API keys ----------------------------------------------------------------------------------


def _key_details(key: ApiKey) -> dict[str, object]:
    return {"api_key_id": key.pk, "name": key.name, "prefix": key.prefix}


@transaction.atomic
def api_key_create(*, actor: Actor, name: str) -> tuple[ApiKey, str]:
    """Returns the key and its secret, which is shown once and never stored in clear. The key
    acts as an admin of the actor's account."""
    ensure_admin(actor)
    name = name.strip()
    if not name:
        raise InvalidParameter("name", Code.BLANK)
    if len(name) > MAX_KEY_NAME_LENGTH:
        raise InvalidParameter("name", Code.TOO_LONG, max=MAX_KEY_NAME_LENGTH)
    raw = "lc_" + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        account_id=actor.account_id,
        name=name,
        prefix=raw[:8],
        key_hash=hash_secret(raw),
        created_by_id=actor.user_id,
    )
    sensitive_action_record(
        actor=actor, action=SensitiveActionType.API_KEY_CREATED, details=_key_details(key)
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor: Actor, key_id: int) -> ApiKey:
    """Revokes the key at once. Revoking a revoked key changes nothing and is not logged again;
    the row stays, so the log and the key list still say which key it was."""
    ensure_admin(actor)
    # Locked so that two concurrent revocations log one entry.
    key = ApiKey.objects.select_for_update().filter(account_id=actor.account_id, pk=key_id).first()
    if key is None:
        raise NotFound("API key")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        sensitive_action_record(
            actor=actor, action=SensitiveActionType.API_KEY_REVOKED, details=_key_details(key)
        )
    return key


def api_key_revoke_own(*, actor: Actor) -> ApiKey:
    """The key making the request revokes itself (POST /auth/revoke_api_key: an integration
    disconnecting). A user token is no key: 401 `not_api_key`, as webhooks answer it."""
    if actor.api_key_id is None:
        raise Unauthorized(Code.NOT_API_KEY, type="not_api_key")
    return api_key_revoke(actor=actor, key_id=actor.api_key_id)


def api_key_mark_used(*, key: ApiKey) -> None:
    """Records that the key authenticated a request, to the minute (LAST_USED_PRECISION)."""
    now = timezone.now()
    stale = now - LAST_USED_PRECISION
    if key.last_used_at is not None and key.last_used_at > stale:
        return
    # The condition is repeated in the UPDATE so that concurrent requests write it once.
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    key.last_used_at = now


def user_token_issue(*, user: User) -> str:
    if user.is_disabled:
        raise Unauthorized(Code.USER_DISABLED, type="unauthorized_disabled_token")
    raw = secrets.token_urlsafe(32)
    UserToken.objects.create(
        account_id=user.account_id,
        user=user,
        token_hash=hash_secret(raw),
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return raw


def user_tokens_revoke_all(*, user: User) -> None:
    """Every API token of the user stops working: after a password change or when disabled."""
    UserToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_token_revoke(*, raw_token: str) -> None:
    UserToken.objects.filter(token_hash=hash_secret(raw_token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- Logging in --------------------------------------------------------------------------------


def user_authenticate(*, email: str, password: str, address: str) -> User:
    """The user with these credentials (the API's token login and the web's session login),
    logging in from the client address `address`. A disabled user learns that they are disabled
    only once the password is right, so the answer tells a stranger nothing.

    Throttled (leadcrew/accounts/throttle.py): while the e-mail or the address is locked after
    too many failures, refuses with RateLimited before hashing anything; so it does while the
    machine already checks as many passwords as it allows at once (login_slots.py). Runs
    outside any transaction, so that a refusal never rolls back the count of the failure."""
    login_throttle_check(email=email, address=address)
    try:
        with password_check_slot():
            user = _authenticated_user(email=email, password=password)
    except Unauthorized:
        login_failure_record(email=email, address=address)
        raise
    login_success_record(email=email, address=address)
    return user


def _authenticated_user(*, email: str, password: str) -> User:
    user = authenticate(None, username=email, password=password)
    if isinstance(user, User):
        return user
    disabled = User.objects.filter(email__iexact=email, is_disabled=True).first()
    if disabled is not None and disabled.check_password(password):
        raise Unauthorized(Code.USER_DISABLED, type="unauthorized_disabled_token")
    raise Unauthorized(Code.WRONG_CREDENTIALS, type="unauthorized_invalid_token")


def user_login(*, email: str, password: str, address: str) -> str:
    """A token for the user with these credentials (see user_authenticate)."""
    return user_token_issue(user=user_authenticate(email=email, password=password, address=address))


@transaction.atomic
def user_log_as(*, actor: Actor, user_ref: int | str) -> str:
    """A token acting as another user of the account, for admins and account keys. Logged as
    `log_as` (who acted, as whom): the token carries that user's rights, and what is done with
    it is recorded under their name."""
    ensure_admin(actor)
    user = user_lookup(actor, user_ref)
    if user.is_disabled:
        raise Forbidden(Code.LOG_AS_DISABLED)
    token = user_token_issue(user=user)
    _record_user_action(actor, SensitiveActionType.LOG_AS, user)
    return token


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
        raise InvalidParameter("email", Code.INVALID_EMAIL) from None
    return email


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise InvalidParameter(
            "password", Code.INVALID_PASSWORD, reasons=" ".join(exc.messages)
        ) from None


@dataclass(frozen=True)
class UserProfile:
    """The reference API's profile fields of a user; None leaves a field as it is, "" clears
    it."""

    phone: str | None = None
    mobile_phone: str | None = None
    job_title: str | None = None
    time_zone: str | None = None
    avatar_url: str | None = None


PROFILE_LENGTHS = {"phone": 50, "mobile_phone": 50, "job_title": 100, "time_zone": 64}
MAX_AVATAR_URL_LENGTH = 500


def _profile_apply(user: User, profile: UserProfile) -> None:
    """Checks the given fields and sets them on `user`, unsaved: all of them or none."""
    values = {f.name: getattr(profile, f.name) for f in fields(profile)}
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        value = value.strip()
        limit = PROFILE_LENGTHS.get(name, MAX_AVATAR_URL_LENGTH)
        if len(value) > limit:
            raise InvalidParameter(name, Code.TOO_LONG, max=limit)
        cleaned[name] = value
    zone = cleaned.get("time_zone")
    if zone and zone not in zoneinfo.available_timezones():
        raise InvalidParameter("time_zone", Code.INVALID_TIME_ZONE)
    avatar = cleaned.get("avatar_url")
    if avatar:
        try:
            URLValidator(schemes=["http", "https"])(avatar)
        except DjangoValidationError:
            raise InvalidParameter("avatar_url", Code.INVALID_URL) from None
    for name, value in cleaned.items():
        setattr(user, name, value)


def user_profile_set(*, user: User, profile: UserProfile) -> User:
    """A user's own profile (the web's profile page): no admin right needed."""
    _profile_apply(user, profile)
    user.save()
    return user


def _check_locale(locale: str) -> None:
    if locale not in Locale.values:
        raise InvalidParameter("locale", Code.NOT_ONE_OF, choices=", ".join(Locale.values))


def _lock_account(actor: Actor) -> Account:
    """Serializes the writes that check an account-wide invariant (one default pipeline, at
    least one active admin) so two concurrent requests cannot both pass the check."""
    return Account.objects.select_for_update(no_key=True).get(pk=actor.account_id)


def _ensure_another_active_admin(account: Account, user: User) -> None:
    others = User.objects.filter(account=account, is_admin=True, is_disabled=False).exclude(
        pk=user.pk
    )
    if not others.exists():
        raise Forbidden(Code.LAST_ACTIVE_ADMIN)


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
    profile: UserProfile | None = None,
) -> User:
    """A new user of the actor's account. Without a password the user cannot log in until an
    admin sets one (an admin may still act as them with log_as).

    Creating an admin is logged as `admin_changed` (details `new_user: true`): granting admin
    rights leaves a trace whether it goes to an existing user or to a new one. Creating a plain
    user is not a sensitive action."""
    ensure_admin(actor)
    email = _check_email(email)
    _check_locale(locale)
    if password is not None:
        # Unsaved: the similarity validator compares the password with the e-mail and names.
        _check_password(password, User(email=email, first_name=first_name, last_name=last_name))
    new = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_admin=is_admin,
        locale=locale,
        password=make_password(password),
    )
    _profile_apply(new, profile or UserProfile())
    account = _lock_account(actor)
    _ensure_email_free(account, email)
    try:
        with transaction.atomic():
            new.account = account
            new.save(force_insert=True)
            user = new
    except IntegrityError:
        # Another account created the same e-mail between our check and our insert.
        _ensure_email_free(account, email)
        raise
    if is_admin:
        _record_user_action(
            actor, SensitiveActionType.ADMIN_CHANGED, user, is_admin=True, new_user=True
        )
    return user


@dataclass(frozen=True, kw_only=True)
class ImportedUser:
    """A user as another account (a noCRM-compatible API) describes them."""

    email: str
    first_name: str
    last_name: str
    is_admin: bool
    locale: str
    is_disabled: bool
    created_at: datetime | None = None
    phone: str = ""
    mobile_phone: str = ""
    job_title: str = ""
    time_zone: str = ""  # "" is the account's


def _imported_profile(data: ImportedUser) -> dict[str, str]:
    """The profile as the columns hold it: cut to their lengths, an unknown zone left out."""
    zone = data.time_zone if data.time_zone in zoneinfo.available_timezones() else ""
    return {
        "phone": data.phone.strip()[:50],
        "mobile_phone": data.mobile_phone.strip()[:50],
        "job_title": data.job_title.strip()[:100],
        "time_zone": zone,
    }


@transaction.atomic
def user_import(
    *, actor: Actor, data: ImportedUser, user_id: int | None = None
) -> tuple[User, bool]:
    """Creates (without `user_id`) or updates a user copied from another account, and answers
    whether anything changed. An imported user has no password: they cannot log in until an
    admin enables them and sets one, whatever `is_disabled` says. An update never enables a
    user (that is the admin's decision, an invitation) but follows the source when it
    disables one. Granting admin rights is logged as `admin_changed`, as by hand."""
    ensure_admin(actor)
    _check_locale(data.locale)
    account = _lock_account(actor)
    if user_id is None:
        email = _check_email(data.email)
        _ensure_email_free(account, email)
        user = User.objects.create(
            account=account,
            email=email,
            first_name=data.first_name.strip(),
            last_name=data.last_name.strip(),
            is_admin=data.is_admin,
            is_disabled=data.is_disabled,
            locale=data.locale,
            password=make_password(None),
            created_at=data.created_at or timezone.now(),
            **_imported_profile(data),
        )
        if data.is_admin:
            _record_user_action(
                actor, SensitiveActionType.ADMIN_CHANGED, user, is_admin=True, new_user=True
            )
        return user, True
    user = user_get(actor=actor, user_id=user_id)
    profile = _imported_profile(data)
    before = (user.first_name, user.last_name, user.locale, user.is_admin, user.is_disabled)
    profile_before = {name: getattr(user, name) for name in profile}
    user.first_name, user.last_name = data.first_name.strip(), data.last_name.strip()
    user.locale = data.locale
    for name, value in profile.items():
        setattr(user, name, value)
    if data.is_admin != user.is_admin:
        if not data.is_admin:
            _ensure_another_active_admin(account, user)
        user.is_admin = data.is_admin
        _record_user_action(actor, SensitiveActionType.ADMIN_CHANGED, user, is_admin=user.is_admin)
    if data.is_disabled and not user.is_disabled:
        if user.pk == actor.user_id:
            raise Forbidden(Code.DISABLE_SELF)
        if user.is_admin:
            _ensure_another_active_admin(account, user)
        user.is_disabled = True
        _record_user_action(actor, SensitiveActionType.USER_DISABLED, user)
        user_tokens_revoke_all(user=user)
        user_sessions_end(user_id=user.pk)
    changed = profile_before != profile or before != (
        user.first_name,
        user.last_name,
        user.locale,
        user.is_admin,
        user.is_disabled,
    )
    if changed:
        user.save()
    return user, changed


def _record_user_action(
    actor: Actor, action: SensitiveActionType, user: User, **extra: object
) -> None:
    details: dict[str, object] = {"user_id": user.pk, "email": user.email, **extra}
    sensitive_action_record(actor=actor, action=action, details=details)


def _ensure_email_free(account: Account, email: str) -> None:
    existing = User.objects.filter(email__iexact=email).only("pk", "account_id").first()
    if existing is not None:
        raise AlreadyExists(
            Code.EMAIL_TAKEN,
            existing_id=existing.pk if existing.account_id == account.pk else None,
            field="email",
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
    profile: UserProfile | None = None,
) -> User:
    """Changes the given fields; None leaves a field as it is."""
    ensure_admin(actor)
    account = _lock_account(actor)
    user = user_get(actor=actor, user_id=user_id)
    _profile_apply(user, profile or UserProfile())
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
        user_tokens_revoke_all(user=user)  # whoever held the old password loses access
    if is_admin is False and user.is_admin:
        if user.pk == actor.user_id:
            raise Forbidden(Code.OWN_ADMIN_RIGHTS)
        _ensure_another_active_admin(account, user)
    admin_flipped = is_admin is not None and is_admin != user.is_admin
    if is_admin is not None:
        user.is_admin = is_admin
    user.save()
    if admin_flipped:
        _record_user_action(actor, SensitiveActionType.ADMIN_CHANGED, user, is_admin=user.is_admin)
    return user_get(actor=actor, user_id=user.pk)


def user_locale_set(*, user: User, locale: str) -> User:
    """A user's own choice of interface language: no admin right needed."""
    _check_locale(locale)
    if user.locale != locale:
        user.locale = locale
        user.save(update_fields=["locale", "updated_at"])
    return user


@transaction.atomic
def user_disable(*, actor: Actor, user_id: int) -> User:
    """A disabled user cannot log in, their tokens stop working and their web sessions end at
    once (enabling them again brings none of those back); their leads, history and
    memberships stay."""
    ensure_admin(actor)
    account = _lock_account(actor)
    user = user_get(actor=actor, user_id=user_id)
    if user.pk == actor.user_id:
        raise Forbidden(Code.DISABLE_SELF)
    if user.is_admin and not user.is_disabled:
        _ensure_another_active_admin(account, user)
    if not user.is_disabled:
        user.is_disabled = True
        user.save(update_fields=["is_disabled", "updated_at"])
        _record_user_action(actor, SensitiveActionType.USER_DISABLED, user)
    user_tokens_revoke_all(user=user)
    user_sessions_end(user_id=user.pk)
    return user_get(actor=actor, user_id=user.pk)


@transaction.atomic
def user_enable(*, actor: Actor, user_id: int) -> User:
    ensure_admin(actor)
    user = user_get(actor=actor, user_id=user_id)
    if user.is_disabled:
        user.is_disabled = False
        user.save(update_fields=["is_disabled", "updated_at"])
        _record_user_action(actor, SensitiveActionType.USER_ENABLED, user)
    return user_get(actor=actor, user_id=user.pk)


# --- Account settings --------------------------------------------------------------------------

CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, kw_only=True)
class SettingsChange:
    """A change of account settings, as the API, the web form and the preview all give it: any
    subset of the settings, None leaving a setting as it is. Every field is also a setting
    whose changes are logged."""

    name: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    edition: str | None = None
    privacy: str | None = None
    assignment: str | None = None
    teams_enabled: bool | None = None
    team_privacy: str | None = None
    team_assignment: str | None = None
    only_admins_export_leads: bool | None = None
    only_admins_delete_leads: bool | None = None
    only_admins_delete_comments: bool | None = None
    only_admins_delete_client_folders: bool | None = None
    only_admins_export_client_folders: bool | None = None


LOGGED_SETTINGS = tuple(field.name for field in fields(SettingsChange))
# The settings that exist only in the dream_team edition.
DREAM_TEAM_FLAGS = (
    "teams_enabled",
    "only_admins_export_leads",
    "only_admins_delete_leads",
    "only_admins_delete_comments",
    "only_admins_delete_client_folders",
    "only_admins_export_client_folders",
)


def _check_choice(field: str, value: str, choices: list[str]) -> None:
    if value not in choices:
        raise InvalidParameter(field, Code.NOT_ONE_OF, choices=", ".join(choices))


def account_settings_apply(account: Account, change: SettingsChange) -> None:
    """Checks the change and sets it on `account`, without saving it: the one validation of a
    settings change, shared by the update and its preview."""
    if change.name is not None:
        if not change.name.strip():
            raise InvalidParameter("name", Code.BLANK)
        account.name = change.name.strip()
    if change.time_zone is not None:
        if change.time_zone not in zoneinfo.available_timezones():
            raise InvalidParameter("time_zone", Code.INVALID_TIME_ZONE)
        account.time_zone = change.time_zone
    if change.currency is not None:
        currency = change.currency.strip().upper()
        if not CURRENCY.fullmatch(currency):
            raise InvalidParameter("currency", Code.INVALID_CURRENCY)
        account.currency = currency
    for field, value, choices in (
        ("edition", change.edition, Edition.values),
        ("privacy", change.privacy, Privacy.values),
        ("assignment", change.assignment, Assignment.values),
        ("team_privacy", change.team_privacy, TeamPrivacy.values),
        ("team_assignment", change.team_assignment, TeamAssignment.values),
    ):
        if value is not None:
            _check_choice(field, value, choices)
            setattr(account, field, value)
    for flag in DREAM_TEAM_FLAGS:
        wanted = getattr(change, flag)
        if account.edition != Edition.DREAM_TEAM:
            # The teams layer and the security toggles exist only in dream_team: switching down
            # turns them off (teams and memberships are kept for a switch back up).
            if wanted:
                raise Forbidden(Code.DREAM_TEAM_ONLY, field=flag)
            setattr(account, flag, False)
        elif wanted is not None:
            setattr(account, flag, wanted)


@transaction.atomic
def account_settings_update(*, actor: Actor, change: SettingsChange) -> Account:
    """Changes the given settings. Nothing is cached: the actor of the next request is built
    from the saved values. The settings that really changed are logged as one
    `settings_changed` entry, `{"changes": {key: [old, new]}}`."""
    ensure_admin(actor)
    account = _lock_account(actor)
    before = _settings_snapshot(account)
    account_settings_apply(account, change)
    account.save()
    _record_settings_changes(actor, before, _settings_snapshot(account))
    return account


def _settings_snapshot(account: Account) -> dict[str, object]:
    return {key: getattr(account, key) for key in LOGGED_SETTINGS}


def _record_settings_changes(
    actor: Actor, before: dict[str, object], after: dict[str, object]
) -> None:
    changes = {
        key: [before[key], after[key]] for key in LOGGED_SETTINGS if before[key] != after[key]
    }
    if changes:
        sensitive_action_record(
            actor=actor,
            action=SensitiveActionType.SETTINGS_CHANGED,
            details={"changes": changes},
        )


# --- Expired tokens ----------------------------------------------------------------------------


def user_tokens_purge_expired() -> int:
    """Deletes, in every account, the user tokens past their expiry date (logged out or not):
    they can never authenticate again, and a client sending one gets the same answer without its
    row. Run by the reminder scheduler; safe to run from several at once. Returns how many were
    deleted."""
    deleted, _ = UserToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
