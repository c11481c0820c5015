"""The description convention and the field types, as pure functions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcrew.contacts import description as convention
from leadcrew.contacts.models import FieldType
from leadcrew.contacts.values import clean_value, fold, match_key
from leadcrew.core.errors import InvalidParameter

LABELS = ["First name", "Last name", "Email", "Phone"]


def test_a_header_is_read_by_label_in_any_case() -> None:
    parsed = convention.parse(
        "first name: Sara\nEMAIL: sara@novak.test\nPhone: \n---\nMet at the fair.\n", LABELS
    )
    assert parsed.has_header
    assert parsed.values == {"First name": "Sara", "Email": "sara@novak.test", "Phone": ""}
    assert parsed.free_text == "Met at the fair.\n"


def test_text_without_a_header_is_all_free_text() -> None:
    for text in (
        "Called him back",
        "Note: call back\n---\nlater",  # no label is a field
        "First name: Sara\nsomething else\n---\nx",  # a line of the header is no `Label: value`
        "First name: Sara",  # no separator
    ):
        parsed = convention.parse(text, LABELS)
        assert not parsed.has_header and parsed.values == {} and parsed.free_text == text


def test_unknown_labels_in_a_header_are_left_out_of_the_values() -> None:
    parsed = convention.parse("First name: Sara\nSource: fair\n---\n", LABELS)
    assert parsed.values == {"First name": "Sara"}


def test_compose_writes_set_values_in_order_then_the_free_text() -> None:
    text = convention.compose({"First name": "Sara", "Last name": "", "Email": "s@n.test"}, "Hi")
    assert text == "First name: Sara\nEmail: s@n.test\n---\nHi"
    assert convention.compose({"First name": ""}, "Just text") == "Just text"


values_text = st.text(
    alphabet=st.characters(exclude_characters="\n\r:", exclude_categories=["Cs"]),
    max_size=20,
).map(str.strip)


@given(
    values=st.fixed_dictionaries(dict.fromkeys(LABELS, values_text)),
    free_text=st.text(max_size=40),
)
def test_fields_to_description_and_back_is_the_identity(
    values: dict[str, str], free_text: str
) -> None:
    text = convention.compose(values, free_text)
    parsed = convention.parse(text, LABELS)
    set_values = {label: value for label, value in values.items() if value}
    if set_values:
        assert parsed.values == set_values
        assert parsed.free_text == free_text
    else:
        assert text == free_text


def test_append_adds_a_line_at_the_end() -> None:
    assert convention.append("First name: A\n---\nfirst", "second") == (
        "First name: A\n---\nfirst\nsecond"
    )
    assert convention.append("", "only") == "only"
    assert convention.append("ends\n", "next") == "ends\nnext"


# --- Types ----------------------------------------------------------------------------------

VALID = [
    (FieldType.TEXT, "  Novak & Co  ", "Novak & Co"),
    (FieldType.EMAIL, "sara@novak.test", "sara@novak.test"),
    (FieldType.PHONE, "+33 (0)1 23-45.67", "+33 (0)1 23-45.67"),
    (FieldType.URL, "novak.test/about", "novak.test/about"),
    (FieldType.URL, "https://novak.test", "https://novak.test"),
    (FieldType.NUMBER, "12.50", "12.5"),
    (FieldType.NUMBER, 3, "3"),
    (FieldType.NUMBER, "0.00", "0"),
    (FieldType.DATE, "2026-12-05", "2026-12-05"),
    (FieldType.CHOICE, "gold", "Gold"),
    (FieldType.MULTIPLE_CHOICE, ["silver", "Gold", "gold"], "Silver, Gold"),
    (FieldType.MULTIPLE_CHOICE, "Gold, Silver", "Gold, Silver"),
    (FieldType.EMAIL, "", ""),
    (FieldType.NUMBER, None, ""),
]
INVALID = [
    (FieldType.TEXT, "two\nlines", "field_one_line"),
    (FieldType.TEXT, "x" * 1001, "too_long"),
    (FieldType.TEXT, ["a"], "field_not_text"),
    (FieldType.EMAIL, "sara@", "invalid_email"),
    (FieldType.PHONE, "call me", "invalid_phone"),
    (FieldType.PHONE, "+1", "invalid_phone"),
    (FieldType.URL, "not a url", "invalid_url"),
    (FieldType.URL, "ftp://novak.test", "invalid_url"),
    (FieldType.NUMBER, "twelve", "invalid_number"),
    (FieldType.NUMBER, "١٢", "invalid_number"),
    (FieldType.NUMBER, "NaN", "invalid_number"),
    (FieldType.NUMBER, "1e999", "invalid_number"),
    (FieldType.DATE, "05/12/2026", "invalid_field_date"),
    (FieldType.DATE, "1066-10-14", "invalid_field_date"),
    (FieldType.CHOICE, "Bronze", "not_one_of"),
    (FieldType.MULTIPLE_CHOICE, ["Gold", "Bronze"], "not_one_of"),
    (FieldType.TEXT, True, "field_not_text"),
]


@pytest.mark.parametrize(("field_type", "given_value", "stored"), VALID)
def test_each_type_stores_its_canonical_text(
    field_type: str, given_value: object, stored: str
) -> None:
    assert clean_value(field_type, ["Gold", "Silver"], given_value, field="f") == stored  # type: ignore[arg-type]


@pytest.mark.parametrize(("field_type", "given_value", "code"), INVALID)
def test_each_type_refuses_what_it_is_not(field_type: str, given_value: object, code: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        clean_value(field_type, ["Gold", "Silver"], given_value, field="fields.x")  # type: ignore[arg-type]
    assert refused.value.code == code and refused.value.field == "fields.x"


def test_folding_ignores_case_and_accents() -> None:
    assert fold("Élodie ÇA") == fold("elodie ca")
    assert match_key("  SARA@Novak.test ") == "sara@novak.test"
