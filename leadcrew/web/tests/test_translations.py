"""The French catalogue is complete (nothing untranslated, nothing fuzzy: a guess of gettext's
is not a translation), typographic (a non-breaking space before : ; ! ? and inside « »), says
"opportunité" for a lead throughout, and the compiled .mo says what the .po says."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "leadcrew" / "locale" / "fr" / "LC_MESSAGES"


def _entries() -> list[dict[str, str]]:
    """The .po's entries as {"msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[N]"}."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for raw in [*(CATALOGUE / "django.po").read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current = {}
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        elif not line.startswith("#"):
            key, _, text = line.partition(" ")
            current[key] = ast.literal_eval(text)
    return [entry for entry in entries if entry.get("msgid")]


def test_every_message_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 200
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not all(value for key, value in entry.items() if key.startswith("msgstr"))
    ]
    assert untranslated == []


def test_no_translation_is_fuzzy() -> None:
    """makemessages marks "fuzzy" the old translation of a changed message: it still has a
    msgstr, which gettext ignores, so the page shows English."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    fuzzy = [block.splitlines()[-1] for block in text.split("\n\n") if "#, fuzzy" in block]
    assert fuzzy == []


def _translations() -> list[tuple[str, str]]:
    return [
        (entry["msgid"], value)
        for entry in _entries()
        for key, value in entry.items()
        if key.startswith("msgstr")
    ]


def test_french_punctuation_has_its_non_breaking_space() -> None:
    loose = [
        msgid
        for msgid, text in _translations()
        if re.search(r" [:;!?»]|« ", text) or re.search(r"[^\s\u00a0\u202f(][;!?]", text)
    ]
    assert loose == []


def test_a_lead_is_an_opportunite_everywhere() -> None:
    assert [msgid for msgid, text in _translations() if "affaire" in text.lower()] == []


def test_counted_messages_have_their_plural_forms() -> None:
    """ "1 opportunité", "2 opportunités": a counted message goes through ngettext (or
    blocktranslate count), never "opportunité(s)"."""
    entries = _entries()
    assert [entry["msgid"] for entry in entries if "(s)" in entry.get("msgstr", "")] == []
    plural = [entry for entry in entries if "msgid_plural" in entry]
    assert len(plural) > 20
    same = [entry["msgid"] for entry in plural if entry["msgstr[0]"] == entry["msgstr[2]"]]
    assert same == []


def test_the_compiled_catalogue_is_up_to_date() -> None:
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in _entries():
        if "msgid_plural" in entry:
            got = catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 5)
            wanted = entry["msgstr[2]"]
        elif "msgctxt" in entry:
            got = catalogue.pgettext(entry["msgctxt"], entry["msgid"])
            wanted = entry["msgstr"]
        else:
            got = catalogue.gettext(entry["msgid"])
            wanted = entry["msgstr"]
        assert got == wanted, f"{entry['msgid']!r}: run `msgfmt` (compilemessages) again"
