"""The pages' forms: they check the shape of what comes in (types, lengths, dates); every rule
about leads is the services' to apply, and their refusals come back as messages on the field
they name (`show_domain_error`)."""

from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import User
from leadcrew.accounts.selectors import user_search
from leadcrew.bulk.models import BulkActionType
from leadcrew.core.errors import ApiError, InvalidParameter
from leadcrew.core.lookups import user_lookup_by_name
from leadcrew.imports.values import date_order_for, parse_date
from leadcrew.leads.models import Status
from leadcrew.leads.selectors import LeadFilter
from leadcrew.leads.services import LeadWrite
from leadcrew.web import labels
from leadcrew.web.choices import Directory, user_label
from leadcrew.web.templatetags.web import date_placeholder, day

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
ISO_DATE_INPUT = "%Y-%m-%d"
ME, NOBODY = "me", "none"
TAG_HELP = _("Separate tags with commas.")


# Fields whose input is digits: Python's int(), Decimal() and strptime() read any script's
# digits ("١٢" is 12, "١٢٣٤-٠١-٠١" a date), which the API refuses; the pages refuse them too.
ASCII_INPUT_FIELDS = (forms.IntegerField, forms.DateField, forms.TimeField, forms.DateTimeField)


class WebForm(forms.Form):
    """Labels without Django's trailing colon: the layout sets them apart. Numbers, dates and
    times are read from ASCII digits only (ASCII_INPUT_FIELDS); dates in the account's order
    (DateInput). Menus are written by LongSelect: the same HTML as Django's, a fraction of the
    time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                menu = LongSelect(attrs=field.widget.attrs, choices=field.widget.choices)
                menu.is_required = field.widget.is_required
                field.widget = menu
            if isinstance(field, ASCII_INPUT_FIELDS):
                field.to_python = _ascii_first(field)  # type: ignore[method-assign, assignment]
            if isinstance(field, forms.DateField) and isinstance(field.widget, DateInput):
                # The widget hands on ISO what it could read in the account's order; the
                # language's own formats (month first in English) must not read the rest.
                field.input_formats = [ISO_DATE_INPUT]

    def set_choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def _ascii_first(field: forms.Field) -> Callable[[Any], Any]:
    """The field's own parsing, after refusing text that is not ASCII as an invalid value.
    (Set on the form's copy of the field: forms deep-copy their fields per instance.)"""
    parse = field.to_python

    def to_python(value: Any) -> Any:
        if isinstance(value, str) and not value.isascii():
            raise ValidationError(field.error_messages["invalid"], code="invalid")
        return parse(value)

    return to_python


def status_choices() -> list[tuple[str, Any]]:
    return [(status.value, labels.STATUS_LABELS[status]) for status in Status]


def step_choices(directory: Directory) -> list[tuple[Any, Any]]:
    """Steps grouped by pipeline, as <optgroup>s."""
    return [
        (pipeline.name, [(str(step.pk), step.name) for step in pipeline.ordered_steps])  # type: ignore[attr-defined]
        for pipeline in directory.pipelines
    ]


def show_domain_error(form: forms.Form, error: ApiError) -> None:
    """A service's refusal, on the field it names when the form has it, else on the form."""
    field = error.field
    form.add_error(field if field in form.fields else None, error.text())


class LongSelect(forms.Select):
    """A menu of many options (a large account's people, teams or steps): the same HTML as
    Django's Select, built in Python. Django renders a template per option, about 25 ms for
    1,000 people; the lead list's four menus of teams and steps cost it a tenth of its time."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        chosen = {str(item) for item in self.format_value(value)}
        attributes = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        # Every piece is escaped as it is written (format_html, escape, conditional_escape).
        parts: list[str] = [format_html("<select{}>", attributes)]
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # a group of options
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts += [self._option(member, text, chosen) for member, text in label]
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, label, chosen))
        parts.append("</select>")
        return mark_safe("".join(parts))

    @staticmethod
    def _option(value: Any, label: Any, chosen: set[str]) -> str:
        text = "" if value is None else str(value)
        selected = " selected" if text in chosen else ""
        return f'<option value="{escape(text)}"{selected}>{conditional_escape(label)}</option>'


# --- People, picked by typing -----------------------------------------------------------------

# The people a person picker's list offers for what is typed (web:people_options), at most.
PICKER_MATCHES = 20


def person_option(user: Any) -> str:
    """How a person is offered and typed: "Sara Novak (sara@example.com)"."""
    return f"{user.full_name or user.email} ({user.email})"


def picked_text(typed: str) -> str:
    """What a picker's text names a person by: the e-mail of a picked "Name (e-mail)", else
    the text as typed."""
    typed = typed.strip()
    if typed.endswith(")") and "(" in typed:
        return typed.rsplit("(", 1)[-1].removesuffix(")").strip()
    return typed


def person_typed(actor: Actor, typed: str) -> User | None:
    """The user of the account a picker's text names: "Name (e-mail)", an e-mail, a full name,
    an id, or words that only one person's names or e-mail hold ("tom" for Tom Becker)."""
    typed = picked_text(typed)
    if not typed:
        return None
    try:
        return user_lookup_by_name(actor, typed)
    except InvalidParameter:
        matching = list(user_search(actor, typed)[:2])
        return matching[0] if len(matching) == 1 else None


class PersonInput(forms.TextInput):
    """A text input over a <datalist> (`list_id`) that fills with the people matching what is
    typed, asked of web:people_options (`picker`): a page never lists a large account's
    thousand people in full. Shows a chosen person as "Name (e-mail)" and the field's own
    words by their label (`shown`, set by PersonField when it reads a value)."""

    def __init__(self, picker: str, list_id: str) -> None:
        super().__init__(
            attrs={
                "list": list_id,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": _("Name or e-mail"),
                "hx-get": format_lazy("{}?for={}", reverse_lazy("web:people_options"), picker),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-push-url": "false",
            }
        )
        self.shown: dict[str, str] = {}

    def format_value(self, value: Any) -> str | None:
        text: str | None = super().format_value(value)
        return self.shown.get(text, text) if text else text


class PersonField(forms.CharField):
    """A person typed or picked (PersonInput): cleans to the person's id as text, or to one of
    the field's own words (`words`: code -> label, "me" -> "Me"), typed as code or label.
    `actor` must be set by the form: only the people of the actor's account are found."""

    def __init__(self, *, picker: str, list_id: str, words: dict[str, Any], **kwargs: Any):
        super().__init__(max_length=400, widget=PersonInput(picker, list_id), **kwargs)
        self.words = words
        self.actor: Actor | None = None

    def clean(self, value: Any) -> str:
        typed = super().clean(value).strip()
        if not typed:
            return ""
        widget = cast(PersonInput, self.widget)
        for code, label in self.words.items():
            if typed.casefold() in {code.casefold(), str(label).casefold()}:
                widget.shown[code] = str(label)
                return code
        assert self.actor is not None, "the form sets the actor"
        user = person_typed(self.actor, typed)
        if user is None:
            raise ValidationError(
                _("No one in this account is called “%(typed)s”.")
                if not user_search(self.actor, picked_text(typed)).exists()
                else _("Several people match “%(typed)s”: pick one from the list."),
                code="unknown_person",
                params={"typed": typed},
            )
        widget.shown[str(value).strip()] = person_option(user)
        widget.shown[str(user.pk)] = person_option(user)
        return str(user.pk)


class DateInput(forms.DateInput):
    """A date typed as the account's country writes it (31/12/2026 in Paris, 12/31/2026 in New
    York), whatever the browser's language: a native date input would show the browser's own
    order. What is typed is read in that order (or as 2026-12-31) and handed to the field as
    ISO; text it cannot read is handed on as typed, for the field to refuse."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"inputmode": "numeric", "autocomplete": "off", "size": "10"}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            typed = _typed_date(value)
            return value if typed is None else day(typed)
        return None if value is None else day(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", str(date_placeholder()))
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        raw = super().value_from_datadict(data, files, name)
        if not isinstance(raw, str):
            return raw
        typed = _typed_date(raw)
        return raw if typed is None else typed.isoformat()


def _typed_date(text: str) -> date | None:
    """The date `text` names in the account's order (ASCII digits only), or None."""
    if not text.strip() or not text.isascii():
        return None
    try:
        return parse_date(text, date_order_for(timezone.get_current_timezone_name()), "date")
    except InvalidParameter:
        return None


class TimeInput(forms.TimeInput):
    """A wall-clock time on 15-minute steps (the browser's picker steps by 900 seconds)."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"step": "900", **(attrs or {})}, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_INPUT)


# --- Login, password, language -----------------------------------------------------------------


class LoginForm(WebForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordForm(PasswordChangeForm):
    """Django's own: the old password, then the new one twice, checked by the validators."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ForgotPasswordForm(WebForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(WebForm):
    """The user's own profile: how colleagues reach them, their time zone and their picture.
    The service checks the values (a known time zone, an http(s) address)."""

    phone = forms.CharField(label=_("Phone"), required=False, max_length=50)
    mobile_phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=50)
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=100)
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=64,
        help_text=_("Like Europe/Paris; empty for the account's."),
    )
    avatar_url = forms.CharField(label=_("Picture (web address)"), required=False, max_length=500)


