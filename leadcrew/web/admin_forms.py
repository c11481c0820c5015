"""The forms of the admin panel and of the statistics page. They check shapes only; every rule
is the services' to apply, and their refusals come back on the field they name
(`show_admin_error`)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Locale,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    time_zone_choices,
)
from leadcrew.accounts.services import DREAM_TEAM_FLAGS, LOGGED_SETTINGS, SettingsChange
from leadcrew.audit.models import SensitiveActionType
from leadcrew.core.errors import ApiError
from leadcrew.web import admin_labels
from leadcrew.web.forms import DateInput, WebForm

DREAM_TEAM_HELP = _("Dream Team edition only.")


def show_admin_error(
    form: forms.Form, error: ApiError, aliases: dict[str, str] | None = None
) -> None:
    """A service's refusal, on the field it names (through `aliases` when the form calls it
    otherwise) when the form has it, else on the form."""
    field = error.field
    if field and aliases:
        field = aliases.get(field, field)
    form.add_error(field if field in form.fields else None, error.text())


def _labelled(choices: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(str(value), label) for value, label in choices.items()]


# --- Roles & privacy ---------------------------------------------------------------------------


class SettingsForm(WebForm):
    """Every setting of docs/access-rules.md and the account's name, time zone and currency: the
    change account_settings_update takes (and its preview)."""

    name = forms.CharField(label=_("Account name"), max_length=200)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("A three-letter code, like EUR.")},
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    edition = forms.ChoiceField(label=_("Edition"), widget=forms.RadioSelect)
    privacy = forms.ChoiceField(label=_("Who sees leads"), widget=forms.RadioSelect)
    assignment = forms.ChoiceField(
        label=_("Who assigns leads outside teams and the unassigned pool"),
        widget=forms.RadioSelect,
    )
    teams_enabled = forms.BooleanField(
        label=_("Turn teams on"), required=False, help_text=DREAM_TEAM_HELP
    )
    team_privacy = forms.ChoiceField(label=_("Privacy inside teams"), widget=forms.RadioSelect)
    team_assignment = forms.ChoiceField(
        label=_("Who assigns leads inside a team"), widget=forms.RadioSelect
    )
    only_admins_export_leads = forms.BooleanField(
        label=_("Only admins may export leads"), required=False, help_text=DREAM_TEAM_HELP
    )
    only_admins_delete_leads = forms.BooleanField(
        label=_("Only admins may delete leads"), required=False, help_text=DREAM_TEAM_HELP
    )
    only_admins_delete_comments = forms.BooleanField(
        label=_("Only admins may delete comments and activities"),
        required=False,
        help_text=DREAM_TEAM_HELP,
    )
    only_admins_delete_client_folders = forms.BooleanField(
        label=_("Only admins may delete client folders"),
        required=False,
        help_text=DREAM_TEAM_HELP,
    )
    only_admins_export_client_folders = forms.BooleanField(
        label=_("Only admins may export client folders"),
        required=False,
        help_text=DREAM_TEAM_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("time_zone", time_zone_choices())
        self.set_choices("edition", _labelled(admin_labels.EDITION_LABELS))
        self.set_choices("privacy", _labelled(admin_labels.PRIVACY_LABELS))
        self.set_choices("assignment", _labelled(admin_labels.ASSIGNMENT_LABELS))
        self.set_choices("team_privacy", _labelled(admin_labels.TEAM_PRIVACY_LABELS))
        self.set_choices("team_assignment", _labelled(admin_labels.TEAM_ASSIGNMENT_LABELS))

    @staticmethod
    def initial_of(account: Account) -> dict[str, Any]:
        return {name: getattr(account, name) for name in admin_labels.SETTING_LABELS}

    def change(self) -> SettingsChange:
        """The settings as account_settings_update takes them. Outside Dream Team the team
        settings are left to the service (switching down turns the layer off), unless the form
        asks to turn one on that was off, which the service refuses: a box left ticked from
        Dream Team does not stop the switch down."""
        data = {name: self.cleaned_data.get(name) for name in LOGGED_SETTINGS}
        if data["edition"] != Edition.DREAM_TEAM:
            for flag in DREAM_TEAM_FLAGS:
                turned_on = data[flag] and not self.initial.get(flag)
                data[flag] = True if turned_on else None
        return SettingsChange(**data)


# Keep the enums in step with the labels: a new choice without a label fails at import.
for _enum, _labels in (
    (Edition, admin_labels.EDITION_LABELS),
    (Privacy, admin_labels.PRIVACY_LABELS),
    (Assignment, admin_labels.ASSIGNMENT_LABELS),
    (TeamPrivacy, admin_labels.TEAM_PRIVACY_LABELS),
    (TeamAssignment, admin_labels.TEAM_ASSIGNMENT_LABELS),
):
    assert set(_enum.values) == {str(v) for v in _labels}, _enum


# --- Teams -------------------------------------------------------------------------------------


class TeamNameForm(WebForm):
    name = forms.CharField(label=_("Team name"), max_length=100)


# The <datalist> of the teams page: every active user once, for every team's "Person to add".
PEOPLE_LIST = "people"


class MemberAddForm(WebForm):
    """A person typed (or picked from the page's one list of people) as "Name (e-mail)", an
    e-mail or an id: one list for the page rather than a menu of every person per team, which
    in an account of 1,000 people and 100 teams was a page of 100,000 options."""

    user_id = forms.CharField(
        label=_("Person to add"),
        max_length=400,
        widget=forms.TextInput(attrs={"list": PEOPLE_LIST, "autocomplete": "off"}),
        help_text=_("Type a name or an e-mail address."),
    )
    is_manager = forms.BooleanField(label=_("As a manager"), required=False)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_user_id(self) -> int:
        typed = self.cleaned_data["user_id"].strip()
        if typed.isascii() and typed.isdigit():
            found = [u for u in self.candidates if u.pk == int(typed)]
        else:
            email = typed.rsplit("(", 1)[-1].rstrip(")").strip().casefold()
            found = [u for u in self.candidates if u.email.casefold() == email]
        if not found:
            raise forms.ValidationError(_("No active user of this account is called so."))
        return int(found[0].pk)


# --- Users -------------------------------------------------------------------------------------

# The "new owner" of a deleted user's leads that means nobody: the unassigned pool.
TO_THE_POOL = "pool"


class UserDeleteForm(WebForm):
    """Who takes the leads of the user being deleted, and the admin's confirmation."""

    reassign_to = forms.ChoiceField(label=_("Give their leads to"))
    confirm = forms.BooleanField(
        label=_(
            "I understand: the user is deleted for good, and their name is erased from the history."
        )
    )

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(TO_THE_POOL, _("Nobody: the unassigned pool"))]
        choices += [(str(u.pk), f"{u.full_name or u.email} ({u.email})") for u in candidates]
        self.set_choices("reassign_to", choices)

    def new_owner(self) -> int | None:
        chosen = self.cleaned_data["reassign_to"]
        return None if chosen == TO_THE_POOL else int(chosen)


