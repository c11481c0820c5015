import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from leadcrew.audit.models import SensitiveAction
from leadcrew.bulk.models import BulkAction, BulkChange
from leadcrew.bulk.services import bulk_action_list, bulk_undo
from leadcrew.contacts.models import LeadFieldValue
from leadcrew.core.errors import Code, InvalidParameter
from leadcrew.imports import services
from leadcrew.imports.models import Import
from leadcrew.imports.services import ImportRefused, ImportResult, import_preview, import_run
from leadcrew.imports.tests.files import csv_bytes, xlsx_bytes
from leadcrew.leads.models import Lead, LeadHistory, LeadTag, Status
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast


def run(cast: Cast, rows: list[list[Any]], user: Any = None, **options: Any) -> ImportResult:
    data = options.pop("data", None) or csv_bytes(rows, delimiter=";")
    return import_run(
        actor=cast.actor(user or cast.admin),
        file=io.BytesIO(data),
        file_name=options.pop("file_name", "leads.csv"),
        **options,
    )


def imported(cast: Cast) -> list[Lead]:
    return list(Lead.objects.filter(account=cast.account, created_from="import").order_by("id"))


def codes(result: ImportResult) -> dict[int, str]:
    return {error.row: error.code for error in result.errors}


def test_an_admin_imports_a_french_spreadsheet(cast: Cast) -> None:
    rows = [
        ["Titre", "Propriétaire", "Équipe", "Étape", "Statut", "Montant", "Étiquettes", "Créé le"],
        ["Acme SA", "mona@acme.test", "North", "Qualified", "Gagné", "1 234,50", "a, b; c", ""],
        ["Zeta", "Sam", "South", "", "", "€99", "", "01/03/2024 14:30"],
    ]
    result = run(cast, rows)
    assert (result.rows, result.created, result.skipped, result.errors) == (2, 2, 0, []), (
        result.errors
    )
    first, second = imported(cast)
    assert (first.title, first.owner_id, first.team_id) == ("Acme SA", cast.mona.pk, cast.north.pk)
    assert (first.step.name, first.status, first.amount) == (
        "Qualified",
        Status.WON,
        Decimal("1234.50"),
    )
    assert first.closed_at is not None
    assert sorted(LeadTag.objects.filter(lead=first).values_list("name", flat=True)) == [
        "a",
        "b",
        "c",
    ]
    assert (second.owner_id, second.team_id, second.step.name) == (
        cast.sam.pk,
        cast.south.pk,
        "Incoming",
    )
    assert second.created_at == datetime(2024, 3, 1, 14, 30, tzinfo=UTC)  # Acme is on UTC
    assert second.created_by_id == cast.admin.pk

    history = LeadHistory.objects.get(lead=second)
    assert history.new_value == "imported from leads.csv, row 3"
    assert history.bulk_action_id == result.bulk_action_id


def test_an_import_is_a_logged_bulk_action(cast: Cast) -> None:
    result = run(cast, [["Title"], ["A"], ["B"]])
    bulk = BulkAction.objects.get(pk=result.bulk_action_id or 0)
    assert (bulk.action, bulk.matched, bulk.changed) == ("import", 2, 2)
    assert bulk in bulk_action_list(cast.actor(cast.admin))
    assert BulkChange.objects.filter(bulk_action=bulk).count() == 2
    log = SensitiveAction.objects.get(account=cast.account, action="import")
    assert (log.count, log.details["bulk_action_id"]) == (2, bulk.pk)
    record = Import.objects.get(pk=result.id or 0)
    assert (record.file_name, record.rows, record.created, record.bulk_action_id) == (
        "leads.csv",
        2,
        2,
        bulk.pk,
    )


