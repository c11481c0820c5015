from django.db import models
from django.utils import timezone

from leadcrew.core.models import TenantModel


class SensitiveActionType(models.TextChoices):
    BULK_DELETE = "bulk_delete", "Leads deleted in bulk"
    EXPORT = "export", "Leads exported"
    IMPORT = "import", "Leads imported"
    SETTINGS_CHANGED = "settings_changed", "Account settings changed"
    TEAM_CREATED = "team_created", "Team created"
    TEAM_DELETED = "team_deleted", "Team deleted"
    MEMBER_ADDED = "member_added", "Member added to a team"
    MEMBER_REMOVED = "member_removed", "Member removed from a team"
    MANAGER_CHANGED = "manager_changed", "Team manager flag changed"
    ADMIN_CHANGED = "admin_changed", "Admin flag changed"
    USER_DISABLED = "user_disabled", "User disabled"
    USER_ENABLED = "user_enabled", "User enabled"
    USER_DELETED = "user_deleted", "User deleted"
    LOG_AS = "log_as", "Acted as another user"
    API_KEY_CREATED = "api_key_created", "API key created"
    API_KEY_REVOKED = "api_key_revoked", "API key revoked"
    CLIENT_FOLDER_DELETED = "client_folder_deleted", "Client folder deleted"
    CLIENT_FOLDERS_EXPORTED = "client_folders_exported", "Client folders exported"
    COMMENT_DELETED = "comment_deleted", "Comment deleted"
    FIELD_DELETED = "field_deleted", "Field deleted with its values"


class SensitiveAction(TenantModel):
    """One entry of the account's sensitive-actions log: who did what, when, to how many."""

    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted, as it read at the time: a user's name and e-mail, or "API key <prefix>".
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=32, choices=SensitiveActionType.choices)
    count = models.PositiveIntegerField(default=1)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at", "-id"])]
