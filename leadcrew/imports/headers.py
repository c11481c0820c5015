"""Which lead field a column holds: recognised from its header, in English or French, or
named by the importer's mapping (column header → field)."""

import re
import unicodedata
from enum import StrEnum

from leadcrew.core.errors import Code, InvalidParameter


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
        "name",
        "opportunity",
        "deal",
        "titre",
        "titre du lead",
        "nom",
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
_BY_HEADER = {header: field for field, headers in HEADERS.items() for header in headers}


def plain(header: str) -> str:
    """A header as it is compared: lower case, accents dropped, words separated by one space
    (`Propriétaire`, `PROPRIETAIRE` and ` propriétaire ` are one)."""
    decomposed = unicodedata.normalize("NFKD", header.strip().lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = re.sub(r"[^a-z0-9%]+", " ", letters).split()
    return " ".join(words)


def recognise(headers: list[str]) -> dict[str, Field]:
    """The fields the headers name, column by column (the first column wins when two name the
    same field); columns not recognised are left out."""
    mapping: dict[str, Field] = {}
    taken: set[Field] = set()
    for header in headers:
        field = _BY_HEADER.get(plain(header))
        if field is not None and field not in taken and header not in mapping:
            mapping[header] = field
            taken.add(field)
    return mapping


def field_named(name: object) -> Field:
    """A field as a mapping names it, or an error naming the mapping."""
    if name is None:
        return Field.IGNORE
    if not isinstance(name, str):
        raise InvalidParameter("mapping", Code.IMPORT_UNKNOWN_FIELD, value=str(name)[:50])
    key = name.strip().lower()
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key]
    try:
        return Field(key)
    except ValueError:
        raise InvalidParameter("mapping", Code.IMPORT_UNKNOWN_FIELD, value=name[:50]) from None


def checked_mapping(given: object, headers: list[str]) -> dict[str, Field]:
    """The importer's mapping, checked against the file: an object of column header → field,
    every header one of the file's, no field filled by two columns. Columns it leaves out are
    ignored."""
    if not isinstance(given, dict):
        raise InvalidParameter("mapping", Code.IMPORT_NOT_AN_OBJECT)
    mapping: dict[str, Field] = {}
    taken: dict[Field, str] = {}
    for header, name in given.items():
        if header not in headers:
            raise InvalidParameter("mapping", Code.IMPORT_UNKNOWN_COLUMN, column=str(header)[:100])
        field = field_named(name)
        if field == Field.IGNORE:
            continue
        if field in taken:
            raise InvalidParameter("mapping", Code.IMPORT_FIELD_TWICE, field_name=field.value)
        taken[field] = header
        mapping[header] = field
    return mapping
