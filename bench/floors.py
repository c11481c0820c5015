"""The floors: hand-written SQL for the same answers as the measured requests, in the shapes of
docs/architecture.md (one ordered, limited scan per visibility branch, merged; additive
counts; one pass with FILTER for statistics; one set-based write for bulk moves).

Every builder returns candidate statements by name; the benchmark times each candidate, keeps
the fastest as the floor, and checks that its answer equals the application's. Values are
integers and timestamps the benchmark computed itself, written into the SQL as literals (as
Django's PostgreSQL backend also sends them).
"""

from dataclasses import dataclass
from datetime import datetime

LEAD_FIELDS = (
    "l.id, l.title, l.description, l.amount, l.probability, l.currency, l.status, l.starred, "
    "l.remind_date, l.remind_time, l.next_action_at, l.estimated_closing_date, l.closed_at, "
    "l.created_at, l.updated_at, l.created_from, l.created_by_id, l.owner_id, l.team_id, "
    "l.step_id, s.name AS step_name, p.name AS pipeline_name, t.name AS team_name"
)
CLOSED = "('won', 'lost', 'cancelled')"
OPEN = "('todo', 'standby')"


@dataclass(frozen=True)
class Sql:
    """The few places where PostgreSQL and SQLite spell things differently."""

    vendor: str

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def tags(self, lead: str) -> str:
        if self.postgres:
            return f"ARRAY(SELECT name FROM leads_leadtag WHERE lead_id = {lead} ORDER BY name)"
        return (
            "(SELECT group_concat(name, ',') FROM "
            f"(SELECT name FROM leads_leadtag WHERE lead_id = {lead} ORDER BY name))"
        )

    def timestamp(self, value: datetime | str) -> str:
        text = value if isinstance(value, str) else value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return f"'{text}+00'" if self.postgres else f"'{text}'"

    def month(self, column: str) -> str:
        if self.postgres:
            return f"(date_trunc('month', {column} AT TIME ZONE 'UTC'))::date"
        return f"strftime('%Y-%m-01', {column})"

    def cents(self, column: str) -> str:
        if self.postgres:
            return f"({column} * 100)::bigint"
        return f"CAST(ROUND({column} * 100) AS INTEGER)"

    def cycle_ms(self) -> str:
        if self.postgres:
            return "round(extract(epoch FROM closed_at - created_at) * 1000)::bigint"
        return "CAST(ROUND((julianday(closed_at) - julianday(created_at)) * 86400000) AS INTEGER)"


@dataclass(frozen=True)
class Visibility:
    """The leads of one account a persona sees in the default list (assigned leads only):
    every one (`everything`), or those it owns plus those of `team_ids`."""

    account_id: int
    owner_id: int | None
    team_ids: tuple[int, ...] = ()
    everything: bool = False

    @property
    def live(self) -> str:
        return f"account_id = {self.account_id} AND deleted_at IS NULL"

    @property
    def teams(self) -> str:
        return ", ".join(str(team) for team in self.team_ids)

    def predicate(self) -> str:
        """The natural OR form (the reference the merged form is checked against)."""
        if self.everything:
            return "owner_id IS NOT NULL"
        branches = [f"owner_id = {self.owner_id}"]
        if self.team_ids:
            branches.append(f"(team_id IN ({self.teams}) AND owner_id IS NOT NULL)")
        return "(" + " OR ".join(branches) + ")"

    def branches(self) -> list[str]:
        """Disjoint conditions whose union is `predicate`: the owner's, then one per team
        (without the owner's leads, counted in the first branch)."""
        if self.everything:
            return ["owner_id IS NOT NULL"]
        found = [f"owner_id = {self.owner_id}"]
        found += [
            f"team_id = {team} AND owner_id IS NOT NULL AND owner_id <> {self.owner_id}"
            for team in self.team_ids
        ]
        return found


