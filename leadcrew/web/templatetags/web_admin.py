"""Formatting for the admin panel and the statistics page."""

from decimal import Decimal

from django import template
from django.utils import formats, translation

from leadcrew.web import admin_labels

register = template.Library()

# Languages that put a space before the percent sign ("42,5 %").
SPACED_PERCENT = {"fr"}


@register.filter
def log_action(action: str) -> str:
    return str(admin_labels.LOG_ACTION_LABELS.get(action, action))  # type: ignore[call-overload]


@register.filter
def percent(rate: float | None) -> str:
    """0.425 as "42.5%" in English and "42,5 %" in French; empty when there is no rate."""
    if rate is None:
        return "—"
    value = formats.number_format(round(rate * 100, 1), 1, use_l10n=True)
    language = (translation.get_language() or "en").split("-")[0]
    return f"{value}\u202f%" if language in SPACED_PERCENT else f"{value}%"


@register.filter
def days(value: Decimal | None) -> str:
    """An average number of days, to the tenth."""
    if value is None:
        return "—"
    return formats.number_format(round(value, 1), 1, use_l10n=True)
