"""The statistics figures (DayFigures, OpenFigures) and the triggers that keep them.

Every write to leads_lead adds its change to the figures in the same transaction, as the lead
tally is kept (leads 0004): on PostgreSQL once per statement, from the statement's old and new
rows, grouped (a bulk move of 100,000 leads is one grouped upsert, and a write that changes no
figure writes nothing); on SQLite once per row. Taking a lead's old figures away only ever
updates rows (they were added when it was written), never inserts: the account may be on its
way out. Each lead counts at four levels (see stats/models.py).

Days are in the account's time zone: PostgreSQL reads them with AT TIME ZONE; SQLite calls
`leadcrew_local_day`, which every Django connection registers (stats/local_day.py). When an
account's time zone changes, its figures are computed again in the new zone, in the same
transaction; inserting a row into stats_figuresrebuild does the same on request (the
`leadcrew rebuild-statistics` command).

The SQL written here is the one definition of what a lead adds to the figures: amounts in
cents and sales cycles in milliseconds are the very expressions statistics compute over leads
(stats/expressions.py), so both ways give the same numbers.

On SQLite, a later migration that rebuilds leads_lead or accounts_account (Django copies a
table to alter it) drops these triggers: it must create them again. The figures' tests fail
if it does not.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# A lead's columns the figures read.
COLUMNS = (
    "account_id",
    "team_id",
    "owner_id",
    "step_id",
    "status",
    "amount",
    "probability",
    "created_at",
    "closed_at",
    "deleted_at",
)
# The four levels each lead counts at: (its team or every team, its owner or every owner).
LEVELS = (
    "SELECT 0 AS every_team, 0 AS every_owner UNION ALL SELECT 0, 1 "
    "UNION ALL SELECT 1, 0 UNION ALL SELECT 1, 1"
)
DAY_KEY = ("account_id", "team_id", "owner_id", "day", "step_id")
DAY_SUMS = (
    "created_count",
    "created_cents",
    "won_count",
    "won_cents",
    "lost_count",
    "cancelled_count",
    "won_cycle_ms",
)
OPEN_KEY = ("account_id", "team_id", "owner_id", "step_id")
OPEN_SUMS = ("count", "cents", "weighted")


class Dialect:
    def __init__(self, local_day: str, cents: str, cycle_ms: str) -> None:
        self.local_day, self.cents, self.cycle_ms = local_day, cents, cycle_ms


POSTGRESQL = Dialect(
    local_day="(l.{column} AT TIME ZONE a.time_zone)::date",
    cents="CAST(l.amount * 100 AS BIGINT)",
    cycle_ms="CAST(ROUND(EXTRACT(EPOCH FROM (l.closed_at - l.created_at)) * 1000) AS BIGINT)",
)
SQLITE = Dialect(
    local_day="leadcrew_local_day(l.{column}, a.time_zone)",
    cents="CAST(ROUND(l.amount * 100) AS INTEGER)",
    cycle_ms=(
        "CAST(ROUND((julianday(l.closed_at) - julianday(l.created_at)) * 86400000) AS INTEGER)"
    ),
)


def sqlite_row(record: str) -> str:
    """One lead row of a SQLite trigger (NEW or OLD) as a relation `l`."""
    columns = ", ".join(f"{record}.{column} AS {column}" for column in COLUMNS)
    return f"(SELECT {columns}) AS l"


def day_changes(dialect: Dialect, source: str, sign: int) -> str:
    """What the leads of `source` (a relation `l`) add to DayFigures, times `sign`: one row
    for the day each was created, one for the day each closed."""
    team, owner = "COALESCE(l.team_id, 0)", "COALESCE(l.owner_id, 0)"
    won = "l.status = 'won'"
    accounts = f"FROM {source} JOIN accounts_account a ON a.id = l.account_id"
    created = (
        f"SELECT l.account_id, {team} AS team_id, {owner} AS owner_id, "
        f"{dialect.local_day.format(column='created_at')} AS day, l.step_id, "
        f"{sign} AS created_count, {sign} * {dialect.cents} AS created_cents, "
        "0 AS won_count, 0 AS won_cents, 0 AS lost_count, 0 AS cancelled_count, "
        f"0 AS won_cycle_ms {accounts} WHERE l.deleted_at IS NULL"
    )
    closed = (
        f"SELECT l.account_id, {team}, {owner}, "
        f"{dialect.local_day.format(column='closed_at')}, l.step_id, 0, 0, "
        f"CASE WHEN {won} THEN {sign} ELSE 0 END, "
        f"CASE WHEN {won} THEN {sign} * {dialect.cents} ELSE 0 END, "
        f"CASE WHEN l.status = 'lost' THEN {sign} ELSE 0 END, "
        f"CASE WHEN l.status = 'cancelled' THEN {sign} ELSE 0 END, "
        f"CASE WHEN {won} THEN {sign} * {dialect.cycle_ms} ELSE 0 END "
        f"{accounts} WHERE l.deleted_at IS NULL AND l.closed_at IS NOT NULL "
        "AND l.status IN ('won', 'lost', 'cancelled')"
    )
    return f"{created} UNION ALL {closed}"


def open_changes(dialect: Dialect, source: str, sign: int) -> str:
    """What the open leads of `source` add to OpenFigures, times `sign`."""
    return (
        "SELECT l.account_id, COALESCE(l.team_id, 0) AS team_id, "
        "COALESCE(l.owner_id, 0) AS owner_id, l.step_id, "
        f"{sign} AS count, {sign} * {dialect.cents} AS cents, "
        f"{sign} * {dialect.cents} * l.probability AS weighted "
        f"FROM {source} WHERE l.deleted_at IS NULL AND l.status IN ('todo', 'standby')"
    )


def leveled(changes: list[str], key: tuple[str, ...], sums: tuple[str, ...]) -> str:
    """The changes at each of the four levels, summed per key; keys that do not change left
    out; in key order, so that concurrent statements lock rows in one order."""
    keys = []
    for column in key:
        if column == "team_id":
            keys.append("CASE WHEN lv.every_team = 1 THEN -1 ELSE c.team_id END AS team_id")
        elif column == "owner_id":
            keys.append("CASE WHEN lv.every_owner = 1 THEN -1 ELSE c.owner_id END AS owner_id")
        else:
            keys.append(f"c.{column} AS {column}")
    totals = ", ".join(f"SUM(c.{column}) AS {column}" for column in sums)
    changed = " OR ".join(f"SUM(c.{column}) <> 0" for column in sums)
    positions = ", ".join(str(position) for position in range(1, len(key) + 1))
    return (
        f"SELECT {', '.join(keys)}, {totals} "
        f"FROM ({' UNION ALL '.join(changes)}) AS c CROSS JOIN ({LEVELS}) AS lv WHERE TRUE "
        f"GROUP BY {positions} HAVING {changed} ORDER BY {positions}"
    )


def add(table: str, rows: str, key: tuple[str, ...], sums: tuple[str, ...]) -> str:
    columns = ", ".join(key + sums)
    updates = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in sums)
    return (
        f"INSERT INTO {table} ({columns}) {rows} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


def take(table: str, rows: str, key: tuple[str, ...], sums: tuple[str, ...]) -> str:
    updates = ", ".join(f"{column} = {table}.{column} + g.{column}" for column in sums)
    matches = " AND ".join(f"{table}.{column} = g.{column}" for column in key)
    return f"UPDATE {table} SET {updates} FROM ({rows}) AS g WHERE {matches}"


def write(dialect: Dialect, changes: list[tuple[str, int]], *, adding: bool) -> list[str]:
    """The statements adding (or, with `adding` False, taking away: rows that exist) the
    figures of `changes`, pairs of (source relation, sign)."""
    day = leveled([day_changes(dialect, s, sign) for s, sign in changes], DAY_KEY, DAY_SUMS)
    opened = leveled([open_changes(dialect, s, sign) for s, sign in changes], OPEN_KEY, OPEN_SUMS)
    apply = add if adding else take
    return [
        apply("stats_dayfigures", day, DAY_KEY, DAY_SUMS),
        apply("stats_openfigures", opened, OPEN_KEY, OPEN_SUMS),
    ]


def rebuild(dialect: Dialect, account: str) -> list[str]:
    """The statements computing an account's figures again from its leads."""
    leads = f"(SELECT * FROM leads_lead WHERE account_id = {account}) AS l"
    return [
        f"DELETE FROM stats_dayfigures WHERE account_id = {account}",
        f"DELETE FROM stats_openfigures WHERE account_id = {account}",
        *write(dialect, [(leads, 1)], adding=True),
    ]