@dataclass(frozen=True)
class Ordering:
    """A list's order as SQL over `leads_lead`'s own columns: each sort key is an expression
    and a name to carry it out of the subquery of keys; `id` always breaks ties."""

    keys: tuple[tuple[str, str], ...] = (("updated_at", "updated_at"),)
    direction: str = "DESC"
    nulls_last: bool = False

    def terms(self, prefix: str = "") -> str:
        nulls = " NULLS LAST" if self.nulls_last else ""
        named = [f"{prefix}{name} {self.direction}{nulls}" for _, name in self.keys]
        return ", ".join([*named, f"{prefix}id {self.direction}"])

    def inner_terms(self) -> str:
        nulls = " NULLS LAST" if self.nulls_last else ""
        named = [f"{expression} {self.direction}{nulls}" for expression, _ in self.keys]
        return ", ".join([*named, f"id {self.direction}"])

    def columns(self) -> str:
        return ", ".join(["id", *(f"{expression} AS {name}" for expression, name in self.keys)])

    def names(self) -> str:
        return ", ".join(["id", *(name for _, name in self.keys)])

    def plain_terms(self) -> str:
        """`inner_terms` without where nulls go: for rows that hold none, in the order one
        index gives either way."""
        named = [f"{expression} {self.direction}" for expression, _ in self.keys]
        return ", ".join([*named, f"id {self.direction}"])


NEWEST_FIRST = Ordering()
# GET /leads's `order` values (bench/run.py's sorted lists) as the floor sorts them.
ORDERINGS = {
    "creation_date": Ordering((("created_at", "created_at"),)),
    "amount": Ordering((("amount", "amount"),)),
    "probability": Ordering((("probability", "probability"),)),
    "alphabetically": Ordering((("title", "title"),), direction="ASC"),
    "next_action": Ordering((("next_action_at", "next_action_at"),), nulls_last=True),
    "probalized_amount": Ordering((("amount * probability", "probalized"),)),
}


def _page(sql: Sql, keys: str, ordering: Ordering) -> str:
    """The page's full rows, joined to what the API shows, from a subquery of ordered keys."""
    return (
        f"SELECT {LEAD_FIELDS}, {sql.tags('l.id')} AS tags FROM ({keys}) k "
        "JOIN leads_lead l ON l.id = k.id JOIN leads_step s ON s.id = l.step_id "
        "JOIN leads_pipeline p ON p.id = s.pipeline_id LEFT JOIN teams_team t ON t.id = l.team_id "
        f"ORDER BY {ordering.terms('k.')}"
    )


def _after(sql: Sql, after: tuple[str, int] | None) -> str:
    if after is None:
        return ""
    return f" AND (updated_at, id) < ({sql.timestamp(after[0])}, {after[1]})"


def list_page(
    sql: Sql,
    vis: Visibility,
    *,
    limit: int = 50,
    offset: int = 0,
    after: tuple[str, int] | None = None,
    ordering: Ordering = NEWEST_FIRST,
) -> dict[str, str]:
    """Candidates for one page in `ordering` (by offset, or newest first after a keyset
    cursor)."""
    window = limit + offset
    keyset = _after(sql, after)
    columns, order = ordering.columns(), ordering.inner_terms()
    single = (
        f"SELECT {columns} FROM leads_lead WHERE {vis.live} AND {vis.predicate()}{keyset} "
        f"ORDER BY {order} LIMIT {limit} OFFSET {offset}"
    )
    candidates = {"single ordered scan": _page(sql, single, ordering)}
    if not vis.everything:
        # SQLite accepts no LIMIT on a member of a compound SELECT: each branch is a subquery.
        union = " UNION ALL ".join(
            f"SELECT {ordering.names()} FROM (SELECT {columns} FROM leads_lead "
            f"WHERE {vis.live} AND {branch}{keyset} ORDER BY {order} LIMIT {window}) b{n}"
            for n, branch in enumerate(vis.branches())
        )
        merged = f"SELECT {ordering.names()} FROM ({union}) u ORDER BY {ordering.terms()} "
        merged += f"LIMIT {limit} OFFSET {offset}"
        candidates["per-branch scans merged"] = _page(sql, merged, ordering)
    if ordering.nulls_last:
        candidates["per-branch scans split at nulls"] = _page(
            sql, _split_at_nulls(vis, ordering, keyset, limit, offset), ordering
        )
    return candidates


def _split_at_nulls(
    vis: Visibility, ordering: Ordering, keyset: str, limit: int, offset: int
) -> str:
    """The keys of a page in an order on a nullable column, nulls last both ways: in each
    branch, the rows that have a value in plain order (an index of them serves both directions)
    and those that do not by id, merged."""
    column = ordering.keys[0][0]
    columns, window = ordering.columns(), limit + offset
    pieces = []
    for branch in vis.branches():
        where = f"WHERE {vis.live} AND {branch}{keyset}"
        pieces.append(
            f"SELECT {columns} FROM leads_lead {where} AND {column} IS NOT NULL "
            f"ORDER BY {ordering.plain_terms()} LIMIT {window}"
        )
        pieces.append(
            f"SELECT {columns} FROM leads_lead {where} AND {column} IS NULL "
            f"ORDER BY id {ordering.direction} LIMIT {window}"
        )
    union = " UNION ALL ".join(
        f"SELECT {ordering.names()} FROM ({piece}) b{n}" for n, piece in enumerate(pieces)
    )
    merged = f"SELECT {ordering.names()} FROM ({union}) u ORDER BY {ordering.terms()} "
    return merged + f"LIMIT {limit} OFFSET {offset}"


