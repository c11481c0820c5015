"""Likely duplicates are found by their folded title (leadcrew/contacts/selectors.py): on
PostgreSQL an index of that expression per account finds them at once, where without it every
live lead of the account had its title folded (a second at a million leads). SQLite folds
with a Python function, which it cannot index; its accounts are smaller."""

from django.db import migrations

FORWARD = [
    """CREATE INDEX IF NOT EXISTS lead_folded_title ON leads_lead
       (account_id, leadcrew_fold(title)) WHERE deleted_at IS NULL""",
]
BACKWARD = ["DROP INDEX IF EXISTS lead_folded_title"]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_search_value_words")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
