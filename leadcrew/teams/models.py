from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class Team(TenantModel):
    """A sub-group of an account's users; a lead belongs to at most one team."""

    name = models.CharField(max_length=100)
    # Round-robin dispatch: new unassigned leads of the team go to its active members in turn.
    round_robin = models.BooleanField(default=False)
    last_dispatched_to = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="team_name_unique_in_account")
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    """A user in a team; `is_manager` makes them one of the team's managers."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="memberships")
    is_manager = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")
        ]
        indexes = [models.Index(fields=["user", "team"])]