def list_count(vis: Visibility) -> dict[str, str]:
    """Candidates for the exact count of the list (X-TOTAL-COUNT)."""
    candidates = {
        "single count": f"SELECT count(*) FROM leads_lead WHERE {vis.live} AND {vis.predicate()}"
    }
    if vis.everything:
        # Kept by triggers on every write to leads (LeadTally): the count without counting.
        candidates["the account's lead tally"] = (
            f"SELECT assigned FROM leads_leadtally WHERE account_id = {vis.account_id}"
        )
    else:
        # Kept by triggers too (PlaceTally): live leads per team, owner and status, whose
        # columns the visibility predicate reads as it reads the lead's.
        candidates["the place tally"] = (
            "SELECT CAST(COALESCE(SUM(live), 0) AS BIGINT) FROM leads_placetally "
            f"WHERE account_id = {vis.account_id} AND {vis.predicate()}"
        )
    if not vis.everything and vis.team_ids:
        owner = f"owner_id = {vis.owner_id}"
        teams = f"team_id IN ({vis.teams})"
        candidates["additive count"] = (
            f"SELECT (SELECT count(*) FROM leads_lead WHERE {vis.live} AND {owner}) "
            f"+ (SELECT count(*) FROM leads_lead WHERE {vis.live} AND {teams} "
            "AND owner_id IS NOT NULL) "
            f"- (SELECT count(*) FROM leads_lead WHERE {vis.live} AND {owner} AND {teams})"
        )
        # The same sum over disjoint branches: each count an index-only range scan.
        candidates["per-branch counts"] = "SELECT " + " + ".join(
            f"(SELECT count(*) FROM leads_lead WHERE {vis.live} AND {branch})"
            for branch in vis.branches()
        )
    return candidates


def lead_detail(sql: Sql, account_id: int, lead_id: int, visible: str) -> dict[str, str]:
    """One lead with its owner and team, if `visible` (a condition on `l`) holds."""
    return {
        "one join": (
            f"SELECT {LEAD_FIELDS}, u.first_name, u.last_name, u.email, "
            f"{sql.tags('l.id')} AS tags FROM leads_lead l "
            "JOIN leads_step s ON s.id = l.step_id JOIN leads_pipeline p ON p.id = s.pipeline_id "
            "LEFT JOIN teams_team t ON t.id = l.team_id "
            "LEFT JOIN accounts_user u ON u.id = l.owner_id "
            f"WHERE l.id = {lead_id} AND l.account_id = {account_id} "
            f"AND l.deleted_at IS NULL AND {visible}"
        )
    }


