"""Leads as CSV rows: the columns of the lead object a reader of the lead may see, each text cell
safe to open in a spreadsheet (leadcrew/core/csv_safety.py)."""

from collections.abc import Iterator, Sequence
from io import StringIO

from django.db.models import QuerySet

from leadcrew.contacts.selectors import FieldDef, lead_values_of
from leadcrew.core import csv_safety
from leadcrew.core.replicas import reads_from_replica
from leadcrew.leads.models import Lead
from leadcrew.leads.selectors import with_relations

HEADER = [
    "id",
    "title",
    "description",
    "status",
    "pipeline",
    "step",
    "amount",
    "currency",
    "probability",
    "owner",
    "team",
    "tags",
    "starred",
    "remind_date",
    "remind_time",
    "estimated_closing_date",
    "created_at",
    "closed_at",
    "updated_at",
]


def _row(lead: Lead) -> list[object]:
    return [
        lead.pk,
        lead.title,
        lead.description,
        lead.status,
        lead.step.pipeline.name,
        lead.step.name,
        lead.amount,
        lead.currency,
        lead.probability,
        lead.owner.email if lead.owner else "",
        lead.team.name if lead.team else "",
        ", ".join(tag.name for tag in lead.tag_rows.all()),
        "yes" if lead.starred else "no",
        lead.remind_date or "",
        lead.remind_time.strftime("%H:%M") if lead.remind_time else "",
        lead.estimated_closing_date or "",
        lead.created_at.isoformat(),
        lead.closed_at.isoformat() if lead.closed_at else "",
        lead.updated_at.isoformat(),
    ]


@reads_from_replica
def csv_lines(
    leads: QuerySet[Lead], chunk_size: int = 2000, fields: Sequence[FieldDef] = ()
) -> Iterator[str]:
    """The CSV text, line by line, reading the leads in chunks so any size streams: one query
    per chunk, each starting below the last id of the one before, rather than a server-side
    cursor, which a transaction-mode pooler (PgBouncer) cannot keep from one chunk to the next
    and without which the whole export would be read into memory first. `fields` add a column
    each (named after the field), read with one more query per chunk."""
    buffer = StringIO()
    writer = csv_safety.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([*HEADER, *(field.name for field in fields)])
    yield flush()
    field_ids = [field.id for field in fields]
    ordered = with_relations(leads).order_by("-id")
    chunk = list(ordered[:chunk_size])
    while chunk:
        values = lead_values_of([lead.pk for lead in chunk], field_ids)
        for lead in chunk:
            extra = [values.get((lead.pk, field_id), "") for field_id in field_ids]
            writer.writerow([*_row(lead), *extra])
            yield flush()
        if len(chunk) < chunk_size:
            return
        chunk = list(ordered.filter(pk__lt=chunk[-1].pk)[:chunk_size])
