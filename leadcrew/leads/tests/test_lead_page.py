"""The branch-merged list (`lead_page`) answers exactly what the plain filter answers: the same
page in the same order and the same total, for every actor of random accounts under every
combination of settings, for filters, orderings and pages that take either path."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.access.actor import AccessSettings, Actor, actor_for_api_key, actor_for_user
from leadcrew.access.branches import see_branches
from leadcrew.access.policy import see_filter
from leadcrew.access.tests.test_policy_property import ALL_SETTINGS, World, build, worlds
from leadcrew.leads.models import Lead, Status
from leadcrew.leads.selectors import (
    LeadFilter,
    filtered_leads,
    lead_objects_by_id,
    lead_page,
    ordered,
    with_relations,
)

pytestmark = pytest.mark.django_db

FILTERS = (
    LeadFilter(),
    LeadFilter(include_unassigned=True, status=[Status.TODO, Status.WON]),
    # Every lead, or the whole pool: for who sees them all, the total is the account's tally.
    LeadFilter(include_unassigned=True),
    LeadFilter(unassigned_only=True),
)
PAGES = (
    ("last_update", "desc", 0, 4),
    ("id", "asc", 3, 5),
    ("alphabetically", "desc", 0, 50),
    # A nullable column: the leads with a reminder first both ways, then the others by id.
    ("next_action", "desc", 2, 6),
    ("next_action", "asc", 0, 50),
    ("probalized_amount", "desc", 1, 4),
    ("sale_step", "desc", 0, 5),  # not mergeable: the plain path
)


def _plain(
    actor: Actor, filters: LeadFilter, order: str, direction: str, offset: int, limit: int
) -> tuple[list[int], int]:
    leads = filtered_leads(actor, filters)
    page = ordered(with_relations(leads), order, direction)[offset : offset + limit]
    return [lead.pk for lead in page], leads.count()


def _vary(leads: list[Lead]) -> None:
    """Distinct dates, amounts, probabilities, reminders and titles in an order unrelated to
    the ids, and some ties; a third of the leads without a reminder."""
    for index, lead in enumerate(leads):
        lead.updated_at = lead.updated_at - timedelta(minutes=(index * 7) % 11)
        lead.amount = (index * 37) % 5
        lead.probability = (index * 29) % 4 * 25
        lead.next_action_at = (
            None if index % 3 == 1 else lead.updated_at + timedelta(hours=(index * 5) % 7)
        )
        lead.title = f"Lead {(index * 13) % 17}"
        lead.status = [Status.TODO, Status.WON, Status.LOST][index % 3]
    varied = ["updated_at", "amount", "probability", "next_action_at", "title", "status"]
    Lead.objects.bulk_update(leads, varied)


# Each example pages through every actor's list 32 ways, both paths: few examples suffice, the
# settings being drawn anew each time. Over a minute in all, hence slow.
@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), values=st.sampled_from(ALL_SETTINGS))
def test_the_merged_page_is_the_plain_page(world: World, values: dict[str, object]) -> None:
    with transaction.atomic():
        built = build(world)
        _vary(built.leads)
        actors = [actor_for_user(user) for user in built.users]
        actors.append(actor_for_api_key(built.account))
        failures = []
        for base in actors:
            for values in ALL_SETTINGS[::4]:
                actor = base.with_settings(AccessSettings.of(built.account).with_changes(**values))
                for filters in FILTERS:
                    for order, direction, offset, limit in PAGES:
                        page = lead_page(
                            actor,
                            filters,
                            order=order,
                            direction=direction,
                            offset=offset,
                            limit=limit,
                        )
                        got = ([row["id"] for row in page.leads], page.total)
                        expected = _plain(actor, filters, order, direction, offset, limit)
                        if got != expected:
                            failures.append((actor.user_id, values, filters, order, got, expected))
        transaction.set_rollback(True)
    assert not failures, failures[:3]


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_the_branches_are_disjoint_and_cover_the_filter(world: World) -> None:
    with transaction.atomic():
        built = build(world)
        for user in built.users:
            actor = actor_for_user(user)
            branches = see_branches(actor)
            if branches is None:
                continue
            leads = Lead.objects.filter(account=built.account)
            expected = set(leads.filter(see_filter(actor)).values_list("pk", flat=True))
            found: list[int] = []
            for branch in branches:
                found += leads.filter(branch).values_list("pk", flat=True)
            assert sorted(found) == sorted(expected)
        transaction.set_rollback(True)


def test_an_admin_or_an_open_account_takes_one_query(db: None) -> None:
    world = World(
        edition="dream_team",
        teams_enabled=True,
        privacy="admins_only",
        assignment="everyone",
        team_privacy="managers_only",
        team_assignment="managers",
        users=((True, False), (False, False)),
        roles=(("member", "manager"),),
        leads=((0, 0, False), (1, 0, False), (None, None, False)),
    )
    built = build(world)
    admin, user = (actor_for_user(u) for u in built.users)
    assert see_branches(admin) is None
    shared = user.with_settings(user.settings.with_changes(privacy="everything_shared"))
    assert see_branches(shared) is None
    branches = see_branches(user, assigned_only=True)
    assert branches is not None
    # Mine, then the managed team's without mine; the unassigned pool is left out.
    assert len(branches) == 2
    assert all(isinstance(branch, Q) for branch in branches)


def test_the_pools_branch_leaves_out_what_every_unassigned_lead_meets(db: None) -> None:
    """The pool a manager may dispatch is their teams' unassigned leads and the teamless ones;
    their team's are in the team's branch already, which leaves the teamless. The branch says
    just that, without the assignment rule's `owner IS NULL OR ...`, so that PostgreSQL pages
    and counts it on the pool's index whatever the values."""
    world = World(
        edition="dream_team",
        teams_enabled=True,
        privacy="admins_only",
        assignment="everyone",
        team_privacy="managers_only",
        team_assignment="managers",
        users=((False, False), (False, False)),
        roles=(("manager", "member"), ("member", "manager")),
        leads=((None, 0, False), (None, 1, False), (None, None, False), (1, 0, False)),
    )
    built = build(world)
    manager = actor_for_user(built.users[0])
    branches = see_branches(manager)
    assert branches is not None
    pool = Lead.objects.filter(branches[-1], account=built.account)
    assert '"owner_id" IS NULL OR' not in str(pool.query)
    assert list(pool.values_list("pk", flat=True)) == [built.leads[2].pk]