def statistics(
    sql: Sql,
    account_id: int,
    team_ids: tuple[int, ...] | None,
    start: datetime,
    end: datetime,
    step_ids: tuple[int, ...],
) -> dict[str, list[str]]:
    """Candidates (each a list of statements) for leads created, closed (won, lost, cancelled,
    sales cycle) per month, and the open pipeline per step, over the account or its teams."""
    scope = f"account_id = {account_id} AND deleted_at IS NULL"
    if team_ids is not None:
        scope += f" AND team_id IN ({', '.join(map(str, team_ids))})"
    begin, finish = sql.timestamp(start), sql.timestamp(end)
    steps = ", ".join(map(str, step_ids))
    won = "FILTER (WHERE status = 'won')"
    created = (
        f"SELECT 'created' AS part, {sql.month('created_at')} AS period, "
        "CAST(NULL AS bigint) AS step_id, "
        f"count(*) AS n1, sum({sql.cents('amount')}) AS n2, 0 AS n3, 0 AS n4, 0 AS n5 "
        f"FROM {{source}} WHERE created_at >= {begin} AND created_at < {finish} GROUP BY 2"
    )
    closed = (
        f"SELECT 'closed', {sql.month('closed_at')}, CAST(NULL AS bigint), count(*) {won}, "
        f"sum({sql.cents('amount')}) {won}, count(*) FILTER (WHERE status = 'lost'), "
        f"count(*) FILTER (WHERE status = 'cancelled'), sum({sql.cycle_ms()}) {won} "
        f"FROM {{source}} WHERE status IN {CLOSED} AND closed_at >= {begin} "
        f"AND closed_at < {finish} GROUP BY 2"
    )
    pipeline = (
        f"SELECT 'pipeline', CAST(NULL AS date), step_id, count(*), sum({sql.cents('amount')}), "
        f"sum({sql.cents('amount')} * probability), 0, 0 FROM {{source}} "
        f"WHERE status IN {OPEN} AND step_id IN ({steps}) GROUP BY step_id"
    )
    parts = (created, closed, pipeline)
    table = f"leads_lead WHERE {scope} AND"
    separate = [part.replace("{source} WHERE", table) for part in parts]
    candidates = {"three grouped scans": separate}
    if sql.postgres:
        # One read of the scope's rows, shared by the three groupings.
        materialized = (
            "WITH scope AS MATERIALIZED (SELECT created_at, closed_at, status, amount, "
            f"probability, step_id FROM leads_lead WHERE {scope}) "
            + " UNION ALL ".join(part.replace("{source}", "scope") for part in parts)
        )
        candidates["one scan, three groupings"] = [materialized]
        candidates["three grouped scans, one statement"] = [" UNION ALL ".join(separate)]
    candidates["the statistics figures"] = statistics_figures(
        sql, account_id, team_ids, start, end, steps
    )
    return candidates


def statistics_figures(
    sql: Sql,
    account_id: int,
    team_ids: tuple[int, ...] | None,
    start: datetime,
    end: datetime,
    steps: str,
) -> list[str]:
    """The same answer summed from the figures the database keeps per day (stats_dayfigures)
    and per step (stats_openfigures), at the level "every owner" of the teams (or of "every
    team"): what the application reads for a caller who sees every lead of the scope. The
    days are UTC days, the benchmark account's zone."""
    month = (
        "(date_trunc('month', day::timestamp))::date"
        if sql.postgres
        else "strftime('%Y-%m-01', day)"
    )
    teams = "= -1" if team_ids is None else f"IN ({', '.join(map(str, team_ids))})"
    level = f"account_id = {account_id} AND team_id {teams} AND owner_id = -1"
    days = f"day >= '{start.date().isoformat()}' AND day < '{end.date().isoformat()}'"
    return [
        f"SELECT 'created', {month}, CAST(NULL AS bigint), sum(created_count), "
        "sum(created_cents), 0, 0, 0 "
        f"FROM stats_dayfigures WHERE {level} AND {days} GROUP BY 2 "
        f"UNION ALL SELECT 'closed', {month}, CAST(NULL AS bigint), sum(won_count), "
        "sum(won_cents), sum(lost_count), sum(cancelled_count), sum(won_cycle_ms) "
        f"FROM stats_dayfigures WHERE {level} AND {days} GROUP BY 2 "
        "UNION ALL SELECT 'pipeline', NULL, step_id, sum(count), sum(cents), sum(weighted), "
        f"0, 0 FROM stats_openfigures WHERE {level} AND step_id IN ({steps}) GROUP BY step_id "
        "HAVING sum(count) > 0"
    ]


