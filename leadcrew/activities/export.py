"""Activity reports as CSV: the groups, one row each, then the totals; a column per type."""

from datetime import date
from io import StringIO

from leadcrew.activities.selectors import ActivityFigures, ActivityReport
from leadcrew.core import csv_safety

TOTAL_KEY = "total"
TOTAL_LABEL = "Total"


def _cells(report: ActivityReport, figures: ActivityFigures) -> list[object]:
    by_type = [figures.by_type.get(kind.pk, 0) for kind in report.types]
    return [figures.count, figures.leads_touched, figures.leads_won, *by_type]


def activity_report_csv(report: ActivityReport) -> str:
    """Type names are what admins typed: the one CSV writer keeps them from running as
    formulas in a spreadsheet."""
    buffer = StringIO()
    writer = csv_safety.writer(buffer)
    writer.writerow(
        ["key", "label", "activities", "leads_touched", "leads_won"]
        + [kind.name for kind in report.types]
    )
    for group in report.groups:
        key = group.key.isoformat() if isinstance(group.key, date) else group.key
        writer.writerow(["" if key is None else key, group.label, *_cells(report, group.figures)])
    writer.writerow([TOTAL_KEY, TOTAL_LABEL, *_cells(report, report.totals)])
    return buffer.getvalue()
