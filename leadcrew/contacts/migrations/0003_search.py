"""What search needs on PostgreSQL: `leadcrew_fold` (lower case, no accents; immutable, so
that an index may use it), `leadcrew_digits`, and GIN full-text indexes over the folded text
of each place a search looks (leadcrew/contacts/search.py writes the same expressions).
SQLite gets the two functions from Python on each connection (leadcrew/contacts/apps.py)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE OR REPLACE FUNCTION leadcrew_fold(text) RETURNS text
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, lower($1)) $$""",
    """CREATE OR REPLACE FUNCTION leadcrew_digits(text) RETURNS text
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT regexp_replace($1, '[^0-9]+', '', 'g') $$""",
    """CREATE INDEX IF NOT EXISTS lead_search ON leads_lead USING gin
       (to_tsvector('simple'::regconfig, leadcrew_fold(title || ' ' || description)))
       WHERE deleted_at IS NULL""",
    """CREATE INDEX IF NOT EXISTS field_value_search ON contacts_leadfieldvalue USING gin
       (to_tsvector('simple'::regconfig,
                    leadcrew_fold(value || ' ' || leadcrew_digits(value))))""",
    """CREATE INDEX IF NOT EXISTS comment_search ON leads_comment USING gin
       (to_tsvector('simple'::regconfig, leadcrew_fold(content)))""",
]
BACKWARD = [
    "DROP INDEX IF EXISTS comment_search",
    "DROP INDEX IF EXISTS field_value_search",
    "DROP INDEX IF EXISTS lead_search",
    "DROP FUNCTION IF EXISTS leadcrew_digits(text)",
    "DROP FUNCTION IF EXISTS leadcrew_fold(text)",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_default_fields"), ("leads", "0005_lead_client_folder")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
