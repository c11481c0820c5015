"""Formatting for the pages: money and counts in the reader's language, labels of codes."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.translation import pgettext

from leadcrew.accounts.models import User
from leadcrew.web import labels

register = template.Library()

# Symbols for the common currencies; any other shows its ISO code.
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF", "CAD": "CA$"}
# Languages that write the symbol after the amount ("12 000 €").
SYMBOL_AFTER = {"fr"}


@register.filter
def money(amount: Decimal | int | float | None, currency: str = "") -> str:
    """12000 EUR as "€12,000" in English and "12 000 €" in French; cents only when there are
    some."""
    if amount is None:
        return ""
    value = Decimal(str(amount))
    decimals = 0 if value == value.to_integral_value() else 2
    number = formats.number_format(value, decimals, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency.upper())
    if not symbol:
        return number
    language = (translation.get_language() or "en").split("-")[0]
    if language in SYMBOL_AFTER:
        return f"{number}\u00a0{symbol}"
    if symbol.isalpha():  # a code: "CHF 1,200"
        return f"{symbol}\u00a0{number}"
    return f"{symbol}{number}"


@register.filter
def number(value: int | None) -> str:
    """An integer with the reader's thousands separator."""
    if value is None:
        return ""
    return formats.number_format(value, 0, use_l10n=True, force_grouping=True)


@register.simple_tag
def capped_count(count: int, capped: bool) -> str:
    """A count cut at the cap reads "10,000+": counting a million rows to show one number is
    not worth the wait."""
    text = number(count)
    return f"{text}+" if capped else text


@register.filter
def status_label(status: str | None) -> str:
    if not status:
        return ""
    return str(labels.STATUS_LABELS.get(status, status))  # type: ignore[call-overload]


@register.filter
def history_label(action: str) -> str:
    return str(labels.HISTORY_LABELS.get(action, action))  # type: ignore[call-overload]


@register.filter
def person(user: User | None) -> str:
    if user is None:
        return pgettext("owner", "Unassigned")
    return user.full_name or user.email


@register.filter
def short_reasons(reasons: Any) -> str:
    return ", ".join(str(labels.SHORT_REASONS.get(r, r)) for r in reasons)


@register.filter
def field_label(name: str) -> str:
    return str(labels.FIELD_LABELS.get(name, name))


@register.filter
def skip_reason(code: str, action: str = "") -> str:
    """Why leads were skipped, naming the rule of the action (`reason|skip_reason:action`):
    a refused reassignment is about who may assign, not about who may change the lead."""
    by_action: dict[str, Any] = labels.SKIP_REASONS_BY_ACTION.get(action, {})  # type: ignore[call-overload]
    return str(by_action.get(code) or labels.SKIP_REASONS.get(code, code))


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def bulk_action_label(action: str) -> str:
    """A bulk action's name, as the Action menu offers it without its trailing "…"."""
    return str(labels.BULK_ACTION_LABELS.get(action, action)).rstrip("…")  # type: ignore[call-overload]


@register.filter
def bulk_done(action: str) -> str:
    return str(labels.BULK_DONE_LABELS.get(action, action))  # type: ignore[call-overload]
