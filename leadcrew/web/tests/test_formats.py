"""Dates follow the account's country (its time zone's) and the reader's language: day first in
Paris and London, month first in New York; amounts show no cents in a currency without any; a
lead's history shows amounts as money. Every page goes through the same filters, and every date
input is typed in the same order, whatever the browser's language."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.utils import timezone, translation

from leadcrew.web.forms import DateInput, WebForm
from leadcrew.web.templatetags.web import day, history_value, moment, money

DAY = date(2026, 12, 5)
AFTERNOON = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)  # 14:30 in Paris, 8:30 in New York
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize(
    ("zone", "language", "short", "long", "when"),
    [
        ("Europe/Paris", "en", "05/12/2026", "5 December 2026", "05/12/2026 14:30"),
        ("Europe/Paris", "fr", "05/12/2026", "5 décembre 2026", "05/12/2026 14:30"),
        ("Europe/London", "en", "05/12/2026", "5 December 2026", "05/12/2026 13:30"),
        ("America/New_York", "en", "12/05/2026", "December 5, 2026", "12/05/2026 8:30 a.m."),
        ("UTC", "en", "05/12/2026", "5 December 2026", "05/12/2026 13:30"),
    ],
)
def test_dates_follow_the_accounts_country_and_the_readers_language(
    zone: str, language: str, short: str, long: str, when: str
) -> None:
    with timezone.override(zone), translation.override(language):
        assert day(DAY) == short
        assert day(DAY, "long") == long
        assert moment(AFTERNOON) == when
        assert day(AFTERNOON) == short


def test_a_date_time_counts_in_the_accounts_day() -> None:
    late = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    with timezone.override("Europe/Paris"), translation.override("en"):
        assert day(late) == "06/12/2026"


def test_amounts_show_cents_only_where_the_currency_and_the_amount_have_some() -> None:
    with translation.override("en"):
        assert money(Decimal("52000.00"), "EUR") == "€52,000"
        assert money(Decimal("52000.50"), "EUR") == "€52,000.50"
        assert money(Decimal("1234.56"), "JPY") == "¥1,235"
        assert money(Decimal("1234.00"), "KRW") == "KRW\u00a01,234"
    with translation.override("fr"):
        assert money(Decimal("52000.00"), "EUR") == "52\u00a0000\u00a0€"


def test_the_history_shows_amounts_as_money_and_statuses_by_name() -> None:
    with translation.override("en"):
        assert history_value("amount", "52000.00", "EUR") == "€52,000"
        assert history_value("amount", "55000", "EUR") == "€55,000"
        assert history_value("status", "won", "EUR") == "Won"
        assert history_value("step", "Proposal", "EUR") == "Proposal"
        assert history_value("amount", None, "EUR") == "—"


def test_no_page_formats_a_date_past_the_filters() -> None:
    """Django's own formats follow the language only: a Paris account reading English would
    see 12/05/2026."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {match}"
        for path in TEMPLATES.rglob("*.html")
        for match in re.findall(r'\|date:"[A-Z_]*FORMAT"', path.read_text())
    ]
    assert found == []


class _ReminderForm(WebForm):
    remind_date = forms.DateField(required=False, widget=DateInput())


@pytest.mark.parametrize(
    ("zone", "language", "shown", "placeholder"),
    [
        ("Europe/Paris", "en", "05/12/2026", "dd/mm/yyyy"),
        ("Europe/Paris", "fr", "05/12/2026", "jj/mm/aaaa"),
        ("America/New_York", "en", "12/05/2026", "mm/dd/yyyy"),
        ("America/New_York", "fr", "12/05/2026", "mm/jj/aaaa"),
    ],
)
def test_a_date_input_shows_the_accounts_order_not_the_browsers(
    zone: str, language: str, shown: str, placeholder: str
) -> None:
    """A native date input shows the browser's own order (MM/DD/YYYY in an American browser,
    for a Paris account): the pages use a text input in the account's order instead."""
    with timezone.override(zone), translation.override(language):
        html = str(_ReminderForm(initial={"remind_date": DAY})["remind_date"])
    assert 'type="text"' in html
    assert f'value="{shown}"' in html
    assert f'placeholder="{placeholder}"' in html


@pytest.mark.parametrize(
    ("zone", "typed", "read"),
    [
        ("Europe/Paris", "05/12/2026", date(2026, 12, 5)),
        ("Europe/Paris", "5.12.26", date(2026, 12, 5)),
        ("America/New_York", "12/05/2026", date(2026, 12, 5)),
        ("America/New_York", "5/12/2026", date(2026, 5, 12)),
        ("Europe/Paris", "2026-12-05", date(2026, 12, 5)),
        ("America/New_York", " 2026-12-05 ", date(2026, 12, 5)),
    ],
)
def test_a_typed_date_is_read_in_the_accounts_order(zone: str, typed: str, read: date) -> None:
    with timezone.override(zone):
        form = _ReminderForm({"remind_date": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["remind_date"] == read


@pytest.mark.parametrize("typed", ["31/02/2026", "12/31/2026", "tomorrow", "٠٥/١٢/٢٠٢٦"])
def test_a_date_that_cannot_be_read_is_refused_and_kept_as_typed(typed: str) -> None:
    with timezone.override("Europe/Paris"), translation.override("en"):
        form = _ReminderForm({"remind_date": typed})
        assert not form.is_valid()
        assert form.errors["remind_date"] == ["Enter a valid date."]
        assert f'value="{typed}"' in str(form["remind_date"])


def test_no_page_has_a_native_date_input() -> None:
    found = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if 'type="date"' in path.read_text()
    ]
    assert found == []
