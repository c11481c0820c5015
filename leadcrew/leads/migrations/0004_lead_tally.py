"""The lead tally (LeadTally) and the triggers that keep it.

Every write to leads_lead adds its change to the account's tally row in the same transaction:
on PostgreSQL once per statement, from the statement's old and new rows (a bulk move of 100,000
leads is one update of the tally, and a write that changes no count does not touch it); on
SQLite once per row. The triggers are created before the tally is filled, in the migration's
transaction, so no write falls between the two.

On SQLite, a later migration that rebuilds leads_lead (Django copies the table to alter it)
drops these triggers: it must create them again. The tally's tests fail if it does not.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRESQL_TRIGGERS = """
CREATE FUNCTION leads_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO leads_leadtally AS tally (account_id, live, assigned)
        SELECT account_id, COUNT(*), COUNT(owner_id)
        FROM new_leads WHERE deleted_at IS NULL
        GROUP BY account_id
        ORDER BY account_id  -- rows locked in one order: no deadlock between two statements
        ON CONFLICT (account_id) DO UPDATE
        SET live = tally.live + EXCLUDED.live, assigned = tally.assigned + EXCLUDED.assigned;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO leads_leadtally AS tally (account_id, live, assigned)
        SELECT account_id, SUM(live), SUM(assigned)
        FROM (
            SELECT account_id, 1 AS live, (owner_id IS NOT NULL)::int AS assigned
            FROM new_leads WHERE deleted_at IS NULL
            UNION ALL
            SELECT account_id, -1, -(owner_id IS NOT NULL)::int
            FROM old_leads WHERE deleted_at IS NULL
        ) AS changes
        GROUP BY account_id
        HAVING SUM(live) <> 0 OR SUM(assigned) <> 0
        ORDER BY account_id
        ON CONFLICT (account_id) DO UPDATE
        SET live = tally.live + EXCLUDED.live, assigned = tally.assigned + EXCLUDED.assigned;
    ELSE
        -- Never insert on delete: the account itself may be on its way out.
        UPDATE leads_leadtally AS tally
        SET live = tally.live - gone.live, assigned = tally.assigned - gone.assigned
        FROM (
            SELECT account_id, COUNT(*) AS live, COUNT(owner_id) AS assigned
            FROM old_leads WHERE deleted_at IS NULL GROUP BY account_id
        ) AS gone
        WHERE tally.account_id = gone.account_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER leads_tally_insert AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION leads_tally_add();
CREATE TRIGGER leads_tally_update AFTER UPDATE ON leads_lead
    REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads
    FOR EACH STATEMENT EXECUTE FUNCTION leads_tally_add();
CREATE TRIGGER leads_tally_delete AFTER DELETE ON leads_lead
    REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION leads_tally_add();
"""

POSTGRESQL_DROP = """
DROP TRIGGER leads_tally_insert ON leads_lead;
DROP TRIGGER leads_tally_update ON leads_lead;
DROP TRIGGER leads_tally_delete ON leads_lead;
DROP FUNCTION leads_tally_add();
"""

_SQLITE_ADD = """
    INSERT INTO leads_leadtally (account_id, live, assigned)
    SELECT NEW.account_id, 1, NEW.owner_id IS NOT NULL WHERE NEW.deleted_at IS NULL
    ON CONFLICT (account_id) DO UPDATE
    SET live = live + excluded.live, assigned = assigned + excluded.assigned;
"""
_SQLITE_TAKE = """
    UPDATE leads_leadtally
    SET live = live - 1, assigned = assigned - (OLD.owner_id IS NOT NULL)
    WHERE account_id = OLD.account_id AND OLD.deleted_at IS NULL;
"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER leads_tally_insert AFTER INSERT ON leads_lead BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER leads_tally_delete AFTER DELETE ON leads_lead BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER leads_tally_update AFTER UPDATE OF account_id, owner_id, deleted_at "
    "ON leads_lead WHEN OLD.account_id <> NEW.account_id "
    "OR (OLD.owner_id IS NULL) <> (NEW.owner_id IS NULL) "
    "OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) "
    f"BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = [
    "DROP TRIGGER leads_tally_insert",
    "DROP TRIGGER leads_tally_delete",
    "DROP TRIGGER leads_tally_update",
]

FILL = """
INSERT INTO leads_leadtally (account_id, live, assigned)
SELECT account_id, COUNT(*), COUNT(owner_id) FROM leads_lead
WHERE deleted_at IS NULL GROUP BY account_id
"""


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_TRIGGERS)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"the lead tally has no triggers for {vendor}")
    schema_editor.execute(FILL)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("leads", "0003_lead_list_and_team_statistics_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadTally",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="accounts.account",
                    ),
                ),
                ("live", models.BigIntegerField(default=0)),
                ("assigned", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
