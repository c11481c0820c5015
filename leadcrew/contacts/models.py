"""The people and companies behind leads: the account's fields and their values on leads,
client folders (companies), and the tag vocabulary (categories and predefined tags)."""

from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    URL = "url", "URL"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"


class ParentType(models.TextChoices):
    LEAD = "lead", "Lead"
    CLIENT = "client", "Client folder"


class Field(TenantModel):
    """A field the account defines on its leads or its client folders. `key` is how the API
    names it (`first_name`), `name` how people and the description convention do
    (`First name`). `is_key` fields are compared to find duplicates."""

    parent_type = models.CharField(
        max_length=10, choices=ParentType.choices, default=ParentType.LEAD
    )
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    is_key = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    # The values a choice field offers, in order; empty for the other types.
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["parent_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "parent_type", "key"], name="field_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadFieldValue(TenantModel):
    """One field's value on one lead, as canonical text (a multiple choice as `a, b`).
    `match` is the value folded (lower case, no accents, 255 characters at most): filters and
    duplicate detection compare it through the index, whatever the case or accents typed."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(Field, on_delete=models.CASCADE, related_name="lead_values")
    value = models.TextField()
    match = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "field"], name="field_value_once_per_lead")
        ]
        indexes = [
            models.Index(fields=["account", "field", "match"], name="field_value_match"),
        ]


class ClientFolder(TenantModel):
    """A company: the leads of the same client, grouped. Who sees it is decided by its leads
    (leadcrew.contacts.selectors)."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["account", "name"], name="client_folder_name")]

    def __str__(self) -> str:
        return self.name


class Category(TenantModel):
    """A group of predefined tags; `is_required`: a won lead must carry one of its tags."""

    name = models.CharField(max_length=100)
    is_required = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="category_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PredefinedTag(TenantModel):
    """A tag of the account's vocabulary: what the web suggests, never a lead's own tags."""

    name = models.CharField(max_length=100)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="tags"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="predefined_tag_unique")
        ]

    def __str__(self) -> str:
        return self.name
