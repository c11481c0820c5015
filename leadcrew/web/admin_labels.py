"""What the admin panel and the statistics page call the domain's codes, in the reader's
language. (The refusals of the services they call carry their own words: `error.text()`.)"""

from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from leadcrew.accounts.models import Assignment, Edition, Privacy, TeamAssignment, TeamPrivacy
from leadcrew.audit.models import SensitiveActionType
from leadcrew.stats.periods import Grouping

EDITION_LABELS = {
    Edition.ESSENTIALS: _("Essentials"),
    Edition.DREAM_TEAM: _("Dream Team (teams, team privacy, security toggles)"),
}
PRIVACY_LABELS = {
    Privacy.EVERYTHING_SHARED: _("Every user sees every lead"),
    Privacy.ADMINS_ONLY: _("Only admins can see others' leads"),
}
ASSIGNMENT_LABELS = {
    Assignment.EVERYONE: _("Everyone: any user takes unassigned leads and reassigns their own"),
    Assignment.ADMINS_ONLY: _("Admins only"),
}
TEAM_PRIVACY_LABELS = {
    TeamPrivacy.ADMINS_ONLY: _("Only admins can see everything inside teams"),
    TeamPrivacy.MANAGERS_ONLY: _("Only team managers can see everything inside teams"),
    TeamPrivacy.TEAM_SHARED: _("Everything is shared between members of the same team"),
}
TEAM_ASSIGNMENT_LABELS = {
    TeamAssignment.ADMINS: _("Admins"),
    TeamAssignment.MANAGERS: _("Team managers"),
    TeamAssignment.USERS: _("Team members"),
}

# The settings as the log and the preview name them.
SETTING_LABELS = {
    "name": _("Account name"),
    "time_zone": _("Time zone"),
    "currency": _("Currency"),
    "edition": _("Edition"),
    "privacy": _("Privacy"),
    "assignment": _("Assignment outside teams"),
    "teams_enabled": _("Teams"),
    "team_privacy": _("Team privacy"),
    "team_assignment": _("Assignment inside teams"),
    "only_admins_export_leads": _("Only admins export leads"),
    "only_admins_delete_leads": _("Only admins delete leads"),
    "only_admins_delete_comments": _("Only admins delete comments"),
    "only_admins_delete_client_folders": _("Only admins delete client folders"),
    "only_admins_export_client_folders": _("Only admins export client folders"),
}
SETTING_VALUE_LABELS: dict[str, dict[Any, Any]] = {
    "edition": EDITION_LABELS,
    "privacy": PRIVACY_LABELS,
    "assignment": ASSIGNMENT_LABELS,
    "team_privacy": TEAM_PRIVACY_LABELS,
    "team_assignment": TEAM_ASSIGNMENT_LABELS,
}

LOG_ACTION_LABELS = {
    SensitiveActionType.BULK_DELETE: _("Leads deleted in bulk"),
    SensitiveActionType.EXPORT: _("Export"),
    SensitiveActionType.IMPORT: _("Leads imported"),
    SensitiveActionType.SETTINGS_CHANGED: _("Account settings changed"),
    SensitiveActionType.TEAM_CREATED: _("Team created"),
    SensitiveActionType.TEAM_DELETED: _("Team deleted"),
    SensitiveActionType.MEMBER_ADDED: _("Member added to a team"),
    SensitiveActionType.MEMBER_REMOVED: _("Member removed from a team"),
    SensitiveActionType.MANAGER_CHANGED: _("Team manager flag changed"),
    SensitiveActionType.ADMIN_CHANGED: _("Admin flag changed"),
    SensitiveActionType.USER_DISABLED: _("User disabled"),
    SensitiveActionType.USER_ENABLED: _("User enabled"),
    SensitiveActionType.USER_DELETED: _("User deleted"),
    SensitiveActionType.LOG_AS: _("Acted as another user"),
    SensitiveActionType.API_KEY_CREATED: _("API key created"),
    SensitiveActionType.API_KEY_REVOKED: _("API key revoked"),
    SensitiveActionType.COMMENT_DELETED: _("Comment deleted"),
    SensitiveActionType.CLIENT_FOLDER_DELETED: _("Client folder deleted"),
    SensitiveActionType.CLIENT_FOLDERS_EXPORTED: _("Client folders exported"),
    SensitiveActionType.FIELD_DELETED: _("Field deleted with its values"),
}

GROUPING_LABELS = {
    Grouping.DAY: _("Day"),
    Grouping.WEEK: _("Week"),
    Grouping.MONTH: _("Month"),
    Grouping.MEMBER: _("Member"),
    Grouping.TEAM: _("Team"),
}


