"""API shapes of users, credentials and account settings (docs/api.md), and the functions that
render models into them."""

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from leadcrew.access.preview import AccessChange
from leadcrew.accounts.models import Account, ApiKey, User
from leadcrew.accounts.services import SettingsChange, UserProfile
from leadcrew.core.api_types import (
    Direction,
    Name,
    ShortText,
    Text,
    Timestamp,
    format_datetime,
)

# Literal types make the OpenAPI document list the accepted values; a test keeps them equal to
# the models' choices.
EditionIn = Literal["essentials", "dream_team"]
PrivacyIn = Literal["everything_shared", "admins_only"]
AssignmentIn = Literal["everyone", "admins_only"]
TeamPrivacyIn = Literal["admins_only", "managers_only", "team_shared"]
TeamAssignmentIn = Literal["admins", "managers", "users"]
LocaleIn = Literal["en", "fr"]

Email = Annotated[Text, Field(min_length=3, max_length=254)]
PersonName = Annotated[Text, Field(max_length=100)]
Password = Annotated[Text, Field(max_length=128)]
AccountName = Annotated[Text, Field(min_length=1, max_length=200)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
TimeZone = Annotated[Text, Field(min_length=1, max_length=64)]


class MessageOut(Schema):
    status: int
    message: str


class TokenOut(Schema):
    token: str


class UserTeamOut(Schema):
    id: int
    name: str
    is_manager: bool


class UserOut(Schema):
    id: int
    firstname: str
    lastname: str
    email: str
    phone: str | None
    mobile_phone: str | None
    job_title: str | None
    is_admin: bool
    has_activated: bool = Field(description="The user has a password and can log in")
    is_disabled: bool
    locale: str
    time_zone: str = Field(description="The user's time zone, by default the account's")
    avatar_url: str | None
    created_at: Timestamp
    updated_at: Timestamp
    teams: list[UserTeamOut]


class UserFilters(Schema):
    email: ShortText | None = None
    firstname: ShortText | None = Field(None, description="The exact first name (any case)")
    lastname: ShortText | None = Field(None, description="The exact last name (any case)")
    status: Literal["all", "activated", "deactivated"] = "all"
    role: Literal["all", "admin", "non-admin"] = "all"
    teams: ShortText | None = Field(
        None, description="Comma list of team ids or names: members of any of them"
    )
    direction: Direction = Field("asc", description="By id; asc or desc, any case")

    def team_refs(self) -> list[str] | None:
        """The `teams` filter's parts, ids or names."""
        if self.teams is None:
            return None
        return [part.strip() for part in self.teams.split(",") if part.strip()]


class UserProfileIn(Schema):
    """The profile fields; a missing or null one is left as it is, "" clears it."""

    phone: Annotated[Text, Field(max_length=50)] | None = None
    mobile_phone: Annotated[Text, Field(max_length=50)] | None = None
    job_title: Annotated[Text, Field(max_length=100)] | None = None
    time_zone: Annotated[Text, Field(max_length=64)] | None = Field(
        None, description='Like Europe/Paris; "" for the account\'s'
    )
    avatar_url: Annotated[Text, Field(max_length=500)] | None = Field(
        None, description="An http(s) address of the user's picture"
    )

    def profile(self) -> UserProfile:
        return UserProfile(
            phone=self.phone,
            mobile_phone=self.mobile_phone,
            job_title=self.job_title,
            time_zone=self.time_zone,
            avatar_url=self.avatar_url,
        )


class UserCreateIn(UserProfileIn):
    firstname: PersonName
    lastname: PersonName
    email: Email
    is_admin: bool = False
    password: Password | None = None
    locale: LocaleIn = "en"


class UserUpdateIn(UserProfileIn):
    """Any subset of the fields; a missing or null field is left as it is."""

    firstname: PersonName | None = None
    lastname: PersonName | None = None
    is_admin: bool | None = None
    locale: LocaleIn | None = None
    password: Password | None = None


class SettingsOut(Schema):
    id: int
    name: str
    time_zone: str
    currency: str
    edition: EditionIn
    privacy: PrivacyIn
    assignment: AssignmentIn
    teams_enabled: bool
    team_privacy: TeamPrivacyIn
    team_assignment: TeamAssignmentIn
    only_admins_export_leads: bool
    only_admins_delete_leads: bool
    only_admins_delete_comments: bool
    only_admins_delete_client_folders: bool
    only_admins_export_client_folders: bool
    updated_at: Timestamp


class SettingsIn(Schema):
    """Any subset of the settings; a missing or null key is left as it is."""

    name: AccountName | None = None
    time_zone: TimeZone | None = None
    currency: Currency | None = None
    edition: EditionIn | None = None
    privacy: PrivacyIn | None = None
    assignment: AssignmentIn | None = None
    teams_enabled: bool | None = None
    team_privacy: TeamPrivacyIn | None = None
    team_assignment: TeamAssignmentIn | None = None
    only_admins_export_leads: bool | None = None
    only_admins_delete_leads: bool | None = None
    only_admins_delete_comments: bool | None = None
    only_admins_delete_client_folders: bool | None = None
    only_admins_export_client_folders: bool | None = None

    def change(self) -> SettingsChange:
        return SettingsChange(**self.model_dump())


class AccessChangeOut(Schema):
    """What saving the previewed settings would change for one active user, in live leads."""

    user_id: int
    see_gained: int = Field(description="Leads the user would start seeing")
    see_lost: int = Field(description="Leads the user would stop seeing")
    edit_gained: int = Field(description="Leads the user would start being able to edit")
    edit_lost: int = Field(description="Leads the user would stop being able to edit")
    gained: int = Field(description="The same as see_gained")
    lost: int = Field(description="The same as see_lost")


class ApiKeyIn(Schema):
    name: Name


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to tell keys apart")
    created_at: Timestamp
    last_used_at: Timestamp | None = Field(description="To the minute")
    revoked_at: Timestamp | None
    created_by_id: int | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The secret: shown this once, stored only hashed")


def api_key_out(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": format_datetime(key.created_at),
        "last_used_at": format_datetime(key.last_used_at),
        "revoked_at": format_datetime(key.revoked_at),
        "created_by_id": key.created_by_id,
    }


def user_out(user: User, *, teams_on: bool) -> dict[str, Any]:
    """The user object of docs/api.md. `teams` needs the user's memberships prefetched with their
    team (see accounts.selectors.account_users), and is empty while the teams layer is off."""
    teams = (
        [
            {"id": m.team_id, "name": m.team.name, "is_manager": m.is_manager}
            for m in user.memberships.all()
        ]
        if teams_on
        else []
    )
    return {
        "id": user.pk,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "email": user.email,
        "phone": user.phone or None,
        "mobile_phone": user.mobile_phone or None,
        "job_title": user.job_title or None,
        "is_admin": user.is_admin,
        "has_activated": user.has_activated,
        "is_disabled": user.is_disabled,
        "locale": user.locale,
        "time_zone": user.time_zone or user.account.time_zone,
        "avatar_url": user.avatar_url or None,
        "created_at": format_datetime(user.created_at),
        "updated_at": format_datetime(user.updated_at),
        "teams": teams,
    }


def access_change_out(change: AccessChange) -> dict[str, Any]:
    # `gained` and `lost` are the names docs/api.md gives the visibility counts.
    return {
        "user_id": change.user_id,
        "see_gained": change.see_gained,
        "see_lost": change.see_lost,
        "edit_gained": change.edit_gained,
        "edit_lost": change.edit_lost,
        "gained": change.see_gained,
        "lost": change.see_lost,
    }


def settings_out(account: Account) -> dict[str, Any]:
    return {
        "id": account.pk,
        "name": account.name,
        "time_zone": account.time_zone,
        "currency": account.currency,
        "edition": account.edition,
        "privacy": account.privacy,
        "assignment": account.assignment,
        "teams_enabled": account.teams_enabled,
        "team_privacy": account.team_privacy,
        "team_assignment": account.team_assignment,
        "only_admins_export_leads": account.only_admins_export_leads,
        "only_admins_delete_leads": account.only_admins_delete_leads,
        "only_admins_delete_comments": account.only_admins_delete_comments,
        "only_admins_delete_client_folders": account.only_admins_delete_client_folders,
        "only_admins_export_client_folders": account.only_admins_export_client_folders,
        "updated_at": format_datetime(account.updated_at),
    }


class UserDeletedOut(Schema):
    user_id: int = Field(description="The deleted user's id, which no longer answers")
    leads: int = Field(description="Their leads handed over, the bin's included")
    reassigned_to: int | None = Field(description="Who took them; null: the unassigned pool")
