"""Which lead field a column holds: recognised from its header, in English or French, or
named by the importer's mapping (column header → field)."""

import re
import unicodedata
from enum import StrEnum

from leadcrew.contacts.selectors import FieldDef
from leadcrew.core.errors import Code, InvalidParameter

# A column's field: a `Field` value, or `fields.<key>` for one of the account's contact fields.
FIELDS_PREFIX = "fields."


class Field(StrEnum):
    """The lead fields a column may fill (`ignore`: a column left out)."""

    TITLE = "title"
    DESCRIPTION = "description"
    OWNER = "user_id"
    TEAM = "team_id"
    PIPELINE = "pipeline_id"
    STEP = "step"
    STATUS = "status"
    AMOUNT = "amount"
    PROBABILITY = "probability"
    CURRENCY = "currency"
    TAGS = "tags"
    STARRED = "starred"
    REMIND_DATE = "remind_date"
    REMIND_TIME = "remind_time"
    ESTIMATED_CLOSING_DATE = "estimated_closing_date"
    CREATED_AT = "created_at"
    CLOSED_AT = "closed_at"
    IGNORE = "ignore"


# Other names a mapping may give a field: the reference API's and the obvious ones.
FIELD_ALIASES = {
    "owner": Field.OWNER,
    "user": Field.OWNER,
    "team": Field.TEAM,
    "pipeline": Field.PIPELINE,
    "step_id": Field.STEP,
    "closing_date": Field.ESTIMATED_CLOSING_DATE,
    "": Field.IGNORE,
}

# Headers, written plain (lower case, no accents, words separated by one space), per field.
HEADERS: dict[Field, tuple[str, ...]] = {
    Field.TITLE: (
        "title",
        "lead",
        "lead title",
        "lead name",
        "opportunity",
        "deal",
        "titre",
        "titre du lead",
        "nom du lead",
        "affaire",
        "opportunite",
    ),
    Field.DESCRIPTION: ("description", "notes", "note", "details", "remarques"),
    Field.OWNER: (
        "owner",
        "owner email",
        "owner name",
        "user",
        "user email",
        "assigned to",
        "assignee",
        "salesperson",
        "proprietaire",
        "email du proprietaire",
        "utilisateur",
        "assigne a",
        "commercial",
        "responsable",
    ),
    Field.TEAM: ("team", "team name", "equipe", "nom de l equipe"),
    Field.PIPELINE: ("pipeline", "pipe", "funnel", "tunnel", "entonnoir"),
    Field.STEP: ("step", "stage", "pipeline step", "etape", "phase"),
    Field.STATUS: ("status", "state", "statut", "etat"),
    Field.AMOUNT: ("amount", "value", "deal value", "montant", "valeur", "montant ht"),
    Field.PROBABILITY: ("probability", "probability %", "probabilite", "proba", "chance"),
    Field.CURRENCY: ("currency", "devise", "monnaie"),
    Field.TAGS: ("tags", "tag", "labels", "label", "etiquettes", "etiquette", "mots cles"),
    Field.STARRED: ("starred", "star", "favorite", "favourite", "favori", "etoile", "suivi"),
    Field.REMIND_DATE: (
        "reminder",
        "reminder date",
        "remind date",
        "next action",
        "rappel",
        "date de rappel",
        "prochaine action",
    ),
    Field.REMIND_TIME: ("reminder time", "remind time", "heure de rappel", "heure du rappel"),
    Field.ESTIMATED_CLOSING_DATE: (
        "closing date",
        "estimated closing date",
        "expected closing date",
        "expected close date",
        "close date",
        "date de cloture",
        "date de cloture estimee",
        "date de cloture prevue",
        "cloture prevue",
    ),
    Field.CREATED_AT: (
        "created at",
        "created",
        "created on",
        "creation date",
        "date created",
        "date de creation",
        "cree le",
        "creation",
    ),
    Field.CLOSED_AT: (
        "closed at",
        "closed on",
        "closed",
        "ferme le",
        "clos le",
        "date de fermeture",
    ),
}
# Other headers of the contact fields every account starts with (by key), in both languages.
CONTACT_HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "prenom"),
    "last_name": ("last name", "lastname", "surname", "family name", "nom de famille"),
    "email": ("email", "e mail", "email address", "mail", "courriel", "adresse email"),
    "phone": ("phone", "telephone", "tel", "phone number", "mobile", "portable"),
    "company": ("company", "organization", "organisation", "societe", "entreprise"),
    "address": ("address", "adresse"),
    "web": ("web", "website", "site", "site web", "url"),
}
_BY_HEADER = {header: field for field, headers in HEADERS.items() for header in headers}


def plain(header: str) -> str:
    """A header as it is compared: lower case, accents dropped, words separated by one space
    (`Propriétaire`, `PROPRIETAIRE` and ` propriétaire ` are one)."""
    decomposed = unicodedata.normalize("NFKD", header.strip().lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = re.sub(r"[^a-z0-9%]+", " ", letters).split()
    return " ".join(words)


def _contact_headers(defs: list[FieldDef]) -> dict[str, str]:
    """Plain header → `fields.<key>` for the account's contact fields: their name, their key,
    and the usual names of the fields every account starts with."""
    known: dict[str, str] = {}
    for definition in defs:
        target = FIELDS_PREFIX + definition.key
        for header in (definition.name, definition.key, *CONTACT_HEADERS.get(definition.key, ())):
            known.setdefault(plain(header), target)
    return known


def recognise(headers: list[str], defs: list[FieldDef] | None = None) -> dict[str, str]:
    """The fields the headers name, column by column (the first column wins when two name the
    same field); columns not recognised are left out. A lead field's header wins over a
    contact field of the same name."""
    contact = _contact_headers(defs or [])
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = plain(header)
        builtin = _BY_HEADER.get(key)
        target = builtin.value if builtin is not None else contact.get(key)
        if target is not None and target not in taken and header not in mapping:
            mapping[header] = target
            taken.add(target)
    return mapping


def field_named(name: object, defs: list[FieldDef] | None = None) -> str:
    """A field as a mapping names it (`title`, `owner`, `fields.email`, or a contact field's
    key or name), or an error naming the mapping."""
    if name is None:
        return Field.IGNORE.value
    if not isinstance(name, str):
        raise InvalidParameter("mapping", Code.IMPORT_UNKNOWN_FIELD, value=str(name)[:50])
    key = name.strip().lower()
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key].value
    if key in Field:
        return Field(key).value
    wanted = key.removeprefix(FIELDS_PREFIX)
    for definition in defs or []:
        if wanted in (definition.key.lower(), plain(definition.name), definition.name.lower()):
            return FIELDS_PREFIX + definition.key
    raise InvalidParameter("mapping", Code.IMPORT_UNKNOWN_FIELD, value=name[:50])


def checked_mapping(
    given: object, headers: list[str], defs: list[FieldDef] | None = None
) -> dict[str, str]:
    """The importer's mapping, checked against the file: an object of column header → field,
    every header one of the file's, no field filled by two columns. Columns it leaves out are
    ignored."""
    if not isinstance(given, dict):
        raise InvalidParameter("mapping", Code.IMPORT_NOT_AN_OBJECT)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header, name in given.items():
        if header not in headers:
            raise InvalidParameter("mapping", Code.IMPORT_UNKNOWN_COLUMN, column=str(header)[:100])
        target = field_named(name, defs)
        if target == Field.IGNORE.value:
            continue
        if target in taken:
            raise InvalidParameter("mapping", Code.IMPORT_FIELD_TWICE, field_name=target)
        taken.add(target)
        mapping[header] = target
    return mapping
