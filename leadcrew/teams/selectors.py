"""Reads on teams. Every query starts from the actor's account, and only while the teams layer
is on."""

from django.db.models import Prefetch, QuerySet

from leadcrew.access.actor import Actor
from leadcrew.accounts.selectors import ensure_teams_on
from leadcrew.core.errors import NotFound
from leadcrew.teams.models import Membership, Team


def team_list(*, actor: Actor) -> QuerySet[Team]:
    """Every user of the account may list its teams and their members."""
    ensure_teams_on(actor)
    members = Membership.objects.select_related("user").order_by(
        "user__first_name", "user__last_name", "user_id"
    )
    return (
        Team.objects.filter(account_id=actor.account_id)
        .prefetch_related(Prefetch("memberships", queryset=members))
        .order_by("name", "id")
    )


def team_get(*, actor: Actor, team_id: int) -> Team:
    team = team_list(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound("Team")
    return team