def test_totals_of_who_sees_everything_and_of_who_does_not(db: None) -> None:
    """An admin, and everyone when everything is shared, see every lead, the pool included:
    their totals come from the account's tally. Anyone else's are counted."""
    world = World(
        edition="dream_team",
        teams_enabled=True,
        privacy="everything_shared",
        assignment="admins_only",
        team_privacy="managers_only",
        team_assignment="admins",
        users=((True, False), (False, False)),
        roles=(("member", "member"),),
        leads=((0, 0, False), (1, None, False), (None, None, False), (None, 0, False)),
    )
    built = build(world)
    admin, user = (actor_for_user(u) for u in built.users)
    private = user.with_settings(user.settings.with_changes(privacy="admins_only"))
    totals = {}
    for name, actor in (("admin", admin), ("user", user), ("private", private)):
        for filters in (LeadFilter(), *FILTERS[2:]):
            page = lead_page(actor, filters, order="id", direction="desc", offset=0, limit=10)
            assert page.total == filtered_leads(actor, filters).count()
            totals[name, filters.include_unassigned, filters.unassigned_only] = page.total
    assert totals == {
        ("admin", False, False): 2,
        ("admin", True, False): 4,
        ("admin", False, True): 2,
        ("user", False, False): 2,
        ("user", True, False): 4,
        ("user", False, True): 2,
        ("private", False, False): 1,
        ("private", True, False): 1,
        ("private", False, True): 0,
    }


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
@pytest.mark.parametrize(
    ("order", "prepared"),
    [("last_update", True), ("id", False), ("amount", False), ("alphabetically", False)],
)
def test_a_branch_page_keeps_one_plan_only_in_the_orders_its_indexes_hold(
    db: None, order: str, prepared: bool
) -> None:
    """Newest first, each branch is an ordered range of its own index whatever its size, and
    the page is prepared. By id, amount or title, a large branch is best read along an index of
    the order and a small one sorted: that page is planned for its values."""
    world = World(
        edition="dream_team",
        teams_enabled=True,
        privacy="admins_only",
        assignment="everyone",
        team_privacy="team_shared",
        team_assignment="managers",
        users=((False, False), (False, False)),
        roles=(("member", "member"),),
        leads=((0, 0, False), (1, 0, False), (None, None, False)),
    )
    built = build(world)
    member = actor_for_user(built.users[0])
    before = _prepared_statements()
    page = lead_page(
        member,
        LeadFilter(include_unassigned=True),
        order=order,
        direction="desc",
        offset=0,
        limit=10,
    )
    assert page.total == 3
    merged = [s for s in _prepared_statements() - before if "total_row" in s]
    assert bool(merged) is prepared


