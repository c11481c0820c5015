"""The French catalogue is complete, and the compiled .mo says what the .po says."""

import ast
import gettext
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