class LanguageForm(WebForm):
    locale = forms.ChoiceField(label=_("Language"), choices=[("en", "English"), ("fr", "Français")])
    next = forms.CharField(required=False, max_length=2000)


# --- The compact view's filters --------------------------------------------------------------

ORDER_CHOICES = [
    ("last_update", _("Last update")),
    ("creation_date", _("Creation date")),
    ("next_action", _("Reminder")),
    ("amount", _("Amount")),
    ("probability", _("Probability")),
    ("sale_step", _("Step")),
    ("alphabetically", _("Title")),
]
DIRECTION_CHOICES = [("desc", _("Descending")), ("asc", _("Ascending"))]


class LeadFilterForm(WebForm):
    """The filters of the compact view, a GET form: the same keys select "all matching leads"
    for a bulk action."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=255,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Title, name, e-mail, phone, company…"),
                "data-search-box": "",
            }
        ),
    )
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, widget=forms.CheckboxSelectMultiple
    )
    step = forms.ChoiceField(label=_("Step"), required=False)
    owner = PersonField(
        label=_("Owner"),
        required=False,
        picker="owner",
        list_id="owner-people",
        words={ME: _("Me"), NOBODY: _("Unassigned only")},
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=255, help_text=TAG_HELP)
    starred = forms.BooleanField(label=_("Starred only"), required=False)
    field_key = forms.ChoiceField(label=_("Field"), required=False)
    field_value = forms.CharField(label=_("equals"), required=False, max_length=255)
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDER_CHOICES)
    direction = forms.ChoiceField(label=_("Order"), required=False, choices=DIRECTION_CHOICES)

    def __init__(self, *args: Any, directory: Directory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("status", status_choices())
        self.set_choices("step", [("", _("Any step")), *step_choices(directory)])
        cast(PersonField, self.fields["owner"]).actor = directory.actor
        if directory.teams:
            teams = [(str(team.pk), team.name) for team in directory.teams]
            self.set_choices("team", [("", _("Any team")), *teams])
        else:
            del self.fields["team"]
        fields = [(field.key, field.name) for field in directory.lead_fields]
        self.set_choices("field_key", [("", _("Any field")), *fields])

    def lead_filter(self, user_id: int | None) -> LeadFilter:
        data = self.cleaned_data
        owner = data.get("owner") or ""
        # "field = value", as the API's field_key and field_value: both, or no such filter.
        field_key = data.get("field_key") or None
        field_value = (data.get("field_value") or "").strip() or None
        if field_key is None or field_value is None:
            field_key = field_value = None
        return LeadFilter(
            field_key=field_key,
            field_value=field_value,
            status=list(data.get("status") or []),
            step=[data["step"]] if data.get("step") else [],
            starred=True if data.get("starred") else None,
            user=user_id if owner == ME else (int(owner) if owner.isdigit() else None),
            team_id=int(data["team"]) if data.get("team") else None,
            tags=[t.strip() for t in (data.get("tags") or "").split(",") if t.strip()],
            q=(data.get("q") or "").strip() or None,
            include_unassigned=owner == "",
            unassigned_only=owner == NOBODY,
        )

    @property
    def ordering(self) -> tuple[str, str]:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return data.get("order") or "last_update", data.get("direction") or "desc"

    def active_params(self) -> list[tuple[str, str]]:
        """The filters in force, as (name, value) pairs: hidden inputs of the bulk form."""
        cleaned = getattr(self, "cleaned_data", {})
        return [
            (name, value)
            for name in self.fields
            if name in cleaned
            for value in cast(QueryDict, self.data).getlist(name)
            if value
        ]


# --- Bulk actions ------------------------------------------------------------------------------

SELECTED, MATCHING = "selected", "matching"


class BulkForm(WebForm):
    action = forms.ChoiceField(label=_("Action"))
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[(SELECTED, _("the selected leads")), (MATCHING, _("every matching lead"))],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    user_id = PersonField(
        label=_("New owner"),
        required=False,
        picker="assign",
        list_id="assign-people",
        words={NOBODY: _("Nobody (unassign)")},
    )
    team_id = forms.ChoiceField(label=_("Team"), required=False)
    new_status = forms.ChoiceField(label=_("New status"), required=False)
    remind_date = forms.DateField(label=_("Reminder date"), required=False, widget=DateInput())
    remind_time = forms.TimeField(label=_("Reminder time"), required=False, widget=TimeInput())
    new_step = forms.ChoiceField(label=_("New step"), required=False)
    tag_names = forms.CharField(label=_("Tags"), required=False, max_length=255, help_text=TAG_HELP)

    def __init__(self, *args: Any, directory: Directory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = [
            BulkActionType.ADD_TAGS,
            BulkActionType.REMOVE_TAGS,
            BulkActionType.SET_STATUS,
            BulkActionType.MOVE_TO_STEP,
            BulkActionType.STAR,
            BulkActionType.UNSTAR,
        ]
        owner_field = cast(PersonField, self.fields["user_id"])
        owner_field.actor = directory.actor
        if not directory.bulk_may_unassign:
            owner_field.words = {}
        owners = directory.bulk_may_assign or directory.bulk_may_unassign
        if owners:
            actions.insert(0, BulkActionType.ASSIGN)
        teams: list[tuple[str, Any]] = [(str(t.pk), t.name) for t in directory.bulk_teams]
        if directory.bulk_may_take_out_of_team:
            teams.append((NOBODY, _("No team (take out of its team)")))
        if teams:
            actions.insert(1 if owners else 0, BulkActionType.PLACE_IN_TEAM)
        if directory.may_delete:
            actions.append(BulkActionType.DELETE)
        offered = [(a.value, labels.BULK_ACTION_LABELS[a]) for a in actions]
        self.set_choices("action", [("", _("Choose an action…")), *offered])
        self.set_choices("team_id", [("", "—"), *teams])
        self.set_choices("new_status", [("", "—"), *status_choices()])
        self.set_choices("new_step", [("", "—"), *step_choices(directory)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needs = {
            BulkActionType.ASSIGN: "user_id",
            BulkActionType.PLACE_IN_TEAM: "team_id",
            BulkActionType.SET_STATUS: "new_status",
            BulkActionType.MOVE_TO_STEP: "new_step",
            BulkActionType.ADD_TAGS: "tag_names",
            BulkActionType.REMOVE_TAGS: "tag_names",
        }
        field = needs.get(action) if action else None
        if field and not data.get(field):
            self.add_error(field, _("Choose a value for this action."))
        return data

    def params(self) -> dict[str, Any]:
        """The keywords of bulk_apply for the chosen action."""
        data = self.cleaned_data
        match data["action"]:
            case BulkActionType.ASSIGN:
                user = data["user_id"]
                return {"user_id": None if user == NOBODY else int(user)}
            case BulkActionType.PLACE_IN_TEAM:
                team = data["team_id"]
                return {"team_id": None if team == NOBODY else int(team)}
            case BulkActionType.SET_STATUS:
                params = {"status": data["new_status"]}
                if data["new_status"] == Status.STANDBY:
                    params |= {
                        "remind_date": data["remind_date"],
                        "remind_time": data["remind_time"],
                    }
                return params
            case BulkActionType.MOVE_TO_STEP:
                return {"step": int(data["new_step"])}
            case BulkActionType.ADD_TAGS | BulkActionType.REMOVE_TAGS:
                return {"tags": data["tag_names"]}
        return {}


# --- One lead ----------------------------------------------------------------------------------


class LeadForm(WebForm):
    """A lead's own fields (owner and team have their own forms on the lead page)."""

    title = forms.CharField(
        label=_("Title"), max_length=255, widget=forms.TextInput(attrs={"data-edit-first": ""})
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("A three-letter code, like EUR.")},
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"), min_value=0, max_value=100, initial=0
    )
    status = forms.ChoiceField(label=_("Status"))
    remind_date = forms.DateField(label=_("Reminder date"), required=False, widget=DateInput())
    remind_time = forms.TimeField(
        label=_("Reminder time"),
        required=False,
        widget=TimeInput(),
        help_text=_("Optional; on 15-minute steps."),
    )
    step = forms.ChoiceField(label=_("Step"))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=2000, help_text=TAG_HELP)
    starred = forms.BooleanField(label=pgettext_lazy("lead field", "Starred"), required=False)
    estimated_closing_date = forms.DateField(
        label=_("Estimated closing date"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, directory: Directory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("status", status_choices())
        self.set_choices("step", step_choices(directory))

    def lead_data(self) -> LeadWrite:
        """What lead_create / lead_update take. The form checked the shape of each value; the
        rules (reminders on quarter hours, standby with a date, currency codes) are the
        services', and their refusals come back on the field they name."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "amount": data["amount"],
            "currency": data["currency"],
            "probability": data["probability"],
            "status": data["status"],
            "remind_date": data.get("remind_date"),
            "remind_time": data.get("remind_time") if data.get("remind_date") else None,
            "step": int(data["step"]),
            "tags": data.get("tags") or "",
            "starred": bool(data.get("starred")),
            "estimated_closing_date": data.get("estimated_closing_date"),
        }


class LeadDatesForm(WebForm):
    """The dates a lead's editor may correct: when it was created and, once closed, when."""

    created_at = forms.DateTimeField(
        label=_("Created on"), input_formats=[DATETIME_INPUT], widget=DateTimeInput()
    )
    closed_at = forms.DateTimeField(
        label=_("Closed on"), required=False, input_formats=[DATETIME_INPUT], widget=DateTimeInput()
    )


class NewLeadForm(LeadForm):
    """A new lead, with its owner and team. `owners` lists whom it may go to; None when the
    account has too many people for a menu (OWNER_MENU_MAX): the owner is then typed, and the
    people offered as one types are those it may go to in the team chosen."""

    user_id = forms.ChoiceField(label=_("Owner"))
    team_id = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(
        self,
        *args: Any,
        directory: Directory,
        owners: list[Any] | None,
        teams: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, directory=directory, **kwargs)
        self.owner_is_typed = owners is None
        if owners is None:
            picker = PersonField(
                picker="new", list_id="new-owner-people", words={}, label=_("Owner")
            )
            picker.actor = directory.actor
            picker.widget.attrs["hx-include"] = "#id_team_id"
            self.fields["user_id"] = picker
        else:
            self.set_choices("user_id", [(str(u.pk), user_label(u)) for u in owners])
        if teams:
            offered = [(str(t.pk), t.name) for t in teams]
            self.set_choices("team_id", [("", _("No team")), *offered])
        else:
            del self.fields["team_id"]

    def lead_data(self) -> LeadWrite:
        data = super().lead_data()
        data["user_id"] = int(self.cleaned_data["user_id"])
        team_id = self.cleaned_data.get("team_id")
        data["team_id"] = int(team_id) if team_id else None
        return data


class PersonChoiceField(forms.ChoiceField):
    """A choice among people that also reads a person typed, as a picker sends one ("Name
    (e-mail)", an e-mail, a full name) or a choice's label ("Nobody (back to the unassigned
    pool)"): `actor` (set by the form) names whose account."""

    actor: Actor | None = None

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value)).strip()
        if self.actor is None or not text or (text.isascii() and text.isdigit()):
            return text
        if self.valid_value(text):
            return text
        for choice, label in cast(list[tuple[Any, Any]], self.choices):
            if text.casefold() == str(label).casefold():
                return str(choice)
        user = person_typed(self.actor, text)
        return str(user.pk) if user is not None else text


