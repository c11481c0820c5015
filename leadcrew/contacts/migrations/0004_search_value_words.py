"""Field values are searched by their parts too on PostgreSQL: its full-text parser keeps an
e-mail address or a URL as one word, so `novak` did not find `sara@novak.test`.
`leadcrew_words` turns every run of non-alphanumeric characters into a space, and the index
covers the same expression as leadcrew/contacts/search.py."""

from django.db import migrations

FORWARD = [
    """CREATE OR REPLACE FUNCTION leadcrew_words(text) RETURNS text
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT regexp_replace($1, '[^[:alnum:]]+', ' ', 'g') $$""",
    "DROP INDEX IF EXISTS field_value_search",
    """CREATE INDEX field_value_search ON contacts_leadfieldvalue USING gin
       (to_tsvector('simple'::regconfig,
                    leadcrew_fold(value || ' ' || leadcrew_words(value) || ' '
                                  || leadcrew_digits(value))))""",
]
BACKWARD = [
    "DROP INDEX IF EXISTS field_value_search",
    """CREATE INDEX field_value_search ON contacts_leadfieldvalue USING gin
       (to_tsvector('simple'::regconfig,
                    leadcrew_fold(value || ' ' || leadcrew_digits(value))))""",
    "DROP FUNCTION IF EXISTS leadcrew_words(text)",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_search")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
