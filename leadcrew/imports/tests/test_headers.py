import pytest

from leadcrew.core.errors import Code, InvalidParameter
from leadcrew.imports.headers import Field, checked_mapping, recognise

ENGLISH = [
    "Title",
    "Owner",
    "Team",
    "Step",
    "Status",
    "Amount",
    "Probability",
    "Tags",
    "Created at",
    "Closing date",
    "Description",
]
FRENCH = [
    "Titre",
    "Propriétaire",
    "Équipe",
    "Étape",
    "Statut",
    "Montant",
    "Probabilité",
    "Étiquettes",
    "Date de création",
    "Date de clôture",
    "Description",
]
FIELDS = [
    Field.TITLE,
    Field.OWNER,
    Field.TEAM,
    Field.STEP,
    Field.STATUS,
    Field.AMOUNT,
    Field.PROBABILITY,
    Field.TAGS,
    Field.CREATED_AT,
    Field.ESTIMATED_CLOSING_DATE,
    Field.DESCRIPTION,
]


@pytest.mark.parametrize("headers", [ENGLISH, FRENCH])
def test_headers_are_recognised_in_english_and_french(headers: list[str]) -> None:
    assert recognise(headers) == dict(zip(headers, FIELDS, strict=True))


def test_case_accents_and_spacing_do_not_matter() -> None:
    assert recognise(["  PROPRIETAIRE ", "equipe", "Date  de   clôture", "Created_At"]) == {
        "  PROPRIETAIRE ": Field.OWNER,
        "equipe": Field.TEAM,
        "Date  de   clôture": Field.ESTIMATED_CLOSING_DATE,
        "Created_At": Field.CREATED_AT,
    }


def test_unknown_headers_are_left_out_and_the_first_of_two_wins() -> None:
    assert recognise(["Phone", "Title", "Titre", "Fax"]) == {"Title": Field.TITLE}


def test_a_mapping_names_fields_and_ignores_columns() -> None:
    mapping = checked_mapping(
        {"Nom": "title", "Qui": "owner", "Valeur": "amount", "Notes": None, "X": "ignore"},
        ["Nom", "Qui", "Valeur", "Notes", "X"],
    )
    assert mapping == {"Nom": Field.TITLE, "Qui": Field.OWNER, "Valeur": Field.AMOUNT}


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (["title"], Code.IMPORT_NOT_AN_OBJECT),
        ({"Nope": "title"}, Code.IMPORT_UNKNOWN_COLUMN),
        ({"A": "colour"}, Code.IMPORT_UNKNOWN_FIELD),
        ({"A": 3}, Code.IMPORT_UNKNOWN_FIELD),
        ({"A": "title", "B": "title"}, Code.IMPORT_FIELD_TWICE),
    ],
)
def test_a_wrong_mapping_is_refused_naming_the_mapping(given: object, code: Code) -> None:
    with pytest.raises(InvalidParameter) as raised:
        checked_mapping(given, ["A", "B"])
    assert raised.value.code == code
    assert raised.value.field == "mapping"
