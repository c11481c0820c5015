from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class SourceKind(models.TextChoices):
    """What a source record is, in the account read from (a noCRM-compatible API)."""

    SETTINGS = "settings", "Account settings"
    USER = "user", "User"
    TEAM = "team", "Team"
    MEMBERSHIP = "membership", "Team membership"
    PIPELINE = "pipeline", "Pipeline"
    STEP = "step", "Step"
    ACTIVITY = "activity", "Activity type"
    FIELD = "field", "Field"
    CLIENT_FOLDER = "client_folder", "Client folder"
    CATEGORY = "category", "Tag category"
    PREDEFINED_TAG = "predefined_tag", "Predefined tag"
    LEAD = "lead", "Lead"
    COMMENT = "comment", "Comment"


class SourceRecord(TenantModel):
    """One record of another account, and the local row it became.

    A migration reads the whole source account on every run; this table is what makes a run
    write only what is new or changed since the last one, and what lets a run that stopped
    halfway start again without duplicating anything: the local row and this record are
    written in the same transaction. `fingerprint` is a digest of the source record as last
    imported; a different digest means the source changed since."""

    source = models.CharField(max_length=200)  # the source's API base URL
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source_id = models.CharField(max_length=100)
    local_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "kind", "source_id"], name="one_record_per_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id} → {self.local_id}"