def test_a_dry_run_writes_nothing_and_reports_the_same(cast: Cast) -> None:
    rows = [["Title", "Amount"], ["A", "12"], ["B", "lots"], ["C", "3"]]
    before = (
        Lead.objects.count(),
        LeadHistory.objects.count(),
        BulkAction.objects.count(),
        SensitiveAction.objects.count(),
        Import.objects.count(),
    )
    dry = run(cast, rows, dry_run=True)
    assert (dry.id, dry.bulk_action_id, dry.dry_run) == (None, None, True)
    assert (dry.rows, dry.created, dry.skipped) == (3, 2, 1)
    assert codes(dry) == {3: Code.IMPORT_INVALID_AMOUNT}
    after = (
        Lead.objects.count(),
        LeadHistory.objects.count(),
        BulkAction.objects.count(),
        SensitiveAction.objects.count(),
        Import.objects.count(),
    )
    assert after == before
    real = run(cast, rows)
    assert (real.created, real.skipped, real.out()["errors"]) == (2, 1, dry.out()["errors"])


def test_all_or_nothing_refuses_the_whole_file(cast: Cast) -> None:
    before = (Lead.objects.count(), BulkAction.objects.count(), Import.objects.count())
    with pytest.raises(ImportRefused) as raised:
        run(cast, [["Title", "Amount"], ["A", "1"], ["B", "-3"]], all_or_nothing=True)
    body = raised.value.body()
    assert (raised.value.status, body["code"], body["created"], body["skipped"]) == (
        422,
        Code.IMPORT_ROWS_FAILED,
        0,
        1,
    )
    assert body["errors"][0]["row"] == 3
    assert (Lead.objects.count(), BulkAction.objects.count(), Import.objects.count()) == before
    assert run(cast, [["Title"], ["A"]], all_or_nothing=True).created == 1


def test_all_or_nothing_after_many_batches_leaves_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH", 2)
    rows = [["Title", "Amount"]] + [[f"L{n}", "1"] for n in range(7)] + [["", "2"], ["X", "3"]]
    before = Lead.objects.count()
    with pytest.raises(ImportRefused):
        run(cast, rows, all_or_nothing=True)
    assert Lead.objects.count() == before


def test_batches_write_every_row(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "BATCH", 3)
    result = run(cast, [["Title", "Tags"]] + [[f"L{n}", "t"] for n in range(10)])
    assert result.created == 10
    leads = imported(cast)
    assert [lead.title for lead in leads] == [f"L{n}" for n in range(10)]
    assert LeadTag.objects.filter(lead__in=leads).count() == 10
    assert LeadHistory.objects.filter(lead__in=leads).count() == 10


# --- The rules of POST /leads, row by row ---------------------------------------------------


def test_a_plain_member_cannot_import_into_a_team_they_may_not_place_in(cast: Cast) -> None:
    rows = [
        ["Title", "Team", "Owner"],
        ["mine in North", "North", ""],
        ["in South", "South", ""],
        ["for Nora", "North", "nora@acme.test"],
        ["for a rival", "", "rex@rival.test"],
    ]
    result = run(cast, rows, user=cast.nils)
    assert codes(result) == {
        3: Code.CREATE_IN_TEAM_FORBIDDEN,
        4: Code.ASSIGNEE_FORBIDDEN,
        5: Code.UNKNOWN_USER,
    }
    assert {error.row: error.column for error in result.errors} == {
        3: "Team",
        4: "Owner",
        5: "Owner",
    }
    (lead,) = imported(cast)
    assert (lead.title, lead.owner_id, lead.team_id) == (
        "mine in North",
        cast.nils.pk,
        cast.north.pk,
    )
    assert not Lead.objects.filter(title__in=["in South", "for Nora", "for a rival"]).exists()


def test_a_manager_may_hand_leads_of_their_team_to_its_members(cast: Cast) -> None:
    rows = [["Title", "Team", "Owner"], ["a", "North", "Nora"], ["b", "North", "Sam"]]
    result = run(cast, rows, user=cast.mona)
    assert codes(result) == {3: Code.ASSIGNEE_FORBIDDEN}


def test_teams_off_refuses_team_columns(cast: Cast) -> None:
    cast.configure(teams=False)
    result = run(cast, [["Title", "Team"], ["a", "North"], ["b", ""]])
    assert codes(result) == {2: Code.TEAMS_OFF}
    assert result.created == 1


