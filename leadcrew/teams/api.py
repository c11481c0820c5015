"""/api/v2/teams: thin routes over the team services and selectors. Every route answers 403
forbidden_action while the teams layer is off."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Status

from leadcrew.access.actor import Actor
from leadcrew.core.api_types import ApiRequest, Id, Paging, paginate
from leadcrew.teams import selectors, services
from leadcrew.teams.schemas import (
    MemberAddIn,
    MemberRemoveIn,
    TeamDeletedOut,
    TeamIn,
    TeamOut,
    TeamSettingsIn,
    TeamUpdateIn,
    team_out,
)

router = Router(tags=["Teams"])


def _answer(actor: Actor, team_id: int) -> dict[str, Any]:
    # Read again after the write, with the members, so the answer shows the saved state.
    return team_out(selectors.team_get(actor=actor, team_id=team_id))


@router.get("/teams", response=list[TeamOut])
def list_teams(
    request: ApiRequest, response: HttpResponse, paging: Query[Paging]
) -> list[dict[str, Any]]:
    """Admins and users alike may list teams."""
    teams = selectors.team_list(actor=request.auth)
    return [team_out(team) for team in paginate(teams, paging, response)]


@router.get("/teams/{id}", response=TeamOut)
def get_team(request: ApiRequest, id: Id) -> dict[str, Any]:
    return team_out(selectors.team_get(actor=request.auth, team_id=id))


@router.post("/teams", response={201: TeamOut})
def create_team(request: ApiRequest, payload: TeamIn) -> Status[dict[str, Any]]:
    actor = request.auth
    team = services.team_create(actor=actor, name=payload.name)
    return Status(201, _answer(actor, team.pk))


@router.put("/teams/{id}", response=TeamOut)
def update_team(request: ApiRequest, id: Id, payload: TeamUpdateIn) -> dict[str, Any]:
    actor = request.auth
    services.team_update(actor=actor, team_id=id, name=payload.name)
    return _answer(actor, id)


@router.delete("/teams/{id}", response=TeamDeletedOut)
def delete_team(request: ApiRequest, id: Id) -> dict[str, Any]:
    """Deletes no lead and no user: the team's leads keep their owner and lose their team."""
    services.team_delete(actor=request.auth, team_id=id)
    return {"id": id}


@router.post("/teams/{id}/add_member", response=TeamOut)
def add_member(request: ApiRequest, id: Id, payload: MemberAddIn) -> dict[str, Any]:
    """Adds a member, or changes an existing member's `is_manager` flag."""
    actor = request.auth
    services.team_member_add(
        actor=actor, team_id=id, user_ref=payload.user_id, is_manager=payload.is_manager
    )
    return _answer(actor, id)


@router.delete("/teams/{id}/remove_member", response=TeamOut)
def remove_member(request: ApiRequest, id: Id, payload: MemberRemoveIn) -> dict[str, Any]:
    """The member's leads stay in the team."""
    actor = request.auth
    services.team_member_remove(actor=actor, team_id=id, user_ref=payload.user_id)
    return _answer(actor, id)


@router.put("/teams/{id}/settings", response=TeamOut)
def update_team_settings(request: ApiRequest, id: Id, payload: TeamSettingsIn) -> dict[str, Any]:
    actor = request.auth
    services.team_settings_update(actor=actor, team_id=id, round_robin=payload.round_robin)
    return _answer(actor, id)
