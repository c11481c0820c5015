"""Loads the peer CRM (BottleCRM, PyPI `django-crm`) with the benchmark's volume. Runs inside the
peer's own virtualenv (bench/.peer-venv), with its settings (`crm.settings`): it imports nothing
of leadcrew, only bench.generate's pure-Python helpers, so both products get the same users,
teams, memberships and the same lead draws.

    python -m bench.peer_load --leads 1000000 --users 1000 --teams 100 --seed N

Prints one JSON line: the organisation, the non-admin user the benchmark acts as and its
personal access token.
"""

import argparse
import json
import os
import random
import sys
import time

from bench.generate import (
    ANCHOR,
    ASSIGNED_IN_TEAM,
    UNASSIGNED_IN_TEAM,
    YEARS_OF_HISTORY,
    _hash,
    _personas,
    _teams_of_users,
)

ORG_NAME = "Bench peer"
# BottleCRM's statuses: open ones first, closed after; "converted" leads leave its list.
PEER_STATUSES = (("assigned", 30), ("in process", 60), ("closed", 95), ("recycled", 100))


def _load(*, leads: int, users: int, teams: int, admins: int, seed: int) -> dict[str, object]:
    import django

    django.setup()
    from common.models import Org, PersonalAccessToken, Profile, Teams, User
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    rng = random.Random(seed)
    with transaction.atomic():
        org = Org.objects.create(name=ORG_NAME, company_name=ORG_NAME)
        password = make_password("bench-password", salt="benchsalt")
        people = User.objects.bulk_create(
            User(email=f"user{n}@peer.bench.leadcrew.test", name=f"User {n}", password=password)
            for n in range(users)
        )
        profiles = Profile.objects.bulk_create(
            Profile(
                user=user,
                org=org,
                role="ADMIN" if n < admins else "USER",
                is_organization_admin=n < admins,
                has_sales_access=True,
            )
            for n, user in enumerate(people)
        )
        non_admin = [str(profile.pk) for profile in profiles[admins:]]
        personas = _personas(non_admin)
        members = _teams_of_users(rng, non_admin, teams, personas)
        team_rows = Teams.objects.bulk_create(
            Teams(name=f"Team {n:03d}", description="", org=org) for n in range(teams)
        )
        through = Teams.users.through
        through.objects.bulk_create(
            through(teams_id=team_rows[index].pk, profile_id=profile)
            for index, team_members in members.items()
            for profile in team_members
        )
        user_of = {str(profile.pk): str(profile.user_id) for profile in profiles}
        memberships = [
            (profile, user_of[profile], str(team_rows[index].pk))
            for index, team_members in members.items()
            for profile in team_members
        ]
        owners = [(profile, user_of[profile]) for profile in non_admin]
        admin_user = user_of[str(profiles[0].pk)]
        _insert_leads(connection, org.pk, leads, seed, memberships, owners, admin_user)
        member = Profile.objects.get(pk=personas["member"])
        raw, _ = PersonalAccessToken.generate(member, "benchmark")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"org_id": str(org.pk), "profile_id": str(member.pk), "token": raw}


def _insert_leads(
    connection: object,
    org_id: object,
    count: int,
    seed: int,
    memberships: list[tuple[str, str, str]],
    owners: list[tuple[str, str]],
    admin_user: str,
) -> None:
    """Leads with the leadcrew generator's draws: the same shares of unassigned leads, team
    leads (owner a member of the team) and leads outside teams; the owner is the creator and
    the assignee, an unassigned lead was created by an admin and has no assignee."""
    anchor = int(ANCHOR.timestamp())
    minutes = YEARS_OF_HISTORY * 365 * 24 * 60
    status = "CASE " + " ".join(
        f"WHEN h.st < {bound} THEN '{name}'" for name, bound in PEER_STATUSES[:-1]
    )
    status += f" ELSE '{PEER_STATUSES[-1][0]}' END"
    hashes = ", ".join(f"{_hash(salt, seed)} AS r{salt}" for salt in range(1, 10))
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "CREATE TEMP TABLE peer_m (k INTEGER PRIMARY KEY, profile_id uuid, user_id uuid, "
            "team_id uuid)"
        )
        cursor.execute(
            "CREATE TEMP TABLE peer_o (k INTEGER PRIMARY KEY, profile_id uuid, user_id uuid)"
        )
        cursor.executemany(
            "INSERT INTO peer_m VALUES (%s, %s, %s, %s)",
            [(k, *row) for k, row in enumerate(memberships)],
        )
        cursor.executemany(
            "INSERT INTO peer_o VALUES (%s, %s, %s)", [(k, *row) for k, row in enumerate(owners)]
        )
        cursor.execute(
            f"""
CREATE TEMP TABLE peer_draw AS
SELECT md5('peer-lead-' || h.i)::uuid AS id, h.i,
    to_timestamp(h.c) AS created_at,
    to_timestamp(h.c + h.r6 % ({anchor} - h.c + 1)) AS updated_at,
    {status} AS status,
    CASE WHEN h.u < {UNASSIGNED_IN_TEAM} THEN NULL
         WHEN h.u < {ASSIGNED_IN_TEAM} THEN m.profile_id ELSE o.profile_id END AS profile_id,
    CASE WHEN h.u < {UNASSIGNED_IN_TEAM} THEN '{admin_user}'::uuid
         WHEN h.u < {ASSIGNED_IN_TEAM} THEN m.user_id ELSE o.user_id END AS user_id,
    CASE WHEN h.u < 2 THEN NULL WHEN h.u < {ASSIGNED_IN_TEAM} THEN m.team_id END AS team_id,
    (h.r9 % 5000000) / 100.0 AS amount, (h.r8 % 11) * 10 AS probability
FROM (
    SELECT r.i, r.r1 % 100 AS u, r.r2 AS pick, r.r3 % 100 AS st,
        {anchor} - (r.r4 % {minutes}) * 60 - r.r5 % 60 AS c, r.r6, r.r8, r.r9
    FROM (SELECT g.i, {hashes} FROM generate_series(1::bigint, {count}) AS g(i)) r
) h
JOIN peer_m m ON m.k = h.pick % {len(memberships)}
JOIN peer_o o ON o.k = h.pick % {len(owners)}
"""
        )
        cursor.execute(
            "INSERT INTO lead (id, created_at, updated_at, is_active, org_id, kanban_order, "
            "custom_fields, is_sample, external_id, external_source, phone_e164, source_detail, "
            "source_ref, title, first_name, last_name, status, created_by_id, "
            "opportunity_amount, probability, currency) "
            "SELECT id, created_at, updated_at, TRUE, %s, 0, '{}', FALSE, '', '', '', '', '', "
            "'Lead ' || i, 'First' || i, 'Last' || i, status, user_id, amount, probability, 'EUR' "
            "FROM peer_draw ORDER BY i",
            [org_id],
        )
        cursor.execute(
            "INSERT INTO lead_assigned_to (lead_id, profile_id) SELECT id, profile_id "
            "FROM peer_draw WHERE profile_id IS NOT NULL ORDER BY i"
        )
        cursor.execute(
            "INSERT INTO lead_teams (lead_id, teams_id) SELECT id, team_id FROM peer_draw "
            "WHERE team_id IS NOT NULL ORDER BY i"
        )
        cursor.execute("DROP TABLE peer_draw, peer_m, peer_o")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--teams", type=int, required=True)
    parser.add_argument("--admins", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    started = time.perf_counter()
    result = _load(
        leads=args.leads, users=args.users, teams=args.teams, admins=args.admins, seed=args.seed
    )
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