def test_every_row_error_code(cast: Cast) -> None:
    header = [
        "Title",
        "Owner",
        "Team",
        "Step",
        "Status",
        "Amount",
        "Probability",
        "Currency",
        "Tags",
        "Starred",
        "Reminder",
        "Reminder time",
        "Created at",
        "Closed at",
        "Closing date",
        "Email",
    ]
    blank = [""] * len(header)

    def row(**cells: str) -> list[str]:
        values = list(blank)
        values[0] = "A lead"
        for name, value in cells.items():
            values[header.index(name.replace("_", " "))] = value
        return values

    cases = {
        Code.REQUIRED: row(Title="", Amount="1"),
        Code.TOO_LONG: row(Title="x" * 300),
        Code.UNKNOWN_USER: row(Owner="nobody@acme.test"),
        # A disabled user may own no new lead: the assign rule refuses them first.
        Code.ASSIGNEE_FORBIDDEN: row(Owner="dora@acme.test"),
        Code.UNKNOWN_TEAM: row(Team="West"),
        Code.UNKNOWN_STEP: row(Step="Nowhere"),
        Code.UNKNOWN_STATUS: row(Status="maybe"),
        Code.IMPORT_INVALID_AMOUNT: row(Amount="lots"),
        Code.IMPORT_NEGATIVE_AMOUNT: row(Amount="-1"),
        Code.IMPORT_INVALID_PROBABILITY: row(Probability="150"),
        Code.INVALID_CURRENCY: row(Currency="euros"),
        Code.TAG_TOO_LONG: row(Tags="t" * 101),
        Code.IMPORT_INVALID_BOOLEAN: row(Starred="perhaps"),
        Code.IMPORT_INVALID_DATE: row(Reminder="32/01/2024"),
        Code.REMINDER_QUARTER_HOUR: row(Reminder="01/02/2030", Reminder_time="09:10"),
        Code.STANDBY_NEEDS_DATE: row(Status="standby"),
        Code.CLOSED_BEFORE_CREATED: row(
            Status="won", Created_at="2024-03-02", Closed_at="2024-03-01"
        ),
        Code.CLOSED_AT_ON_OPEN_LEAD: row(Status="todo", Closed_at="2024-03-01"),
        Code.INVALID_EMAIL: row(Email="not an address"),
    }
    rows = [header, *cases.values()]
    result = run(cast, rows)
    expected = {number: str(code) for number, code in enumerate(cases, start=2)}
    assert codes(result) == expected
    assert result.created == 0
    assert result.skipped == len(cases)
    by_code = {error.code: error for error in result.errors}
    assert by_code[Code.UNKNOWN_USER].column == "Owner"
    assert by_code[Code.UNKNOWN_USER].value == "nobody@acme.test"
    assert by_code[Code.INVALID_EMAIL].column == "Email"
    assert by_code[Code.STANDBY_NEEDS_DATE].column == "Reminder"
    assert by_code[Code.IMPORT_INVALID_AMOUNT].message.startswith("amount: ")


def test_a_row_with_several_bad_cells_reports_each(cast: Cast) -> None:
    result = run(cast, [["Title", "Amount", "Probability"], ["A", "x", "200"]])
    assert [(error.column, error.code) for error in result.errors] == [
        ("Amount", Code.IMPORT_INVALID_AMOUNT),
        ("Probability", Code.IMPORT_INVALID_PROBABILITY),
    ]
    assert result.skipped == 1


def test_an_api_key_leaves_leads_unassigned_and_an_owner_column_assigns(cast: Cast) -> None:
    result = import_run(
        actor=cast.actor(None),
        file=io.BytesIO(csv_bytes([["Title", "Owner"], ["a", ""], ["b", "Sid"]])),
        file_name="x.csv",
    )
    assert result.created == 2
    assert [lead.owner_id for lead in imported(cast)] == [None, cast.sid.pk]


