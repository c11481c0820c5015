"""Formatting for the pages: dates, money and counts in the reader's language and the account's
country, labels of codes. Every page shows dates through `day` and `moment`, amounts through
`money`: the one place for those rules."""

import html
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.urls import reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from leadcrew.accounts.models import User
from leadcrew.core.countries import zone_month_first
from leadcrew.leads.models import HistoryAction
from leadcrew.web import labels

register = template.Library()

# Symbols for the common currencies; any other shows its ISO code.
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF", "CAD": "CA$"}
# Languages that write the symbol after the amount ("12 000 €").
SYMBOL_AFTER = {"fr"}
# Currencies without a minor unit in use (ISO 4217 exponent 0): never any cents to show.
NO_CENTS_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND"}
    | {"VUV", "XAF", "XOF", "XPF"}
)


@register.filter
def money(amount: Decimal | int | float | None, currency: str = "") -> str:
    """12000 EUR as "€12,000" in English and "12 000 €" in French; cents only when there are
    some, and never in a currency without cents (¥1,235)."""
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if currency.upper() in NO_CENTS_CURRENCIES:
        value = value.quantize(Decimal(1))
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


def month_first() -> bool:
    """Whether dates read month first: as the account's country writes them (the country of
    its time zone, the zone the pages are shown in); day first for a zone of no country (UTC),
    as imported spreadsheets are read."""
    return bool(zone_month_first(timezone.get_current_timezone_name()))


@register.simple_tag
def date_placeholder() -> str:
    """How a date is typed in the account's order, in the reader's language (jj/mm/aaaa)."""
    return gettext("mm/dd/yyyy") if month_first() else gettext("dd/mm/yyyy")


def _local(value: date) -> date:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def day(value: date | None, style: str = "short") -> str:
    """A date (or a date-time's day, in the account's time zone): 05/12/2026 for a Paris or
    London account, 12/05/2026 for a New York one; `day:"long"` spells the month, in the
    reader's language (5 December 2026, December 5, 2026, 5 décembre 2026)."""
    if value is None or value == "":
        return ""
    local = _local(value)
    if style == "long":
        return dateformat.format(local, "F j, Y" if month_first() else "j F Y")
    # Numbers only: written directly, as dateformat's "m/d/Y" would (a list shows fifty).
    day_, month = f"{local.day:02d}", f"{local.month:02d}"
    first, second = (month, day_) if month_first() else (day_, month)
    return f"{first}/{second}/{local.year:04d}"


@register.filter
def moment(value: datetime | None) -> str:
    """A date-time in the account's time zone: 05/12/2026 14:30, or 12/05/2026 2:30 p.m. where
    the country tells the time in 12 hours."""
    if value is None or value == "":
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local)} {dateformat.time_format(local, 'P' if month_first() else 'H:i')}"


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


@register.simple_tag
def history_value(action: str, value: str | None, currency: str) -> str:
    """A value of a lead's history as the pages show it elsewhere: a status by its label, an
    amount as money (€52,000, not 52000.00)."""
    if value is None or value == "":
        return "—"
    if action == HistoryAction.STATUS:
        return status_label(value) or "—"
    if action == HistoryAction.AMOUNT:
        try:
            return money(Decimal(value), currency)
        except InvalidOperation:
            return value
    return value


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


@register.simple_tag
def lead_table_rows(
    leads: list[Any], lead_query: str, selected: set[int], teams_on: bool
) -> SafeString:
    """The rows of the lead list's table, written in Python as LongSelect writes a long menu:
    through templates, fifty rows of eight cells took a third of the page. Every value is
    escaped as it is written (`_escaped`, what Django's escape does)."""
    headings = {
        name: _escaped(text)
        for name, text in (
            ("status", gettext("Status")),
            ("step", gettext("Step")),
            ("owner", gettext("Owner")),
            ("team", gettext("Team")),
            ("amount", gettext("Amount")),
            ("updated", gettext("Updated")),
        )
    }
    starred = _escaped(gettext("Starred"))
    star = f'<span class="star" title="{starred}" aria-label="{starred}">★</span>'
    rows = [_lead_row(lead, lead_query, selected, teams_on, headings, star) for lead in leads]
    return mark_safe("".join(rows))


def _escaped(value: Any) -> str:
    return html.escape(str(value))


def _lead_row(
    lead: Any,
    lead_query: str,
    selected: set[int],
    teams_on: bool,
    headings: dict[str, str],
    star: str,
) -> str:
    select_label = _escaped(gettext("Select “%(title)s”") % {"title": lead.title})
    checked = " checked" if lead.pk in selected else ""
    link = _escaped(reverse("web:lead", args=[lead.pk]) + lead_query)
    tags = "".join(f'<span class="tag">{_escaped(tag.name)}</span>' for tag in lead.tag_rows.all())
    label = _escaped(status_label(lead.status))
    status = f'<span class="badge status-{_escaped(lead.status)}">{label}</span>'
    if lead.status == "standby" and lead.next_action_at:
        status += f' <span class="muted small">{_escaped(day(lead.next_action_at))}</span>'
    owner = _escaped(person(lead.owner))
    if lead.owner is None:
        owner = f'<span class="muted">{owner}</span>'
    cells = [
        f'<td class="select"><input type="checkbox" name="ids" value="{lead.pk}" '
        f'data-lead-checkbox{checked} aria-label="{select_label}"></td>',
        f'<td class="title">{star if lead.starred else ""} '
        f'<a href="{link}">{_escaped(lead.title)}</a> {tags}</td>',
        f'<td data-label="{headings["status"]}">{status}</td>',
        f'<td data-label="{headings["step"]}">{_escaped(lead.step.name)}</td>',
        f'<td data-label="{headings["owner"]}">{owner}</td>',
    ]
    if teams_on:
        team = (lead.team.name if lead.team else "") or "—"
        cells.append(f'<td data-label="{headings["team"]}">{_escaped(team)}</td>')
    amount = _escaped(money(lead.amount, lead.currency))
    updated = _local(lead.updated_at)
    cells += [
        f'<td class="num" data-label="{headings["amount"]}">{amount}</td>',
        f'<td data-label="{headings["updated"]}"><time datetime="{updated.isoformat()}">'
        f"{_escaped(day(updated))}</time></td>",
        *(
            f'<td data-label="{_escaped(name)}">{_escaped(value or "—")}</td>'
            for name, value in lead.column_values
        ),
    ]
    return "<tr>" + "".join(cells) + "</tr>"
