"""The client folder form: its name, the account's client-folder fields and free notes.

A folder's field values live in its description, through the convention leads use
(leadcrew.contacts.description): `Label: value` lines, a `---` line, then the notes. The form
reads them from there and writes them back there; each value is checked by its field's type as
the API checks a lead's (leadcrew.contacts.values)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadcrew.contacts import description
from leadcrew.contacts.client_folder_services import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH
from leadcrew.contacts.models import ClientFolder, FieldType
from leadcrew.contacts.selectors import FieldDef
from leadcrew.contacts.values import clean_value
from leadcrew.core.errors import InvalidParameter
from leadcrew.web.forms import WebForm

FIELD_PREFIX = "field_"
INPUT_TYPES = {
    FieldType.EMAIL: "email",
    FieldType.PHONE: "tel",
    FieldType.URL: "url",
    FieldType.DATE: "date",
}


def folder_values(folder: ClientFolder, defs: list[FieldDef]) -> tuple[dict[str, str], str]:
    """The folder's values by field name (in the fields' order, only those set) and its notes."""
    parsed = description.parse(folder.description, [field.name for field in defs])
    values = {
        field.name: parsed.values[field.name] for field in defs if parsed.values.get(field.name)
    }
    return values, parsed.free_text


class ClientFolderForm(WebForm):
    name = forms.CharField(label=_("Name"), max_length=MAX_NAME_LENGTH)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, defs: list[FieldDef], folder: ClientFolder | None = None, **kwargs: Any
    ) -> None:
        self.defs = defs
        if folder is not None:
            values, notes = folder_values(folder, defs)
            initial: dict[str, Any] = {"name": folder.name, "notes": notes}
            for field in defs:
                value = values.get(field.name, "")
                if field.type == FieldType.MULTIPLE_CHOICE:
                    initial[FIELD_PREFIX + field.key] = [v.strip() for v in value.split(",") if v]
                else:
                    initial[FIELD_PREFIX + field.key] = value
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        notes_field = self.fields.pop("notes")
        for field in defs:
            self.fields[FIELD_PREFIX + field.key] = _form_field(field)
        self.fields["notes"] = notes_field

    def value_fields(self) -> list[forms.BoundField]:
        return [self[FIELD_PREFIX + field.key] for field in self.defs]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in self.defs:
            name = FIELD_PREFIX + field.key
            if name not in data:
                continue
            try:
                data[name] = clean_value(field.type, field.choices, data[name], field=name)
            except InvalidParameter as error:
                self.add_error(name, error.text())
        return data

    def folder_description(self) -> str:
        """The description to store: the values as its header, then the notes."""
        values = {field.name: self.cleaned_data[FIELD_PREFIX + field.key] for field in self.defs}
        return description.compose(values, self.cleaned_data.get("notes") or "")


def _form_field(field: FieldDef) -> forms.Field:
    if field.type == FieldType.CHOICE:
        return forms.ChoiceField(
            label=field.name,
            required=False,
            choices=[("", "—"), *((choice, choice) for choice in field.choices)],
        )
    if field.type == FieldType.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            label=field.name,
            required=False,
            choices=[(choice, choice) for choice in field.choices],
            widget=forms.CheckboxSelectMultiple,
        )
    input_type = INPUT_TYPES.get(FieldType(field.type), "text")
    return forms.CharField(
        label=field.name,
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"type": input_type}),
    )