def activity_report(
    sql: Sql,
    account_id: int,
    team_ids: tuple[int, ...],
    visible: str,
    start: datetime,
    end: datetime,
) -> dict[str, list[str]]:
    """Candidates for an activity report of `team_ids` per month: the activities logged in the
    period for those teams on leads the caller sees (`visible`, over `l`), counted per month
    and type, with the distinct leads touched and won after an activity per month and in all.
    Every candidate gives rows (month, type, activities, leads touched, leads won): NULL type
    for a month's leads, NULL month and type for the totals."""
    teams = ", ".join(map(str, team_ids))
    rows = (
        "leads_comment c JOIN leads_lead l ON l.id = c.lead_id "
        f"WHERE c.account_id = {account_id} AND c.activity_id IS NOT NULL "
        f"AND c.team_id IN ({teams}) AND c.created_at >= {sql.timestamp(start)} "
        f"AND c.created_at < {sql.timestamp(end)} "
        f"AND l.account_id = {account_id} AND l.deleted_at IS NULL AND {visible}"
    )
    won = "CASE WHEN l.status = 'won' AND l.closed_at >= c.created_at THEN c.lead_id END"
    month = sql.month("c.created_at")
    leads = f"count(DISTINCT c.lead_id), count(DISTINCT {won})"
    separate = [
        f"SELECT {month}, c.activity_id, count(*), NULL, NULL FROM {rows} GROUP BY 1, 2",
        f"SELECT {month}, NULL, count(*), {leads} FROM {rows} GROUP BY 1",
        f"SELECT NULL, NULL, count(*), {leads} FROM {rows}",
    ]
    # Distinct leads counted by grouping (a hash) instead of count(DISTINCT) (a sort).
    by_grouping = (
        f"WITH a AS (SELECT {month} AS period, c.activity_id, c.lead_id, {won} AS won_lead "
        f"FROM {rows}), "
        "kl AS (SELECT period, lead_id, max(won_lead) AS won_lead, count(*) AS n "
        "FROM a GROUP BY period, lead_id) "
        "SELECT period, activity_id, count(*), NULL, NULL FROM a GROUP BY period, activity_id "
        "UNION ALL SELECT period, NULL, sum(n), count(*), count(won_lead) FROM kl "
        "GROUP BY period "
        "UNION ALL SELECT NULL, NULL, sum(n), count(*), count(won_lead) FROM "
        "(SELECT lead_id, sum(n) AS n, max(won_lead) AS won_lead FROM kl GROUP BY lead_id) x"
    )
    candidates = {
        "per type, per month and in all": separate,
        "one scan, distinct leads by grouping": [by_grouping],
    }
    if sql.postgres:
        candidates["one scan, grouping sets"] = [
            "SELECT period, activity_id, count(*), count(DISTINCT lead_id), "
            "count(DISTINCT won_lead) FROM ("
            f"SELECT {month} AS period, c.activity_id, c.lead_id, {won} AS won_lead FROM {rows}"
            ") a GROUP BY GROUPING SETS ((period, activity_id), (period), ())"
        ]
    return candidates


def access_explanation(account_id: int, lead_id: int) -> dict[str, str]:
    """Per active user, what the rules read to explain their rights on one lead: admin, owner,
    member or manager of its team, and whether they share another team with its owner (where
    they could place it)."""
    return {
        "one join": (
            "SELECT u.id, u.is_admin, u.id = l.owner_id AS is_owner, "
            "m.id IS NOT NULL AS is_member, COALESCE(m.is_manager, FALSE) AS is_manager, "
            "EXISTS (SELECT 1 FROM teams_membership a WHERE a.user_id = u.id "
            "AND a.team_id <> COALESCE(l.team_id, -1) AND (l.owner_id IS NULL OR EXISTS "
            "(SELECT 1 FROM teams_membership b WHERE b.team_id = a.team_id "
            "AND b.user_id = l.owner_id))) AS could_place "
            "FROM leads_lead l JOIN accounts_user u ON u.account_id = l.account_id "
            "LEFT JOIN teams_membership m ON m.team_id = l.team_id AND m.user_id = u.id "
            f"WHERE l.id = {lead_id} AND l.account_id = {account_id} "
            "AND l.deleted_at IS NULL AND NOT u.is_disabled ORDER BY u.id"
        )
    }


def preview_team_shared(account_id: int) -> dict[str, str]:
    """Per active user, the leads they would start seeing if team_privacy went from
    managers_only to team_shared: every lead of a team they are a plain member of, but their
    own (admins and managers already see them all; nobody loses anything; editing is
    unchanged)."""
    return {
        "grouped counts joined to memberships": (
            "WITH c AS (SELECT team_id, owner_id, count(*) AS n FROM leads_lead "
            f"WHERE account_id = {account_id} AND deleted_at IS NULL AND team_id IS NOT NULL "
            "GROUP BY team_id, owner_id), "
            "t AS (SELECT team_id, sum(n) AS n FROM c GROUP BY team_id) "
            "SELECT u.id, COALESCE(sum(t.n - COALESCE(mine.n, 0)) "
            "FILTER (WHERE NOT m.is_manager AND NOT u.is_admin), 0) AS see_gained "
            "FROM accounts_user u LEFT JOIN teams_membership m ON m.user_id = u.id "
            "LEFT JOIN t ON t.team_id = m.team_id "
            "LEFT JOIN c mine ON mine.team_id = m.team_id AND mine.owner_id = u.id "
            f"WHERE u.account_id = {account_id} AND NOT u.is_disabled GROUP BY u.id ORDER BY u.id"
        )
    }


