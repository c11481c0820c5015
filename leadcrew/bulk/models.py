from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class BulkActionType(models.TextChoices):
    ASSIGN = "assign", "Assign"
    PLACE_IN_TEAM = "place_in_team", "Place in team"
    SET_STATUS = "set_status", "Change status"
    MOVE_TO_STEP = "move_to_step", "Move to step"
    ADD_TAGS = "add_tags", "Add tags"
    REMOVE_TAGS = "remove_tags", "Remove tags"
    STAR = "star", "Star"
    UNSTAR = "unstar", "Unstar"
    DELETE = "delete", "Delete"
    RESTORE = "restore", "Restore"
    EXPORT = "export", "Export"
    IMPORT = "import", "Import"


class BulkAction(TenantModel):
    """One bulk action: a single logged event, undoable by its author or an admin."""

    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=BulkActionType.choices)
    params = models.JSONField(default=dict)
    matched = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored = models.PositiveIntegerField(null=True, blank=True)
    left_changed = models.PositiveIntegerField(null=True, blank=True)
    # What the undo left as it was, per reason (`no_longer_allowed`, `changed_since`).
    undo_skipped = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"]),
            models.Index(fields=["account", "actor", "-created_at", "-id"]),
        ]


class BulkChange(TenantModel):
    """A lead a bulk action changed, with the values it had before, for undo. `changed_at` is
    the lead's `updated_at` right after the action: a lead modified since is left alone."""

    bulk_action = models.ForeignKey(BulkAction, on_delete=models.CASCADE, related_name="changes")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    old_owner_id = models.BigIntegerField(null=True)
    old_team_id = models.BigIntegerField(null=True)
    old_status = models.CharField(max_length=10, blank=True)
    old_step_id = models.BigIntegerField(null=True)
    old_starred = models.BooleanField(default=False)
    old_remind_date = models.DateField(null=True)
    old_remind_time = models.TimeField(null=True)
    old_next_action_at = models.DateTimeField(null=True)
    old_closed_at = models.DateTimeField(null=True)
    old_deleted_at = models.DateTimeField(null=True)
    changed_at = models.DateTimeField(null=True)
    # Set by an undo on the leads it put back (those not modified since the action).
    undone = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bulk_action", "lead"], name="one_change_per_lead")
        ]


class BulkTagChange(TenantModel):
    """A tag a bulk action added to or removed from a lead."""

    bulk_action = models.ForeignKey(
        BulkAction, on_delete=models.CASCADE, related_name="tag_changes"
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
