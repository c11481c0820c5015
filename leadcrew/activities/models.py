"""Activity types: what an account logs on its leads (calls, e-mails, meetings...).

An activity itself is a comment with a type (`leads.Comment.activity`), as in the reference API.
"""

from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class ActivityKind(models.TextChoices):
    """What an activity type is, whatever the account names it; sets its default icon."""

    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note"
    OTHER = "other", "Other"


# The types every new account starts with (and every account that had none got once):
# (name, kind, icon, color).
DEFAULT_TYPES = (
    ("Call", ActivityKind.CALL, "phone", "#2e7d32"),
    ("E-mail", ActivityKind.EMAIL, "envelope", "#1565c0"),
    ("Meeting", ActivityKind.MEETING, "users", "#6a1b9a"),
    ("Note", ActivityKind.NOTE, "sticky-note", "#757575"),
)


class ActivityType(TenantModel):
    """One entry of the account's list of activity types, managed by admins. A disabled type
    cannot be logged any more, but the activities already logged with it keep it: types are
    never deleted."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices, default=ActivityKind.OTHER)
    icon = models.CharField(max_length=50, blank=True, default="")
    color = models.CharField(max_length=7, blank=True, default="")
    is_disabled = models.BooleanField(default=False)
    # The reference API's sub-types; leadcrew keeps one level and creates none itself.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="activity_type_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
