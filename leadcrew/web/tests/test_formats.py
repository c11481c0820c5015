"""Dates follow the account's country (its time zone's) and the reader's language: day first in
Paris and London, month first in New York; amounts show no cents in a currency without any; a
lead's history shows amounts as money. Every page goes through the same filters."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation

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
