"""Statistics as CSV: the groups, one row each, then the totals."""

from datetime import date
from io import StringIO

from leadcrew.core import csv_safety
from leadcrew.stats.selectors import Figures, Statistics

HEADER = [
    "key",
    "label",
    "created_count",
    "created_amount",
    "won_count",
    "won_amount",
    "lost_count",
    "cancelled_count",
    "conversion_rate",
    "average_sales_cycle_days",
]
TOTAL_KEY = "total"
TOTAL_LABEL = "Total"


def _cell(value: object) -> object:
    return "" if value is None else value


def _figure_cells(figures: Figures) -> list[object]:
    # Amounts keep their exact decimals here (a JSON number is a binary float).
    return [
        figures.created_count,
        figures.created_amount,
        figures.won_count,
        figures.won_amount,
        figures.lost_count,
        figures.cancelled_count,
        _cell(figures.conversion_rate),
        _cell(figures.average_sales_cycle_days),
    ]


def statistics_csv(statistics: Statistics) -> str:
    buffer = StringIO()
    writer = csv_safety.writer(buffer)
    writer.writerow(HEADER)
    for group in statistics.groups:
        key = group.key.isoformat() if isinstance(group.key, date) else _cell(group.key)
        writer.writerow([key, group.label, *_figure_cells(group.figures)])
    writer.writerow([TOTAL_KEY, TOTAL_LABEL, *_figure_cells(statistics.totals)])
    return buffer.getvalue()