def test_round_robin_teams_dispatch_imported_unassigned_leads(cast: Cast) -> None:
    cast.south.round_robin = True
    cast.south.save()
    result = run(
        cast,
        [["Title", "Team"]] + [[f"L{n}", "South"] for n in range(4)],
        defaults={"user_id": None},
    )
    assert result.created == 4
    owners = [lead.owner_id for lead in imported(cast)]
    assert None not in owners
    assert owners[0] != owners[1]
    assert set(owners) <= {cast.sam.pk, cast.sid.pk, cast.paula.pk}


def test_defaults_fill_blank_cells(cast: Cast) -> None:
    rows = [["Title", "Owner", "Tags"], ["a", "", "x"], ["b", "Sid", ""]]
    result = run(
        cast,
        rows,
        defaults={"user_id": "sam@acme.test", "team_id": "South", "step": "Proposal", "tags": "y"},
    )
    assert result.created == 2
    first, second = imported(cast)
    assert (first.owner_id, first.team_id, first.step.name) == (
        cast.sam.pk,
        cast.south.pk,
        "Proposal",
    )
    assert second.owner_id == cast.sid.pk
    assert sorted(LeadTag.objects.filter(lead=first).values_list("name", flat=True)) == ["x", "y"]


@pytest.mark.parametrize(
    ("defaults", "field", "code"),
    [
        ({"user_id": "nobody"}, "defaults.user_id", Code.UNKNOWN_USER),
        ({"team_id": "West"}, "defaults.team_id", Code.UNKNOWN_TEAM),
        ({"status": "maybe"}, "defaults.status", Code.UNKNOWN_STATUS),
        ({"colour": "red"}, "defaults.colour", Code.NOT_ONE_OF),
        (["x"], "defaults", Code.IMPORT_NOT_AN_OBJECT),
    ],
)
def test_wrong_defaults_refuse_the_file(
    cast: Cast, defaults: object, field: str, code: Code
) -> None:
    with pytest.raises(InvalidParameter) as raised:
        run(cast, [["Title"], ["a"]], defaults=defaults)
    assert (raised.value.field, raised.value.code) == (field, code)
    assert not imported(cast)


def test_an_american_account_reads_dates_month_first(cast: Cast) -> None:
    cast.account.currency, cast.account.time_zone = "USD", "America/New_York"
    cast.account.save()
    run(cast, [["Title", "Closing date"], ["a", "03/01/2024"]])
    assert imported(cast)[0].estimated_closing_date == date(2024, 3, 1)


def test_a_french_account_reads_dates_day_first(cast: Cast) -> None:
    cast.account.time_zone = "Europe/Paris"
    cast.account.save()
    run(cast, [["Titre", "Date de clôture", "Créé le"], ["a", "03/01/2024", "03/01/2024 10:00"]])
    lead = imported(cast)[0]
    assert lead.estimated_closing_date == date(2024, 1, 3)
    assert lead.created_at == datetime(2024, 1, 3, 9, 0, tzinfo=UTC)


def test_a_workbook_imports_like_a_csv(cast: Cast) -> None:
    data = xlsx_bytes(
        [["Title", "Amount", "Created at"], ["a", 1234.5, datetime(2024, 3, 1, 9, 30)]]  # noqa: DTZ001
    )
    result = run(cast, [], data=data, file_name="leads.xlsx")
    assert result.created == 1
    lead = imported(cast)[0]
    assert (lead.amount, lead.created_at) == (
        Decimal("1234.50"),
        datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    )


def test_contact_columns_fill_the_contact_fields(cast: Cast) -> None:
    rows = [["Title", "E-mail", "Société", "Prénom"], ["a", "ann@example.com", "Acme", "Ann"]]
    result = run(cast, rows)
    assert result.created == 1
    lead = imported(cast)[0]
    values = dict(LeadFieldValue.objects.filter(lead=lead).values_list("field__key", "value"))
    assert values == {"email": "ann@example.com", "company": "Acme", "first_name": "Ann"}
    assert "Email: ann@example.com" in lead.description


