"""What the admin panel and the statistics page call the domain's codes, in the reader's
language, and the refusals of the services they call (listed here, never rewritten, like the
lead pages' messages in `labels`)."""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from leadcrew.accounts.models import Assignment, Edition, Privacy, TeamAssignment, TeamPrivacy
from leadcrew.audit.models import SensitiveActionType
from leadcrew.core.errors import ApiError
from leadcrew.stats.periods import Grouping
from leadcrew.web import labels

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
    SensitiveActionType.SETTINGS_CHANGED: _("Account settings changed"),
    SensitiveActionType.TEAM_CREATED: _("Team created"),
    SensitiveActionType.TEAM_DELETED: _("Team deleted"),
    SensitiveActionType.MEMBER_ADDED: _("Member added to a team"),
    SensitiveActionType.MEMBER_REMOVED: _("Member removed from a team"),
    SensitiveActionType.MANAGER_CHANGED: _("Team manager flag changed"),
    SensitiveActionType.ADMIN_CHANGED: _("Admin flag changed"),
    SensitiveActionType.USER_DISABLED: _("User disabled"),
    SensitiveActionType.USER_ENABLED: _("User enabled"),
    SensitiveActionType.API_KEY_CREATED: _("API key created"),
    SensitiveActionType.API_KEY_REVOKED: _("API key revoked"),
}

GROUPING_LABELS = {
    Grouping.DAY: _("Day"),
    Grouping.WEEK: _("Week"),
    Grouping.MONTH: _("Month"),
    Grouping.MEMBER: _("Member"),
    Grouping.TEAM: _("Team"),
}

# The refusals of the account, team, pipeline, key and statistics services.
ADMIN_MESSAGES = {
    "A user with this e-mail already exists.": _("A user with this e-mail already exists."),
    "A team with this name already exists.": _("A team with this name already exists."),
    "A pipeline with this name already exists.": _("A pipeline with this name already exists."),
    "A step with this name already exists in this pipeline.": _(
        "A step with this name already exists in this pipeline."
    ),
    "An account keeps at least one active admin.": _("An account keeps at least one active admin."),
    "You cannot remove your own admin rights.": _("You cannot remove your own admin rights."),
    "You cannot disable yourself.": _("You cannot disable yourself."),
    "teams_enabled needs the dream_team edition.": _("Teams need the Dream Team edition."),
    "only_admins_export_leads needs the dream_team edition.": _(
        "This security toggle needs the Dream Team edition."
    ),
    "only_admins_delete_leads needs the dream_team edition.": _(
        "This security toggle needs the Dream Team edition."
    ),
    "A pipeline without steps cannot be the default: new leads go to its first step.": _(
        "A pipeline without steps cannot be the default: new leads go to its first step."
    ),
    "An account always has one default pipeline: make another pipeline the default instead.": _(
        "An account always has one default pipeline: make another pipeline the default instead."
    ),
    "The default pipeline cannot be deleted: make another pipeline the default first.": _(
        "The default pipeline cannot be deleted: make another pipeline the default first."
    ),
    "The default pipeline keeps at least one step.": _(
        "The default pipeline keeps at least one step."
    ),
    "A pipeline has at most 100 steps.": _("A pipeline has at most 100 steps."),
    "Only admins may see the whole account's statistics.": _(
        "Only admins may see the whole account's statistics."
    ),
    "Only admins and the team's managers may see a team's statistics.": _(
        "Only admins and the team's managers may see a team's statistics."
    ),
    "You manage no team.": _("You manage no team."),
    "You may see your own statistics, and those of the members of teams you manage.": _(
        "You may see your own statistics, and those of the members of teams you manage."
    ),
    "Only admins may export in this account.": _("Only admins may export in this account."),
    # Reasons of InvalidParameter, after "field: ".
    "must not be blank.": _("This field is required."),
    "not a valid e-mail address.": _("Enter a valid e-mail address."),
    "not a known time zone (e.g. Europe/Paris).": _("Not a known time zone (like Europe/Paris)."),
    "step names must not be blank.": _("Step names must not be blank."),
    "step names must differ from each other.": _("Step names must differ from each other."),
    "this user is not a member of this team.": _("This user is not a member of this team."),
    "no such pipeline in this account.": _("No such pipeline."),
    "must not be before from (to defaults to today).": _("Cannot be before the first day."),
}


def admin_error_text(error: ApiError) -> str:
    """A refusal of the admin services as a sentence for the reader; the lead pages' own
    messages (and the field prefix the API adds) are handled by `labels.error_text`."""
    field = labels.error_field(error)
    message = error.message
    if field and message.startswith(f"{field}: "):
        message = message[len(field) + 2 :]
    if message in ADMIN_MESSAGES:
        return str(ADMIN_MESSAGES[message])
    if message.startswith("This ") and "still has" in message:
        # "This step still has 3 leads: move them elsewhere first." and the bin's variant.
        if "in the bin" in message:
            return gettext(
                "Leads in the bin still point here: restore and move them, or wait until the "
                "bin is purged."
            )
        return gettext("Leads are still in it: move them elsewhere first.")
    if message.startswith("the range spans"):
        return gettext("This range has too many periods: shorten it or group by a longer period.")
    return labels.error_text(error)


def error_field_of(error: ApiError) -> str | None:
    """The field a refusal is about: the one it names, or the setting a Dream-Team-only
    refusal starts with."""
    field = labels.error_field(error)
    if field:
        return field
    first = error.message.split(" ", 1)[0]
    return first if first in SETTING_LABELS else None


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
            text += " · " + gettext("%(count)s leads left the team") % {"count": entry.count}
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
    if action in (SensitiveActionType.API_KEY_CREATED, SensitiveActionType.API_KEY_REVOKED):
        return f"{details.get('name', '')} ({details.get('prefix', '')}…)"
    if action == SensitiveActionType.EXPORT:
        if details.get("what") == "statistics":
            return gettext("Statistics, %(count)s rows") % {"count": entry.count}
        return gettext("%(count)s leads") % {"count": entry.count}
    if action == SensitiveActionType.BULK_DELETE:
        return gettext("%(count)s leads sent to the bin") % {"count": entry.count}
    return ""
