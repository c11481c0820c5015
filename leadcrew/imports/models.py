from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class Import(TenantModel):
    """One spreadsheet imported for real (a dry run leaves no trace): what was read, what was
    created and the rows refused with why. The leads it created are the changes of its bulk
    action, which logs it and undoes it."""

    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # The refused rows as the answer gave them ({row, column, value, code, message}), the first
    # MAX_STORED_ERRORS of them.
    errors = models.JSONField(default=list, blank=True)
    bulk_action = models.ForeignKey(
        "bulk.BulkAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at", "-id"])]

    def __str__(self) -> str:
        return self.file_name