def postgresql_function(name: str, statements: list[str], returns: str = "NULL") -> str:
    body = "".join(f"    {statement};\n" for statement in statements)
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}"
        f"    RETURN {returns};\nEND\n$$"
    )


def postgresql_statements() -> list[str]:
    new, old = "new_leads AS l", "old_leads AS l"
    return [
        postgresql_function("stats_figures_insert", write(POSTGRESQL, [(new, 1)], adding=True)),
        postgresql_function(
            "stats_figures_update", write(POSTGRESQL, [(new, 1), (old, -1)], adding=True)
        ),
        postgresql_function("stats_figures_delete", write(POSTGRESQL, [(old, -1)], adding=False)),
        postgresql_function(
            "stats_figures_rebuild",
            [
                *rebuild(POSTGRESQL, "NEW.account_id"),
                "DELETE FROM stats_figuresrebuild WHERE id = NEW.id",
            ],
        ),
        postgresql_function(
            "stats_zone_changed",
            ["INSERT INTO stats_figuresrebuild (account_id) VALUES (NEW.id)"],
        ),
        "CREATE TRIGGER stats_figures_insert AFTER INSERT ON leads_lead "
        "REFERENCING NEW TABLE AS new_leads "
        "FOR EACH STATEMENT EXECUTE FUNCTION stats_figures_insert()",
        "CREATE TRIGGER stats_figures_update AFTER UPDATE ON leads_lead "
        "REFERENCING OLD TABLE AS old_leads NEW TABLE AS new_leads "
        "FOR EACH STATEMENT EXECUTE FUNCTION stats_figures_update()",
        "CREATE TRIGGER stats_figures_delete AFTER DELETE ON leads_lead "
        "REFERENCING OLD TABLE AS old_leads "
        "FOR EACH STATEMENT EXECUTE FUNCTION stats_figures_delete()",
        "CREATE TRIGGER stats_figures_rebuild AFTER INSERT ON stats_figuresrebuild "
        "FOR EACH ROW EXECUTE FUNCTION stats_figures_rebuild()",
        "CREATE TRIGGER stats_zone_changed AFTER UPDATE OF time_zone ON accounts_account "
        "FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) "
        "EXECUTE FUNCTION stats_zone_changed()",
    ]


