"""Writes on the account's fields and on the field values of leads (one transaction each).

The lead services call `lead_contact_plan` and `lead_values_store` for the `fields`,
`description` and `append_desc` of a lead write; an import calls `lead_fields_validate` to
check a row's values before it writes anything, and `lead_fields_set` to write them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import Account
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.contacts import description as convention
from leadcrew.contacts.models import Field, FieldType, LeadFieldValue, ParentType
from leadcrew.contacts.selectors import FieldDef, field_get, lead_field_defs
from leadcrew.contacts.values import FieldInput, clean_value, fold, match_key
from leadcrew.core.errors import AlreadyExists, Code, InvalidParameter
from leadcrew.leads.models import Lead

# The lead fields every account starts with: key, name, type, and whether duplicates are
# looked for by it.
DEFAULT_LEAD_FIELDS = (
    ("first_name", "First name", FieldType.TEXT, False),
    ("last_name", "Last name", FieldType.TEXT, False),
    ("email", "Email", FieldType.EMAIL, True),
    ("phone", "Phone", FieldType.PHONE, True),
    ("company", "Company", FieldType.TEXT, False),
    ("address", "Address", FieldType.TEXT, False),
    ("web", "Web", FieldType.URL, False),
)
MAX_FIELDS = 200
MAX_CHOICES = 500
MAX_NAME_LENGTH = 100


def fields_create_default(account: Account) -> None:
    """A new account's lead fields (the same as migration contacts/0002 gave older ones)."""
    Field.objects.bulk_create(
        Field(
            account=account,
            parent_type=ParentType.LEAD,
            key=key,
            name=name,
            type=field_type,
            is_key=is_key,
            position=position,
        )
        for position, (key, name, field_type, is_key) in enumerate(DEFAULT_LEAD_FIELDS)
    )


# --- The account's fields -------------------------------------------------------------------


def _key_of(name: str) -> str:
    """`First name` → `first_name`: lower case, no accents, words joined by underscores."""
    words = "".join(char if char.isascii() and char.isalnum() else " " for char in fold(name))
    return "_".join(words.split())[:MAX_NAME_LENGTH] or "field"


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidParameter("name", Code.BLANK)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidParameter("name", Code.TOO_LONG, max=MAX_NAME_LENGTH)
    if ":" in name:
        # A name is the label of a `Label: value` line of the description.
        raise InvalidParameter("name", Code.FIELD_NAME_COLON)
    return name


def _clean_choices(field_type: str, choices: Sequence[str] | None) -> list[str]:
    if field_type not in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE):
        return []
    cleaned = list(dict.fromkeys(" ".join(str(c).split()) for c in choices or ()))
    cleaned = [choice for choice in cleaned if choice]
    if not cleaned:
        raise InvalidParameter("choices", Code.CHOICES_REQUIRED)
    if len(cleaned) > MAX_CHOICES:
        raise InvalidParameter("choices", Code.TOO_MANY_CHOICES, max=MAX_CHOICES)
    if any(len(choice) > MAX_NAME_LENGTH for choice in cleaned):
        raise InvalidParameter("choices", Code.TOO_LONG, max=MAX_NAME_LENGTH)
    if any("," in choice for choice in cleaned):
        raise InvalidParameter("choices", Code.CHOICE_COMMA)
    return cleaned


def _ensure_name_free(actor: Actor, parent_type: str, name: str, except_id: int | None) -> None:
    same = Field.objects.filter(
        account_id=actor.account_id, parent_type=parent_type, name__iexact=name
    )
    if except_id is not None:
        same = same.exclude(pk=except_id)
    existing = same.first()
    if existing is not None:
        raise AlreadyExists(Code.FIELD_NAME_TAKEN, existing_id=existing.pk, field="name")


