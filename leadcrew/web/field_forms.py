"""The forms of custom fields and of the tag vocabulary: the admin panel's (fields, categories,
predefined tags) and the lead values' inputs, one per field and by its type. They check shapes
only; what a value or a name may be is the contacts services' rule (`leadcrew.contacts`), and
their refusals come back on the field they name."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadcrew.contacts.models import FieldType, ParentType, PredefinedTag
from leadcrew.contacts.selectors import FieldDef
from leadcrew.contacts.services import validate_values
from leadcrew.contacts.values import FieldInput
from leadcrew.core.errors import ApiError, InvalidParameter
from leadcrew.web.forms import DateInput, WebForm

FIELD_TYPE_LABELS = {
    FieldType.TEXT: _("Text"),
    FieldType.EMAIL: _("E-mail"),
    FieldType.PHONE: _("Phone"),
    FieldType.URL: _("Web address (URL)"),
    FieldType.NUMBER: _("Number"),
    FieldType.DATE: _("Date"),
    FieldType.CHOICE: _("Single choice"),
    FieldType.MULTIPLE_CHOICE: _("Multiple choice"),
}
PARENT_TYPE_LABELS = {
    ParentType.LEAD: _("Leads"),
    ParentType.CLIENT: _("Client folders"),
}
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE)


def choice_lines(text: str) -> list[str]:
    """The choices typed one per line (blank lines left out)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class FieldCreateForm(WebForm):
    parent_type = forms.ChoiceField(
        label=_("Field of"),
        choices=[(str(value), label) for value, label in PARENT_TYPE_LABELS.items()],
        initial=ParentType.LEAD,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[(str(value), label) for value, label in FIELD_TYPE_LABELS.items()],
        initial=FieldType.TEXT,
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=60_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a single or multiple choice: one choice per line."),
    )
    is_key = forms.BooleanField(
        label=_("Look for duplicates by this field"),
        required=False,
        help_text=_("Two leads with the same value are shown as likely duplicates."),
    )

    def field_data(self) -> dict[str, Any]:
        """The keywords of field_create."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "type": data["type"],
            "parent_type": data["parent_type"],
            "is_key": bool(data.get("is_key")),
            "choices": choice_lines(data.get("choices") or ""),
        }


class FieldEditForm(WebForm):
    """A field's name, its duplicate flag and, for a choice field, its choices (its key and
    type never change)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    is_key = forms.BooleanField(label=_("Duplicates"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=60_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )

    def __init__(self, *args: Any, with_choices: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_choices:
            del self.fields["choices"]

    def field_data(self) -> dict[str, Any]:
        """The keywords of field_update."""
        data = self.cleaned_data
        change: dict[str, Any] = {"name": data["name"], "is_key": bool(data.get("is_key"))}
        if "choices" in self.fields:
            change["choices"] = choice_lines(data.get("choices") or "")
        return change


class CategoryForm(WebForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_required = forms.BooleanField(label=_("Required on won leads"), required=False)


class PredefinedTagForm(WebForm):
    name = forms.CharField(label=_("Tag"), max_length=100)


TAG_LIST = "tag-suggestions"


def suggest_tags(form: forms.Form, vocabulary: Iterable[PredefinedTag]) -> list[str]:
    """The account's predefined tags, which the form's tags input suggests (a <datalist>):
    only the vocabulary, never tags read off leads, which the reader may not all see."""
    names = [tag.name for tag in vocabulary]
    if names:
        form.fields["tags"].widget.attrs.update({"list": TAG_LIST, "data-tag-suggest": ""})
    return names


def watch_duplicates(form: forms.Form, values_form: "LeadValuesForm", url: str) -> None:
    """Has the title and the key fields' inputs ask `url`, as they are typed, for the leads
    the new one would likely duplicate (htmx, into the `#duplicates` region)."""
    watched = "[data-duplicate-key]"
    attrs = {
        "data-duplicate-key": "",
        "data-background-request": "",
        "hx-get": url,
        "hx-trigger": "keyup changed delay:500ms, change",
        "hx-target": "#duplicates",
        "hx-swap": "outerHTML",
        "hx-include": watched,
        "hx-sync": "#duplicates:replace",
    }
    form.fields["title"].widget.attrs.update(attrs)
    for field in values_form.defs:
        if field.is_key:
            values_form.fields[field.key].widget.attrs.update(attrs)


# --- A lead's field values -----------------------------------------------------------------


class ValuesField(forms.Field):
    """A field value as typed (a list for a multiple choice): the form keeps it as it is and
    the contacts services decide whether it fits the field's type."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):
            return [str(item) for item in value]
        return "" if value is None else str(value)


def _input_for(field: FieldDef) -> forms.Widget:
    """The input a field's type calls for, so that a phone offers its keypad and a date its
    picker; what they let through is checked by the service all the same."""
    options = [(choice, choice) for choice in field.choices]
    match field.type:
        case FieldType.EMAIL:
            return forms.EmailInput(attrs={"autocomplete": "off"})
        case FieldType.PHONE:
            return forms.TextInput(attrs={"type": "tel"})
        case FieldType.URL:
            return forms.URLInput()
        case FieldType.NUMBER:
            return forms.NumberInput(attrs={"step": "any"})
        case FieldType.DATE:
            return DateInput()
        case FieldType.CHOICE:
            return forms.Select(choices=[("", "—"), *options])
        case FieldType.MULTIPLE_CHOICE:
            return forms.CheckboxSelectMultiple(choices=options)
    return forms.TextInput()


class LeadValuesForm(WebForm):
    """One input per lead field of the account, in their order, named by the field's key (the
    form's prefix is `fields`: `fields-email`). Each value is checked by the same service as
    the API's, all at once so that every wrong value is told next to its input."""

    prefix = "fields"

    def __init__(self, *args: Any, defs: list[FieldDef], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.defs = defs
        for field in defs:
            self.fields[field.key] = ValuesField(
                label=field.name, required=False, widget=_input_for(field)
            )

    @staticmethod
    def initial_of(values: dict[str, str], defs: list[FieldDef]) -> dict[str, Any]:
        """The stored values as the inputs show them (a multiple choice as its ticked boxes)."""
        initial: dict[str, Any] = {}
        for field in defs:
            value = values.get(field.key, "")
            if field.type == FieldType.MULTIPLE_CHOICE:
                initial[field.key] = [item.strip() for item in value.split(",") if item.strip()]
            else:
                initial[field.key] = value
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dates = {field.key for field in self.defs if field.type == FieldType.DATE}
        for key in list(data):
            try:
                validate_values(self.defs, {key: data[key] or None})
            except InvalidParameter as error:
                # A date is typed in the account's order here, not as the API's YYYY-MM-DD.
                invalid_date = forms.DateField.default_error_messages["invalid"]
                self.add_error(key, invalid_date if key in dates else error.text())
        return data

    def lead_values(self, *, filled_only: bool = False) -> dict[str, FieldInput]:
        """The values by key, as `fields` of a lead write ("" clears a value); `filled_only`
        leaves the empty ones out (a new lead, whose description may set them)."""
        values: dict[str, FieldInput] = dict(self.cleaned_data)
        if filled_only:
            return {key: value for key, value in values.items() if value}
        return values

    def show_error(self, error: ApiError) -> bool:
        """A service's refusal about a field value (`fields.<key>`), on its input; False when
        the refusal is about something else."""
        key = (error.field or "").removeprefix("fields.")
        if error.field and error.field.startswith("fields.") and key in self.fields:
            self.add_error(key, error.text())
            return True
        return False