def bulk_place(
    account_id: int,
    team: tuple[int, str],
    actor_id: int,
    now: datetime,
    *,
    with_undo: bool,
) -> str:
    """Moves every live standby lead of the account to a team in one statement: the previous
    values saved for undo (optional), the UPDATE, and one history row per lead, from
    UPDATE … RETURNING (PostgreSQL only). Returns the count of moved leads."""
    team_id, team_name = team
    at = f"'{now.isoformat()}'::timestamptz"
    saved_columns = (
        "owner_id, team_id, status, step_id, starred, remind_date, remind_time, "
        "next_action_at, closed_at, deleted_at"
    )
    undo = (
        ", saved AS (INSERT INTO bulk_bulkchange (bulk_action_id, account_id, lead_id, "
        + ", ".join(f"old_{c.strip()}" for c in saved_columns.split(","))
        + ", changed_at, undone) SELECT (SELECT id FROM action), account_id, id, "
        f"{saved_columns}, {at}, FALSE FROM moved)"
        if with_undo
        else ""
    )
    return (
        "WITH action AS (INSERT INTO bulk_bulkaction (account_id, actor_id, action, params, "
        "matched, changed, skipped, undo_skipped, created_at) VALUES "
        f"({account_id}, {actor_id}, 'place_in_team', '{{\"team_id\": {team_id}}}', 0, 0, "
        f"'{{}}', '{{}}', {at}) RETURNING id), "
        "moved AS (UPDATE leads_lead l SET team_id = "
        f"{team_id}, updated_at = {at} FROM leads_lead o WHERE o.id = l.id "
        f"AND o.account_id = {account_id} AND o.deleted_at IS NULL AND o.status = 'standby' "
        f"AND o.team_id IS DISTINCT FROM {team_id} RETURNING o.*)"
        + undo
        + ", history AS (INSERT INTO leads_leadhistory (account_id, lead_id, actor_id, action, "
        "old_value, new_value, created_at, bulk_action_id) SELECT m.account_id, m.id, "
        f"{actor_id}, 'team', old.name, '{team_name}', {at}, (SELECT id FROM action) "
        "FROM moved m LEFT JOIN teams_team old ON old.id = m.team_id) SELECT count(*) FROM moved"
    )


def bulk_place_sqlite(
    account_id: int,
    team: tuple[int, str],
    actor_id: int,
    now: datetime,
    *,
    with_undo: bool,
) -> list[str]:
    """`bulk_place` for SQLite, which has no writes in a WITH: the same effects as statements
    of one transaction, the history and undo rows read before the UPDATE."""
    team_id, team_name = team
    at = f"'{now.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
    selected = (
        f"account_id = {account_id} AND deleted_at IS NULL AND status = 'standby' "
        f"AND team_id IS NOT {team_id}"
    )
    action = "(SELECT max(id) FROM bulk_bulkaction)"
    saved_columns = (
        "owner_id, team_id, status, step_id, starred, remind_date, remind_time, "
        "next_action_at, closed_at, deleted_at"
    )
    statements = [
        "INSERT INTO bulk_bulkaction (account_id, actor_id, action, params, matched, changed, "
        f"skipped, undo_skipped, created_at) VALUES ({account_id}, {actor_id}, 'place_in_team', "
        f"'{{\"team_id\": {team_id}}}', 0, 0, '{{}}', '{{}}', {at})"
    ]
    if with_undo:
        statements.append(
            "INSERT INTO bulk_bulkchange (bulk_action_id, account_id, lead_id, "
            + ", ".join(f"old_{c.strip()}" for c in saved_columns.split(","))
            + f", changed_at, undone) SELECT {action}, account_id, id, {saved_columns}, {at}, 0 "
            f"FROM leads_lead WHERE {selected}"
        )
    statements.append(
        "INSERT INTO leads_leadhistory (account_id, lead_id, actor_id, action, old_value, "
        f"new_value, created_at, bulk_action_id) SELECT l.account_id, l.id, {actor_id}, 'team', "
        f"old.name, '{team_name}', {at}, {action} FROM leads_lead l "
        "LEFT JOIN teams_team old ON old.id = l.team_id "
        f"WHERE l.{selected.replace(' AND ', ' AND l.')}"
    )
    statements.append(
        f"UPDATE leads_lead SET team_id = {team_id}, updated_at = {at} WHERE {selected}"
    )
    return statements