@transaction.atomic
def field_create(
    *,
    actor: Actor,
    name: str,
    type: str = FieldType.TEXT,
    parent_type: str = ParentType.LEAD,
    is_key: bool = False,
    choices: Sequence[str] | None = None,
) -> Field:
    """A new field, last of its kind (admins only). Its key is made from its name."""
    ensure_admin(actor)
    if type not in FieldType.values:
        raise InvalidParameter("type", Code.NOT_ONE_OF, choices=", ".join(FieldType.values))
    if parent_type not in ParentType.values:
        raise InvalidParameter("parent_type", Code.NOT_ONE_OF, choices=", ".join(ParentType.values))
    Account.objects.select_for_update(no_key=True).filter(pk=actor.account_id).first()
    name = _clean_name(name)
    _ensure_name_free(actor, parent_type, name, None)
    siblings = Field.objects.filter(account_id=actor.account_id, parent_type=parent_type)
    if siblings.count() >= MAX_FIELDS:
        raise InvalidParameter("name", Code.TOO_MANY_FIELDS, max=MAX_FIELDS)
    taken = set(siblings.values_list("key", flat=True))
    base = key = _key_of(name)
    suffix = 2
    while key in taken:
        key = f"{base[: MAX_NAME_LENGTH - 4]}_{suffix}"
        suffix += 1
    last = siblings.order_by("-position").values_list("position", flat=True).first()
    return Field.objects.create(
        account_id=actor.account_id,
        parent_type=parent_type,
        name=name,
        key=key,
        type=type,
        is_key=is_key,
        choices=_clean_choices(type, choices),
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def field_update(
    *,
    actor: Actor,
    field_id: int,
    name: str | None = None,
    is_key: bool | None = None,
    choices: Sequence[str] | None = None,
    position: int | None = None,
) -> Field:
    """Renames a field, flags it for duplicates, changes its choices or moves it (admins
    only). Its key and type never change: integrations and stored values rely on them."""
    ensure_admin(actor)
    field = field_get(actor, field_id)
    field = Field.objects.select_for_update().get(pk=field.pk)
    if name is not None:
        field.name = _clean_name(name)
        _ensure_name_free(actor, field.parent_type, field.name, field.pk)
    if is_key is not None:
        field.is_key = is_key
    if choices is not None:
        field.choices = _clean_choices(field.type, choices)
    field.save()
    if position is not None:
        _move(actor, field, position)
    return field


def _move(actor: Actor, field: Field, position: int) -> None:
    siblings = list(
        Field.objects.filter(account_id=actor.account_id, parent_type=field.parent_type)
        .exclude(pk=field.pk)
        .order_by("position", "id")
    )
    siblings.insert(max(0, min(position, len(siblings))), field)
    fields_reorder(actor=actor, parent_type=field.parent_type, field_ids=[f.pk for f in siblings])


@transaction.atomic
def fields_reorder(*, actor: Actor, parent_type: str, field_ids: Sequence[int]) -> None:
    """Puts the fields of one kind in the given order (admins only); fields left out of the
    list keep their relative order after the listed ones."""
    ensure_admin(actor)
    fields = list(
        Field.objects.select_for_update()
        .filter(account_id=actor.account_id, parent_type=parent_type)
        .order_by("position", "id")
    )
    by_id = {field.pk: field for field in fields}
    unknown = [field_id for field_id in field_ids if field_id not in by_id]
    if unknown:
        raise InvalidParameter("ids", Code.UNKNOWN_FIELD, key=unknown[0])
    listed = list(dict.fromkeys(field_ids))
    order = listed + [field.pk for field in fields if field.pk not in listed]
    now = timezone.now()
    for position, field_id in enumerate(order):
        by_id[field_id].position = position
        by_id[field_id].updated_at = now
    Field.objects.bulk_update(fields, ["position", "updated_at"])


@transaction.atomic
def field_delete(*, actor: Actor, field_id: int) -> None:
    """Deletes a field and its values (admins only), in the sensitive-actions log with how
    many values went. Descriptions keep their text."""
    ensure_admin(actor)
    field = field_get(actor, field_id)
    values = field.lead_values.count()
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.FIELD_DELETED,
        count=values,
        details={"field_id": field.pk, "key": field.key, "name": field.name, "values": values},
    )
    field.delete()


# --- Values on leads ------------------------------------------------------------------------


def _def_for(defs: Sequence[FieldDef], ref: str) -> FieldDef | None:
    """A field named by its key, or by its name in any case."""
    for field in defs:
        if field.key == ref:
            return field
    folded = fold(ref.strip())
    return next((field for field in defs if fold(field.name) == folded), None)


