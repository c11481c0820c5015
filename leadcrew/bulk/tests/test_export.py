import csv
import io

import pytest

from leadcrew.bulk.export import csv_lines
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import make_world


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [1, 2, 5, 6])
def test_an_export_read_in_chunks_has_every_lead_once_newest_first(chunk_size: int) -> None:
    world = make_world("Export", "admin@export.test")
    ids = [world.lead(f"Lead {number}").pk for number in range(5)]
    leads = Lead.objects.filter(pk__in=ids)
    rows = list(csv.DictReader(io.StringIO("".join(csv_lines(leads, chunk_size=chunk_size)))))
    assert [int(row["id"]) for row in rows] == sorted(ids, reverse=True)