def test_a_list_of_one_owners_leads_looks_the_owner_up_once(db: None) -> None:
    """The owner filter narrows the leads and the place tally their total is read from: the
    owner is looked up once for both."""
    world = World(
        edition="dream_team",
        teams_enabled=True,
        privacy="admins_only",
        assignment="everyone",
        team_privacy="team_shared",
        team_assignment="managers",
        users=((False, False), (False, False)),
        roles=(("member", "member"),),
        leads=((0, 0, False), (1, 0, False), (0, 0, False)),
    )
    built = build(world)
    member, owner = actor_for_user(built.users[0]), built.users[1]
    wanted = LeadFilter(user=owner.pk, status=[Status.TODO, Status.WON, Status.LOST])
    with CaptureQueriesContext(connection) as queries:
        page = lead_page(member, wanted, order="id", direction="desc", offset=0, limit=10)
    assert page.total == filtered_leads(member, wanted).count() == 1
    lookups = [q for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(lookups) == 1


def _page_world() -> World:
    return World(
        edition="dream_team",
        teams_enabled=True,
        privacy="admins_only",
        assignment="everyone",
        team_privacy="team_shared",
        team_assignment="managers",
        users=((True, False), (False, False), (False, False)),
        roles=(("member", "member", "member"),),
        leads=((1, 0, False), (2, 0, False), (1, None, False), (None, 0, False), (0, 0, False)),
    )


@pytest.mark.parametrize("who", ["admin", "member"])
@pytest.mark.parametrize(
    "filters", [LeadFilter(), LeadFilter(include_unassigned=True), LeadFilter(unassigned_only=True)]
)
@pytest.mark.parametrize(("offset", "limit"), [(0, 3), (2, 50), (40, 10)])
def test_a_page_holds_the_objects_of_its_leads_read_by_id(
    db: None, who: str, filters: LeadFilter, offset: int, limit: int
) -> None:
    """However the page was found (on PostgreSQL, newest first, the statement that finds it
    reads its leads' objects too), it holds the objects `lead_objects_by_id` reads, in order."""
    built = build(_page_world())
    _vary(built.leads)
    actor = actor_for_user(built.users[0 if who == "admin" else 1])
    page = lead_page(
        actor, filters, order="last_update", direction="desc", offset=offset, limit=limit
    )
    ids, total = _plain(actor, filters, "last_update", "desc", offset, limit)
    assert page.total == total
    assert page.leads == lead_objects_by_id(actor, ids)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement: PostgreSQL")
@pytest.mark.parametrize("who", ["admin", "member"])
def test_a_newest_first_page_is_one_statement_with_its_total_and_its_leads(
    db: None, who: str
) -> None:
    """The default list of who sees every lead and of a member of a team: the page, its
    total (the account's tally, or the place tally) and its leads' objects in one statement."""
    built = build(_page_world())
    actor = actor_for_user(built.users[0 if who == "admin" else 1])
    with CaptureQueriesContext(connection) as queries:
        page = lead_page(
            actor, LeadFilter(), order="last_update", direction="desc", offset=0, limit=50
        )
    assert page.total == filtered_leads(actor, LeadFilter()).count() > 0
    assert len(queries.captured_queries) == 1
