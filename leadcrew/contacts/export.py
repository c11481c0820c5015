"""Client folders as CSV, each text cell safe to open in a spreadsheet."""

from collections.abc import Iterable
from io import StringIO

from leadcrew.contacts.models import ClientFolder
from leadcrew.core import csv_safety

HEADER = ["id", "name", "description", "is_active", "created_at"]


def client_folders_csv(folders: Iterable[ClientFolder]) -> str:
    stream = StringIO()
    writer = csv_safety.writer(stream)
    writer.writerow(HEADER)
    for folder in folders:
        writer.writerow(
            [
                folder.pk,
                folder.name,
                folder.description,
                "yes" if folder.is_active else "no",
                folder.created_at.isoformat(),
            ]
        )
    return stream.getvalue()
