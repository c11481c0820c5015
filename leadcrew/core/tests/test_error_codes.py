"""The catalogue of refusals: every code has an English sentence and its French translation,
placeholders are well formed, and the API's error body carries the code and the field."""

import re

import pytest
from django.utils import translation

from leadcrew.core.errors import (
    MESSAGES,
    AlreadyExists,
    Code,
    Forbidden,
    InvalidParameter,
    MissingParameter,
    NotFound,
)
from leadcrew.testing.api_world import World, error_type, make_world

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def english(code: Code) -> str:
    with translation.override("en"):
        return str(MESSAGES[code])


def french(code: Code) -> str:
    with translation.override("fr"):
        return str(MESSAGES[code])


def test_every_code_has_a_message() -> None:
    assert [code for code in Code if code not in MESSAGES] == []
    assert set(MESSAGES) <= set(Code)


@pytest.mark.parametrize("code", list(Code))
def test_every_message_is_a_sentence_with_valid_placeholders(code: Code) -> None:
    text = english(code)
    # Nothing but %(name)s placeholders (and a literal %%) may follow a percent sign.
    assert "%" not in PLACEHOLDER.sub("", text).replace("%%", ""), text
    # The message formats with a value for each of its placeholders.
    assert "%" not in text % dict.fromkeys(placeholders(text), "x")
    if PLACEHOLDER.sub("", text).strip():
        assert text[0].isupper() or text.startswith("%("), text
        assert text.endswith("."), text


@pytest.mark.parametrize("code", list(Code))
def test_every_message_is_translated_to_french(code: Code) -> None:
    text, translated = english(code), french(code)
    assert placeholders(translated) == placeholders(text), translated
    if not PLACEHOLDER.sub("", text).strip():
        return  # a message that is only its parameters (a validator's own words)
    assert translated != text, f"{code}: no French translation (run `make messages`)"


def test_the_api_message_is_english_and_the_web_text_follows_the_language() -> None:
    error = InvalidParameter("time_zone", Code.INVALID_TIME_ZONE)
    with translation.override("fr"):
        assert error.message == "time_zone: Not a known time zone (like Europe/Paris)."
        assert error.text() == "Fuseau horaire inconnu (par exemple Europe/Paris)."
    refused = Forbidden(Code.STILL_HAS_LEADS, count=3)
    assert refused.message == "Leads are still in it (3): move them elsewhere first."
    with translation.override("fr"):
        assert refused.text().startswith("Des opportunités s’y trouvent encore (3)")


def test_the_body_carries_the_code_and_the_field() -> None:
    assert InvalidParameter("name", Code.BLANK).body() == {
        "error": 422,
        "message": "name: Must not be blank.",
        "type": "invalid_parameter",
        "code": "blank",
        "field": "name",
    }
    assert MissingParameter("ids").body()["code"] == "required"
    assert "field" not in NotFound("Team").body()
    taken = AlreadyExists(Code.EMAIL_TAKEN, existing_id=7, field="email").body()
    assert (taken["code"], taken["field"], taken["id"]) == ("email_taken", "email", 7)
    assert "id" not in AlreadyExists(Code.EMAIL_TAKEN, existing_id=None).body()


@pytest.fixture
def acme(db: None) -> World:
    return make_world("Acme", "admin@acme.test")


def test_an_invalid_parameter_answers_its_code_and_field(acme: World) -> None:
    response = acme.key.put("/account/settings", {"time_zone": "Mars/Base"})
    assert response.status_code == 422
    assert error_type(response) == "invalid_parameter"
    assert response.json() == {
        "error": 422,
        "message": "time_zone: Not a known time zone (like Europe/Paris).",
        "type": "invalid_parameter",
        "code": "invalid_time_zone",
        "field": "time_zone",
    }


def test_the_api_checks_of_shapes_carry_codes_too(acme: World) -> None:
    missing = acme.key.post("/teams", {})
    assert (missing.status_code, missing.json()["code"]) == (422, "required")
    assert missing.json()["field"] == "name"
    malformed = acme.key.get("/users", direction="sideways")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "bad_format")
    nobody = acme.key.client.get("/api/v2/ping", headers={"X-API-KEY": ""})
    assert (nobody.status_code, nobody.json()["code"]) == (401, "credential_missing")
    not_json = acme.key.client.post("/api/v2/teams", "{not json", content_type="application/json")
    assert (not_json.status_code, not_json.json()["code"]) == (400, "invalid_json")
