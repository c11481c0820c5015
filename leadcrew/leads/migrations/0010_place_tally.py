"""The place tally (PlaceTally) and the triggers that keep it.

Every write to leads_lead adds its change to the tally rows of the places (account, team,
owner, status) it leaves and enters, in the same transaction, as the lead tally is kept
(migration 0004): on PostgreSQL once per statement, from the statement's old and new rows (a
write that moves no lead between places does not touch the tally); on SQLite once per row. The
triggers are created before the tally is filled, in the migration's transaction, so no write
falls between the two.

A place without a team or an owner is one row, not one per lead: the key is unique with NULLs
equal (NULLS NOT DISTINCT on PostgreSQL 15+; on SQLite, a unique index on the key with NULL read
as 0, and triggers that compare with IS).

On SQLite, a later migration that rebuilds leads_lead (Django copies the table to alter it)
drops these triggers: it must create them again. The tally's tests fail if it does not.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

KEY = "account_id, team_id, owner_id, status"

POSTGRESQL_SETUP = f"""
CREATE UNIQUE INDEX place_tally_key ON leads_placetally ({KEY}) NULLS NOT DISTINCT;
CREATE FUNCTION leads_place_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO leads_placetally AS tally ({KEY}, live)
        SELECT {KEY}, COUNT(*)
        FROM new_leads WHERE deleted_at IS NULL
        GROUP BY {KEY}
        ORDER BY {KEY}  -- rows locked in one order: no deadlock between two statements
        ON CONFLICT ({KEY}) DO UPDATE SET live = tally.live + EXCLUDED.live;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO leads_placetally AS tally ({KEY}, live)
        SELECT {KEY}, SUM(live)
        FROM (
            SELECT {KEY}, 1 AS live FROM new_leads WHERE deleted_at IS NULL
            UNION ALL
            SELECT {KEY}, -1 FROM old_leads WHERE deleted_at IS NULL
        ) AS changes
        GROUP BY {KEY}
        HAVING SUM(live) <> 0
        ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET live = tally.live + EXCLUDED.live;
    ELSE
        -- Never insert on delete: the account itself may be on its way out.
        UPDATE leads_placetally AS tally
        SET live = tally.live - gone.live
        FROM (
            SELECT {KEY}, COUNT(*) AS live
            FROM old_leads WHERE deleted_at IS NULL GROUP BY {KEY}
        ) AS gone
        WHERE tally.account_id = gone.account_id
            AND tally.team_id IS NOT DISTINCT FROM gone.team_id
            AND tally.owner_id IS NOT DISTINCT FROM gone.owner_id
            AND tally.status = gone.status;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER leads_place_tally_insert AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS new_leads
    FOR EACH STATEMENT EXECUTE FUNCTION leads_place_tally_add();
CREATE TRIGGER leads_place_tally_update AFTER UPDATE ON leads_lead
    REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads
    FOR EACH STATEMENT EXECUTE FUNCTION leads_place_tally_add();
CREATE TRIGGER leads_place_tally_delete AFTER DELETE ON leads_lead
    REFERENCING OLD TABLE AS old_leads
    FOR EACH STATEMENT EXECUTE FUNCTION leads_place_tally_add();
"""

POSTGRESQL_DROP = """
DROP TRIGGER leads_place_tally_insert ON leads_lead;
DROP TRIGGER leads_place_tally_update ON leads_lead;
DROP TRIGGER leads_place_tally_delete ON leads_lead;
DROP FUNCTION leads_place_tally_add();
"""

_SQLITE_SAME_PLACE = """account_id = {row}.account_id AND team_id IS {row}.team_id
    AND owner_id IS {row}.owner_id AND status = {row}.status"""
_SQLITE_ADD = f"""
    INSERT INTO leads_placetally ({KEY}, live)
    SELECT NEW.account_id, NEW.team_id, NEW.owner_id, NEW.status, 0
    WHERE NEW.deleted_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM leads_placetally WHERE {_SQLITE_SAME_PLACE.format(row="NEW")}
    );
    UPDATE leads_placetally SET live = live + 1
    WHERE NEW.deleted_at IS NULL AND {_SQLITE_SAME_PLACE.format(row="NEW")};
"""
_SQLITE_TAKE = f"""
    UPDATE leads_placetally SET live = live - 1
    WHERE OLD.deleted_at IS NULL AND {_SQLITE_SAME_PLACE.format(row="OLD")};
"""
SQLITE_SETUP = [
    "CREATE UNIQUE INDEX place_tally_key ON leads_placetally "
    "(account_id, IFNULL(team_id, 0), IFNULL(owner_id, 0), status)",
    f"CREATE TRIGGER leads_place_tally_insert AFTER INSERT ON leads_lead BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER leads_place_tally_delete AFTER DELETE ON leads_lead BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER leads_place_tally_update "
    "AFTER UPDATE OF account_id, team_id, owner_id, status, deleted_at ON leads_lead "
    "WHEN OLD.account_id <> NEW.account_id OR OLD.team_id IS NOT NEW.team_id "
    "OR OLD.owner_id IS NOT NEW.owner_id OR OLD.status <> NEW.status "
    "OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) "
    f"BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
# What a rebuild of leads_lead drops on SQLite, for the migration that rebuilds it to restore.
SQLITE_TRIGGERS = SQLITE_SETUP[1:]
SQLITE_DROP = [
    "DROP TRIGGER leads_place_tally_insert",
    "DROP TRIGGER leads_place_tally_delete",
    "DROP TRIGGER leads_place_tally_update",
    "DROP INDEX place_tally_key",
]

FILL = f"""
INSERT INTO leads_placetally ({KEY}, live)
SELECT {KEY}, COUNT(*) FROM leads_lead WHERE deleted_at IS NULL GROUP BY {KEY}
"""


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_SETUP)
    elif vendor == "sqlite":
        for statement in SQLITE_SETUP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"the place tally has no triggers for {vendor}")
    schema_editor.execute(FILL)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_profile"),
        ("leads", "0009_lead_pool_updated"),
        ("teams", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PlaceTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("todo", "To do"),
                            ("standby", "Standby"),
                            ("won", "Won"),
                            ("lost", "Lost"),
                            ("cancelled", "Cancelled"),
                        ],
                        max_length=10,
                    ),
                ),
                ("live", models.BigIntegerField(default=0)),
                (
                    "account",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="teams.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["account", "owner"], name="place_tally_owner"),
                    models.Index(fields=["account", "team"], name="place_tally_team"),
                ]
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
