"""API shapes of teams (docs/api.md), and the function that renders a team into one."""

from typing import Any

from ninja import Schema

from leadcrew.core.api_types import Name, Timestamp, UserRef, format_datetime
from leadcrew.teams.models import Team


class TeamMemberOut(Schema):
    id: int
    firstname: str
    lastname: str
    email: str
    is_manager: bool


class TeamOut(Schema):
    id: int
    name: str
    round_robin: bool
    created_at: Timestamp
    updated_at: Timestamp
    users: list[TeamMemberOut]


class TeamIn(Schema):
    name: Name


class TeamUpdateIn(Schema):
    """A missing or null name is left as it is."""

    name: Name | None = None


class MemberAddIn(Schema):
    user_id: UserRef
    is_manager: bool | None = None


class MemberRemoveIn(Schema):
    user_id: UserRef


class TeamSettingsIn(Schema):
    round_robin: bool | None = None


class TeamDeletedOut(Schema):
    id: int


def team_out(team: Team) -> dict[str, Any]:
    """The team object of docs/api.md (plus `round_robin`). Needs the memberships prefetched with
    their user (see teams.selectors.team_list)."""
    return {
        "id": team.pk,
        "name": team.name,
        "round_robin": team.round_robin,
        "created_at": format_datetime(team.created_at),
        "updated_at": format_datetime(team.updated_at),
        "users": [
            {
                "id": m.user_id,
                "firstname": m.user.first_name,
                "lastname": m.user.last_name,
                "email": m.user.email,
                "is_manager": m.is_manager,
            }
            for m in team.memberships.all()
        ],
    }