def validate_values(defs: Sequence[FieldDef], values: Mapping[str, FieldInput]) -> dict[int, str]:
    """The values by field id, each checked and made canonical for its type ("" clears); an
    unknown field or a bad value is an InvalidParameter naming `fields.<key>`."""
    cleaned: dict[int, str] = {}
    for ref, value in values.items():
        field = _def_for(defs, str(ref))
        if field is None:
            raise InvalidParameter(f"fields.{ref}", Code.UNKNOWN_FIELD, key=ref)
        cleaned[field.id] = clean_value(
            field.type, field.choices, value, field=f"fields.{field.key}"
        )
    return cleaned


def lead_fields_validate(*, actor: Actor, values: Mapping[str, FieldInput]) -> dict[str, str]:
    """The lead field values as they would be stored, by key, or the InvalidParameter a write
    of them would raise. Writes nothing: an import checks each row with it first."""
    defs = lead_field_defs(actor)
    by_id = {field.id: field.key for field in defs}
    return {by_id[field_id]: value for field_id, value in validate_values(defs, values).items()}


def lead_fields_set(*, actor: Actor, lead_id: int, values: Mapping[str, FieldInput]) -> None:
    """Sets some field values of a lead (by key or name; "" or None clears one) as PUT
    /leads/{id} with `fields` does: the edit right, and the description's header rewritten."""
    from leadcrew.leads.services import lead_update  # the lead services import this module

    lead_update(actor=actor, lead_id=lead_id, data={"fields": dict(values)})


@dataclass(frozen=True)
class ContactPlan:
    """What a lead write does to its contact data: its new description, and its field values
    by field id (None: the values are left as they are)."""

    description: str
    values: dict[int, str] | None


def _current_values(lead: Lead) -> dict[int, str]:
    if lead.pk is None:
        return {}
    rows = LeadFieldValue.objects.filter(lead_id=lead.pk).values_list("field_id", "value")
    return dict(rows)


def lead_contact_plan(
    actor: Actor,
    lead: Lead,
    *,
    description: str | None,
    fields: Mapping[str, FieldInput] | None,
    append_desc: str | None,
    defs: Sequence[FieldDef] | None = None,
) -> ContactPlan:
    """The description and field values a write gives `lead` (checked, nothing written yet).

    A `description` is kept verbatim, and its header (`Label: value` lines, `---`) becomes the
    field values: fields it does not name are cleared, as they live in the description in the
    reference API. `fields` change the named values and rewrite the header, the free text
    kept. `append_desc` adds a line to the free text. Header values that do not fit their
    field's type are kept as written: they come from text a client composed. `defs`, the
    account's lead fields, may be given by a caller that plans many leads (an import)."""
    if defs is None:
        defs = lead_field_defs(actor)
    labels = [field.name for field in defs]
    text = lead.description if description is None else description
    values: dict[int, str] | None = None
    if description is not None:
        parsed = convention.parse(description, labels)
        by_name = {field.name: field for field in defs}
        values = {}
        for label, raw in parsed.values.items():
            field = by_name[label]
            try:
                values[field.id] = clean_value(field.type, field.choices, raw, field="description")
            except InvalidParameter:
                values[field.id] = raw
    if fields is not None:
        merged = _current_values(lead) if values is None else values
        merged.update(validate_values(defs, fields))
        values = {field_id: value for field_id, value in merged.items() if value}
        free_text = convention.parse(text, labels).free_text
        ordered = {field.name: values.get(field.id, "") for field in defs}
        text = convention.compose(ordered, free_text)
    if append_desc:
        text = convention.append(text, append_desc)
    return ContactPlan(description=text, values=values)


def lead_values_store_many(rows: Sequence[tuple[Lead, Mapping[int, str]]]) -> None:
    """Stores the field values of new leads, saved just now and holding none yet: one
    INSERT for all of them (an import)."""
    LeadFieldValue.objects.bulk_create(
        LeadFieldValue(
            account_id=lead.account_id,
            lead_id=lead.pk,
            field_id=field_id,
            value=value,
            match=match_key(value),
        )
        for lead, values in rows
        for field_id, value in values.items()
        if value
    )


def lead_values_store(lead: Lead, values: Mapping[int, str]) -> None:
    """Replaces the field values of a saved lead (empty values are no values)."""
    LeadFieldValue.objects.filter(lead_id=lead.pk).delete()
    LeadFieldValue.objects.bulk_create(
        LeadFieldValue(
            account_id=lead.account_id,
            lead_id=lead.pk,
            field_id=field_id,
            value=value,
            match=match_key(value),
        )
        for field_id, value in values.items()
        if value
    )