class UserSearchForm(WebForm):
    q = forms.CharField(
        label=_("Find a user"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Part of a name or an e-mail address."),
    )

    def words(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class UserCreateForm(WebForm):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
        help_text=_("Optional: without one, the person sets their own from the invitation."),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=Locale.choices, initial=Locale.EN)
    is_admin = forms.BooleanField(label=_("Admin of the account"), required=False)
    invite = forms.BooleanField(
        label=_("E-mail them an invitation to set their password"),
        required=False,
        initial=True,
    )

    def user_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("invite", None)
        data["password"] = data.get("password") or None
        return data


class UserEditForm(WebForm):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    locale = forms.ChoiceField(label=_("Language"), choices=Locale.choices)
    is_admin = forms.BooleanField(label=_("Admin of the account"), required=False)
    password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    def user_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["password"] = data.get("password") or None
        return data


# --- Pipelines ---------------------------------------------------------------------------------


class PipelineCreateForm(WebForm):
    name = forms.CharField(label=_("Pipeline name"), max_length=100)
    steps = forms.CharField(
        label=_("Steps"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One step per line, in order."),
    )
    is_default = forms.BooleanField(label=_("Make it the default pipeline"), required=False)

    def step_names(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data.get("steps", "").splitlines() if line.strip()
        ]


class PipelineNameForm(WebForm):
    name = forms.CharField(label=_("Pipeline name"), max_length=100)


class StepNameForm(WebForm):
    name = forms.CharField(label=_("Step name"), max_length=100)


# --- API keys and the log ----------------------------------------------------------------------


class ApiKeyForm(WebForm):
    name = forms.CharField(
        label=_("Key name"),
        max_length=100,
        help_text=_("What the key is for, like “Website form” or “Accounting export”."),
    )


class LogFilterForm(WebForm):
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [(a.value, admin_labels.LOG_ACTION_LABELS[a]) for a in SensitiveActionType]
        self.set_choices("action", [("", _("Every action")), *offered])


# --- Statistics --------------------------------------------------------------------------------


class StatsForm(WebForm):
    """A GET form: whose figures (the scopes the reader has), the days and the grouping."""

    whose = forms.ChoiceField(
        label=_("Whose figures"),
        required=False,
        # A scope not offered is one the reader may not see (or that does not exist): the
        # page says so plainly instead of echoing the value it was handed.
        error_messages={
            "invalid_choice": _("You may not see these figures: pick one of the choices offered.")
        },
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    group_by = forms.ChoiceField(label=_("Group by"), required=False)
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False)

    def __init__(
        self,
        *args: Any,
        scopes: list[tuple[str, Any]],
        groupings: list[tuple[str, Any]],
        pipelines: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("whose", scopes)
        self.set_choices("group_by", groupings)
        if len(pipelines) > 1:
            choices: list[tuple[str, Any]] = [("", _("The default pipeline"))]
            choices += [(str(p.pk), p.name) for p in pipelines]
            self.set_choices("pipeline", choices)
        else:
            del self.fields["pipeline"]