# The lead page's owner menu lists the people a lead may go to up to this many active people
# in the account; past it, the new owner is typed and the matching people offered
# (OwnerPickerForm): a menu of a thousand people is slow to build and to use.
OWNER_MENU_MAX = 50
UNASSIGN_LABEL = _("Nobody (back to the unassigned pool)")


class OwnerForm(WebForm):
    user_id = PersonChoiceField(label=_("New owner"))
    is_picker = False

    def __init__(
        self,
        *args: Any,
        owners: list[Any],
        may_unassign: bool,
        actor: Actor | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(PersonChoiceField, self.fields["user_id"]).actor = actor
        choices: list[tuple[str, Any]] = [(str(u.pk), user_label(u)) for u in owners]
        if may_unassign:
            choices.append((NOBODY, UNASSIGN_LABEL))
        if str(self.initial.get("user_id")) not in {value for value, _label in choices}:
            choices.insert(0, ("", _("Choose a person…")))
        self.set_choices("user_id", choices)

    def owner_ref(self) -> int | None:
        value = self.cleaned_data["user_id"]
        return None if value == NOBODY else int(value)


class OwnerPickerForm(WebForm):
    """The owner form of a lead in an account of many people (OWNER_MENU_MAX): the new owner
    typed, the people the lead may go to offered as one types (web:people_options, for this
    lead), and "Nobody" when it may go back to the pool. It posts to the same view as
    OwnerForm, which reads what is typed."""

    is_picker = True

    def __init__(self, *args: Any, lead_id: int, owner: Any, **kwargs: Any) -> None:
        initial = {"user_id": person_option(owner) if owner is not None else ""}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["user_id"] = forms.CharField(
            label=_("New owner"),
            max_length=400,
            widget=PersonInput(f"lead&lead={lead_id}", "owner-people"),
        )


class TeamForm(WebForm):
    team_id = forms.ChoiceField(label=_("Move to team"))

    def __init__(self, *args: Any, teams: list[Any], may_take_out: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(str(t.pk), t.name) for t in teams]
        if may_take_out:
            choices.append((NOBODY, _("No team")))
        if str(self.initial.get("team_id")) not in {value for value, _label in choices}:
            choices.insert(0, ("", _("Choose a team…")))
        self.set_choices("team_id", choices)

    def team_ref(self) -> int | None:
        value = self.cleaned_data["team_id"]
        return None if value == NOBODY else int(value)


class QuickStatusForm(WebForm):
    """The lead page's quick status change; standby takes the day the lead comes back."""

    status = forms.ChoiceField(label=_("Status"))
    remind_date = forms.DateField(label=_("Back on (standby)"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("status", status_choices())


class StepForm(WebForm):
    step = forms.ChoiceField(label=_("Move to step"))

    def __init__(self, *args: Any, directory: Directory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("step", step_choices(directory))


class CommentForm(WebForm):
    """A comment, or an activity when a type is chosen ("Log an activity"), with an optional
    follow-up reminder saying what is planned next."""

    activity = forms.ChoiceField(label=_("Activity"), required=False, widget=forms.RadioSelect)
    content = forms.CharField(
        label=_("New comment"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    remind_date = forms.DateField(label=_("Follow-up on"), required=False, widget=DateInput())
    remind_time = forms.TimeField(
        label=_("at"), required=False, widget=forms.TimeInput(attrs={"type": "time", "step": 900})
    )
    remind_activity = forms.ChoiceField(label=_("Planned activity"), required=False)
    remind_note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, types: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(str(pk), name) for pk, name in types or []]
        self.set_choices("activity", [("", _("Comment")), *choices])
        self.set_choices("remind_activity", [("", "—"), *choices])
