import hashlib
import secrets
import zoneinfo
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class Edition(models.TextChoices):
    ESSENTIALS = "essentials", "Essentials"
    DREAM_TEAM = "dream_team", "Dream Team"


class Privacy(models.TextChoices):
    EVERYTHING_SHARED = "everything_shared", "Every user sees every lead"
    ADMINS_ONLY = "admins_only", "Only admins can see others' items"


class Assignment(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    ADMINS_ONLY = "admins_only", "Admins only"


class TeamPrivacy(models.TextChoices):
    ADMINS_ONLY = "admins_only", "Only admins can see everything inside teams"
    MANAGERS_ONLY = "managers_only", "Only team managers can see everything inside teams"
    TEAM_SHARED = "team_shared", "Everything is shared between members of the same team"


class TeamAssignment(models.TextChoices):
    ADMINS = "admins", "Admins"
    MANAGERS = "managers", "Team managers"
    USERS = "users", "Team members"


class Locale(models.TextChoices):
    EN = "en", "English"
    FR = "fr", "Français"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Account(models.Model):
    """A company: the tenant every business row belongs to, with its privacy settings."""

    name = models.CharField(max_length=200)
    edition = models.CharField(max_length=20, choices=Edition.choices, default=Edition.ESSENTIALS)
    time_zone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="EUR")
    privacy = models.CharField(
        max_length=20, choices=Privacy.choices, default=Privacy.EVERYTHING_SHARED
    )
    assignment = models.CharField(
        max_length=20, choices=Assignment.choices, default=Assignment.EVERYONE
    )
    teams_enabled = models.BooleanField(default=False)
    team_privacy = models.CharField(
        max_length=20, choices=TeamPrivacy.choices, default=TeamPrivacy.MANAGERS_ONLY
    )
    team_assignment = models.CharField(
        max_length=20, choices=TeamAssignment.choices, default=TeamAssignment.MANAGERS
    )
    only_admins_export_leads = models.BooleanField(default=False)
    only_admins_delete_leads = models.BooleanField(default=False)
    only_admins_delete_comments = models.BooleanField(default=False)
    only_admins_delete_client_folders = models.BooleanField(default=False)
    only_admins_export_client_folders = models.BooleanField(default=False)
    webhook_secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(teams_enabled=False) | models.Q(edition=Edition.DREAM_TEAM),
                name="teams_need_dream_team",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def teams_layer_on(self) -> bool:
        return self.edition == Edition.DREAM_TEAM and self.teams_enabled

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    """A person of one account, who logs in by e-mail. Team manager is a membership flag."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="users")
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    locale = models.CharField(max_length=2, choices=Locale.choices, default=Locale.EN)
    # The reference API's user profile: contact numbers, a job title, their own time zone
    # ("" means the account's) and a picture's address; empty when unknown.
    phone = models.CharField(max_length=50, blank=True, default="")
    mobile_phone = models.CharField(max_length=50, blank=True, default="")
    job_title = models.CharField(max_length=100, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
    avatar_url = models.URLField(max_length=500, blank=True, default="")
    is_admin = models.BooleanField(default=False)
    is_disabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        indexes = [models.Index(fields=["account", "email"])]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return not self.is_disabled

    @property
    def has_activated(self) -> bool:
        """The user can log in: they have a password (a user created without one cannot yet)."""
        return self.has_usable_password()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def hash_secret(secret: str) -> str:
    """Keys and tokens are long random strings, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(TenantModel):
    """An account key created by an admin; it acts with admin rights. Only its hash is kept."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class UserToken(TenantModel):
    """A token acting as one user with exactly that user's rights, valid 30 days or until logout."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)


class WebSession(AbstractBaseSession):
    """A browser session of the web app (SESSION_ENGINE = leadcrew.accounts.sessions): Django's
    database session with the id of the user it logs in, so that disabling or deleting a user
    deletes their sessions in one statement instead of decoding every session of every
    account. Not a foreign key: a session exists before anyone logs in, and outlives nothing."""

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from leadcrew.accounts.sessions import SessionStore

        return SessionStore