def _number(count: object) -> int:
    """A count of the log's details as a number, for its plural form (0 if not one)."""
    return int(count) if isinstance(count, int | str) and str(count).isdigit() else 0


def setting_value(name: str, value: Any) -> str:
    """A setting's value for people: a choice's label, yes / no, or the value itself."""
    if isinstance(value, bool):
        return gettext("on") if value else gettext("off")
    label = SETTING_VALUE_LABELS.get(name, {}).get(value)
    return str(label) if label is not None else str(value)


def log_details(entry: Any) -> str:
    """What an entry of the sensitive-actions log was about, in a sentence."""
    details: dict[str, Any] = entry.details or {}
    action = entry.action
    if action == SensitiveActionType.SETTINGS_CHANGED:
        changes = details.get("changes") or {}
        parts = []
        for name, values in changes.items():
            old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
            label = SETTING_LABELS.get(name, name)
            parts.append(f"{label}: {setting_value(name, old)} → {setting_value(name, new)}")
        return "; ".join(parts)
    if action in (SensitiveActionType.TEAM_CREATED, SensitiveActionType.TEAM_DELETED):
        text = str(details.get("team_name", ""))
        if action == SensitiveActionType.TEAM_DELETED:
            text += " · " + ngettext(
                "%(count)s lead left the team",
                "%(count)s leads left the team",
                _number(entry.count),
            ) % {"count": entry.count}
        return text
    if action in (
        SensitiveActionType.MEMBER_ADDED,
        SensitiveActionType.MEMBER_REMOVED,
        SensitiveActionType.MANAGER_CHANGED,
    ):
        role = gettext("manager") if details.get("is_manager") else gettext("member")
        return f"{details.get('email', '')} · {details.get('team_name', '')} · {role}"
    if action == SensitiveActionType.ADMIN_CHANGED:
        what = gettext("now an admin") if details.get("is_admin") else gettext("no longer an admin")
        if details.get("new_user"):
            what = gettext("created as an admin")
        return f"{details.get('email', '')} · {what}"
    if action in (SensitiveActionType.USER_DISABLED, SensitiveActionType.USER_ENABLED):
        return str(details.get("email", ""))
    if action == SensitiveActionType.LOG_AS:
        return gettext("as %(email)s") % {"email": details.get("email", "")}
    if action == SensitiveActionType.USER_DELETED:
        # The entry keeps the deleted user's id only: their name and e-mail are erased.
        text = gettext("user #%(id)s") % {"id": details.get("user_id", "")}
        leads = ngettext(
            "%(count)s lead handed over",
            "%(count)s leads handed over",
            _number(details.get("leads", 0)),
        ) % {"count": details.get("leads", 0)}
        return f"{text} · {leads}"
    if action in (SensitiveActionType.API_KEY_CREATED, SensitiveActionType.API_KEY_REVOKED):
        return f"{details.get('name', '')} ({details.get('prefix', '')}…)"
    if action == SensitiveActionType.EXPORT:
        if details.get("what") == "statistics":
            return ngettext(
                "Statistics, %(count)s row", "Statistics, %(count)s rows", _number(entry.count)
            ) % {"count": entry.count}
        if details.get("what") == "account":
            return ngettext(
                "The whole account, %(count)s lead",
                "The whole account, %(count)s leads",
                _number(entry.count),
            ) % {"count": entry.count}
        return ngettext("%(count)s lead", "%(count)s leads", _number(entry.count)) % {
            "count": entry.count
        }
    if action == SensitiveActionType.CLIENT_FOLDER_DELETED:
        leads = ngettext(
            "%(count)s lead left it", "%(count)s leads left it", _number(details.get("leads", 0))
        ) % {"count": details.get("leads", 0)}
        return f"{details.get('name', '')} · {leads}"
    if action == SensitiveActionType.FIELD_DELETED:
        values = ngettext(
            "%(count)s value erased", "%(count)s values erased", _number(entry.count)
        ) % {"count": entry.count}
        return f"{details.get('name', '')} · {values}"
    if action == SensitiveActionType.CLIENT_FOLDERS_EXPORTED:
        return ngettext(
            "%(count)s client folder", "%(count)s client folders", _number(entry.count)
        ) % {"count": entry.count}
    if action == SensitiveActionType.BULK_DELETE:
        return ngettext(
            "%(count)s lead sent to the bin",
            "%(count)s leads sent to the bin",
            _number(entry.count),
        ) % {"count": entry.count}
    return ""
