"""A compiled query answers exactly what its queryset answers, for the values of each run."""

import pytest
from django.db import connection
from django.db.models import F, Q

from leadcrew.accounts.models import Account
from leadcrew.core.compiled import (
    CompiledValues,
    InIdList,
    Statement,
    marker,
    shape_of,
    text_marker,
)

pytestmark = pytest.mark.django_db

COLUMNS = tuple(field.attname for field in Account._meta.concrete_fields)


def _accounts(*names: str) -> list[Account]:
    return [Account.objects.create(name=name, time_zone="Europe/Paris") for name in names]


BY_IDS = CompiledValues(
    lambda: (
        Account.objects.filter(InIdList("pk", "IDS"))
        .order_by("pk")
        .values(*COLUMNS, shouted=F("name"))
    )
)


def test_the_rows_are_the_querysets_rows_with_the_same_names_and_types() -> None:
    ids = [account.pk for account in _accounts("Acme", "Rival", "Third")]
    expected = list(
        Account.objects.filter(pk__in=ids[:2]).order_by("pk").values(*COLUMNS, shouted=F("name"))
    )
    assert BY_IDS.rows(IDS=ids[:2]) == expected
    assert [type(value) for value in BY_IDS.rows(IDS=ids[:1])[0].values()] == [
        type(value) for value in expected[0].values()
    ]


def test_each_run_reads_its_own_ids_whatever_their_number() -> None:
    acme, rival, third = _accounts("Acme", "Rival", "Third")
    assert [row["name"] for row in BY_IDS.rows(IDS=[third.pk])] == ["Third"]
    assert [row["name"] for row in BY_IDS.rows(IDS=[acme.pk, rival.pk, third.pk])] == [
        "Acme",
        "Rival",
        "Third",
    ]
    assert BY_IDS.rows(IDS=[]) == []


def test_number_and_text_markers_take_each_runs_values() -> None:
    acme, rival = _accounts("Acme", "Rival")
    named = CompiledValues(
        lambda: Account.objects.filter(pk=marker("ID"), name=text_marker("NAME")).values("name")
    )
    assert named.rows(ID=acme.pk, NAME="Acme") == [{"name": "Acme"}]
    assert named.rows(ID=rival.pk, NAME="Rival") == [{"name": "Rival"}]
    assert named.rows(ID=rival.pk, NAME="Acme") == []


def test_a_marker_is_the_same_number_for_the_same_name() -> None:
    assert marker("SAME") == marker("SAME")
    assert marker("SAME") != marker("OTHER")
    assert InIdList("pk", "SAME").number != marker("SAME")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_only_the_compiled_statements_are_prepared() -> None:
    (acme,) = _accounts("Acme")
    BY_IDS.rows(IDS=[acme.pk])
    for _ in range(10):
        list(Account.objects.filter(name="Acme").values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("= ANY(" in statement for statement in prepared)
    assert not any('"name" = $1' in statement for statement in prepared)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_every_other_statement_carries_its_values() -> None:
    # The connection keeps generic plans (config/settings.py), which suit only the compiled
    # statements: every other statement is sent with its values, and planned for them.
    import psycopg

    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, psycopg.ClientCursor)


# --- Conditions by shape


def test_conditions_that_differ_only_in_their_ids_have_one_shape() -> None:
    mine = shape_of([Q(owner_id=6), Q(team_id__in=[21, 31]) & ~Q(owner_id=6)])
    theirs = shape_of([Q(owner_id=7), Q(team_id__in=[4, 5]) & ~Q(owner_id=7)])
    assert mine is not None and theirs is not None
    assert mine.key == theirs.key
    assert list(mine.values.values()) == [6, 21, 31, 6]
    assert list(theirs.values.values()) == [7, 4, 5, 7]


def test_a_different_number_of_ids_or_a_different_literal_is_another_shape() -> None:
    two_teams = shape_of([Q(team_id__in=[1, 2])])
    three_teams = shape_of([Q(team_id__in=[1, 2, 3])])
    pooled = shape_of([Q(owner__isnull=True)])
    owned = shape_of([Q(owner__isnull=False)])
    assert two_teams and three_teams and pooled and owned
    assert two_teams.key != three_teams.key
    assert pooled.key != owned.key
    assert pooled.values == {}


def test_a_condition_on_anything_but_plain_values_has_no_shape() -> None:
    assert shape_of([Q(pk__in=Account.objects.values("pk"))]) is None
    assert shape_of([Q(name=F("slug"))]) is None


def test_a_statement_of_a_shape_reads_each_conditions_own_rows() -> None:
    acme, rival, third = _accounts("Acme", "Rival", "Third")
    first = shape_of([Q(pk=acme.pk) | Q(pk__in=[rival.pk])])
    second = shape_of([Q(pk=third.pk) | Q(pk__in=[acme.pk])])
    assert first is not None and second is not None and first.key == second.key
    compiled = Account.objects.filter(first.templates[0]).order_by("pk").values_list("name")
    sql, params = compiled.query.get_compiler(using="default").as_sql()
    statement = Statement.of(sql, params)
    assert statement.names() == set(first.values)
    for shape, expected in ((first, ["Acme", "Rival"]), (second, ["Acme", "Third"])):
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.bound(connection.vendor, shape.values))
            assert [name for (name,) in cursor.fetchall()] == expected