POSTGRESQL_DROP = [
    "DROP TRIGGER stats_figures_insert ON leads_lead",
    "DROP TRIGGER stats_figures_update ON leads_lead",
    "DROP TRIGGER stats_figures_delete ON leads_lead",
    "DROP TRIGGER stats_figures_rebuild ON stats_figuresrebuild",
    "DROP TRIGGER stats_zone_changed ON accounts_account",
    "DROP FUNCTION stats_figures_insert()",
    "DROP FUNCTION stats_figures_update()",
    "DROP FUNCTION stats_figures_delete()",
    "DROP FUNCTION stats_figures_rebuild()",
    "DROP FUNCTION stats_zone_changed()",
]


def sqlite_trigger(name: str, event: str, statements: list[str]) -> str:
    body = " ".join(f"{statement};" for statement in statements)
    return f"CREATE TRIGGER {name} AFTER {event} BEGIN {body} END"


def sqlite_statements() -> list[str]:
    new, old = sqlite_row("NEW"), sqlite_row("OLD")
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COLUMNS)
    return [
        sqlite_trigger(
            "stats_figures_insert", "INSERT ON leads_lead", write(SQLITE, [(new, 1)], adding=True)
        ),
        sqlite_trigger(
            "stats_figures_delete", "DELETE ON leads_lead", write(SQLITE, [(old, -1)], adding=False)
        ),
        sqlite_trigger(
            "stats_figures_update",
            f"UPDATE OF {', '.join(COLUMNS)} ON leads_lead FOR EACH ROW WHEN {changed}",
            [
                *write(SQLITE, [(old, -1)], adding=False),
                *write(SQLITE, [(new, 1)], adding=True),
            ],
        ),
        sqlite_trigger(
            "stats_figures_rebuild",
            "INSERT ON stats_figuresrebuild",
            [
                *rebuild(SQLITE, "NEW.account_id"),
                "DELETE FROM stats_figuresrebuild WHERE id = NEW.id",
            ],
        ),
        sqlite_trigger(
            "stats_zone_changed",
            "UPDATE OF time_zone ON accounts_account FOR EACH ROW "
            "WHEN OLD.time_zone IS NOT NEW.time_zone",
            ["INSERT INTO stats_figuresrebuild (account_id) VALUES (NEW.id)"],
        ),
    ]


SQLITE_DROP = [
    "DROP TRIGGER stats_figures_insert",
    "DROP TRIGGER stats_figures_delete",
    "DROP TRIGGER stats_figures_update",
    "DROP TRIGGER stats_figures_rebuild",
    "DROP TRIGGER stats_zone_changed",
]

# Every account's figures, from its leads, once the triggers exist (in the same transaction).
FILL = "INSERT INTO stats_figuresrebuild (account_id) SELECT id FROM accounts_account"


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_statements()
    elif vendor == "sqlite":
        statements = sqlite_statements()
    else:
        raise RuntimeError(f"the statistics figures have no triggers for {vendor}")
    for statement in [*statements, FILL]:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in POSTGRESQL_DROP if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0005_user_profile"),
        ("leads", "0006_comment_activity_type"),
    ]

    operations = [
        migrations.CreateModel(
            name="FiguresRebuild",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DB_CASCADE,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="DayFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("owner_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("step_id", models.BigIntegerField()),
                ("created_count", models.BigIntegerField(default=0)),
                ("created_cents", models.BigIntegerField(default=0)),
                ("won_count", models.BigIntegerField(default=0)),
                ("won_cents", models.BigIntegerField(default=0)),
                ("lost_count", models.BigIntegerField(default=0)),
                ("cancelled_count", models.BigIntegerField(default=0)),
                ("won_cycle_ms", models.BigIntegerField(default=0)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DB_CASCADE,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "team_id", "owner_id", "day", "step_id"),
                        name="day_figures_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="OpenFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("owner_id", models.BigIntegerField()),
                ("step_id", models.BigIntegerField()),
                ("count", models.BigIntegerField(default=0)),
                ("cents", models.BigIntegerField(default=0)),
                ("weighted", models.BigIntegerField(default=0)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DB_CASCADE,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "team_id", "owner_id", "step_id"),
                        name="open_figures_key",
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