def test_a_mapping_names_the_columns(cast: Cast) -> None:
    rows = [["Affaire X", "Qui", "Combien", "Mail"], ["a", "Sam", "12", "s@example.com"]]
    mapping = {"Affaire X": "title", "Qui": "owner", "Combien": "amount", "Mail": "fields.email"}
    result = run(cast, rows, mapping=mapping)
    assert result.created == 1
    lead = imported(cast)[0]
    assert (lead.owner_id, lead.amount) == (cast.sam.pk, Decimal("12.00"))


@pytest.mark.parametrize(
    ("rows", "mapping", "code"),
    [
        ([["Phone"], ["1"]], None, Code.IMPORT_NO_TITLE_COLUMN),
        ([["Title"]], None, Code.IMPORT_NO_ROWS),
        ([["Title"], ["a"]], {"Nope": "title"}, Code.IMPORT_UNKNOWN_COLUMN),
        ([["Title"], ["a"]], {"Title": "colour"}, Code.IMPORT_UNKNOWN_FIELD),
    ],
)
def test_files_that_cannot_be_imported_leave_nothing(
    cast: Cast, rows: list[list[str]], mapping: object, code: Code
) -> None:
    before = (Lead.objects.count(), BulkAction.objects.count(), SensitiveAction.objects.count())
    with pytest.raises(InvalidParameter) as raised:
        run(cast, rows, mapping=mapping)
    assert raised.value.code == code
    after = (Lead.objects.count(), BulkAction.objects.count(), SensitiveAction.objects.count())
    assert after == before


def test_the_preview_shows_the_mapping_and_the_first_rows(cast: Cast) -> None:
    data = csv_bytes([["Titre", "Montant", "Fax"]] + [[f"L{n}", "1", ""] for n in range(20)])
    preview = import_preview(actor=cast.actor(cast.admin), file=io.BytesIO(data), limit=5)
    assert preview.mapping == {"Titre": "title", "Montant": "amount"}
    assert preview.headers == ["Titre", "Montant", "Fax"]
    assert [number for number, _ in preview.rows] == [2, 3, 4, 5, 6]


# --- Undo -----------------------------------------------------------------------------------


def test_undo_removes_the_leads_untouched_since(cast: Cast) -> None:
    result = run(cast, [["Title"], ["a"], ["b"], ["c"]])
    first, second, third = imported(cast)
    lead_update(actor=cast.actor(cast.admin), lead_id=second.pk, data={"title": "b, edited"})
    undo = bulk_undo(actor=cast.actor(cast.admin), bulk_action_id=result.bulk_action_id or 0)
    assert (undo.restored, undo.left_changed) == (2, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert first.deleted_at is not None and third.deleted_at is not None
    assert second.deleted_at is None
    assert LeadHistory.objects.filter(lead=first, action="deleted").exists()


def test_its_author_may_undo_an_import_another_user_may_not_see_it(cast: Cast) -> None:
    result = run(cast, [["Title"], ["a"]], user=cast.nils)
    from leadcrew.core.errors import NotFound

    with pytest.raises(NotFound):
        bulk_undo(actor=cast.actor(cast.nora), bulk_action_id=result.bulk_action_id or 0)
    undo = bulk_undo(actor=cast.actor(cast.nils), bulk_action_id=result.bulk_action_id or 0)
    assert undo.restored == 1


def test_an_import_records_the_creation_events_a_dry_run_none(cast: Cast) -> None:
    from leadcrew.events.models import Event

    before = Event.objects.count()
    run(cast, [["Title", "Owner"], ["a", "Sam"], ["b", ""]], dry_run=True)
    assert Event.objects.count() == before
    run(cast, [["Title", "Owner"], ["a", "Sam"], ["b", ""]], defaults={"user_id": None})
    a, b = imported(cast)
    events = set(Event.objects.filter(lead_id__in=[a.pk, b.pk]).values_list("lead_id", "name"))
    assert events == {
        (a.pk, "lead.creation"),
        (b.pk, "lead.creation"),
        (a.pk, "lead.assigned"),
        (b.pk, "lead.unassigned"),
    }
