"""The account's data as one archive: admins only, every lead (the bin's marked deleted) with
its comments, history and tags, the account's people and set-up without a single secret, the
log; nothing of another account; CSV cells that never run as formulas; logged as an export."""

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadcrew.accounts import data_export
from leadcrew.accounts.models import ApiKey, User, UserToken
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.models import Comment, Lead, LeadHistory, LeadTag
from leadcrew.testing.api_world import error_type
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

URL = "/api/v2/account/export"
FILES = {
    "account.jsonl",
    "users.jsonl",
    "teams.jsonl",
    "memberships.jsonl",
    "pipelines.jsonl",
    "steps.jsonl",
    "api_keys.jsonl",
    "leads.jsonl",
    "leads.csv",
    "comments.jsonl",
    "history.jsonl",
    "sensitive_actions.jsonl",
}


def download(response: Any) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def lines(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in archive.read(name).decode().splitlines()]


def rival_comment_and_history(cast: Cast) -> None:
    lead = cast.rival.leads.rob_solo
    Comment.objects.create(account=cast.rival.account, lead=lead, content="Rival's secret")
    LeadHistory.objects.create(
        account=cast.rival.account, lead=lead, action="status", new_value="rival-history"
    )


def test_the_archive_holds_the_whole_account_and_nothing_of_another(cast: Cast) -> None:
    binned = cast.leads.sid_solo
    Lead.objects.filter(pk=binned.pk).update(deleted_at=timezone.now())
    LeadTag.objects.create(account=cast.account, lead=cast.leads.nils_north, name="vip")
    LeadTag.objects.create(account=cast.account, lead=cast.leads.nils_north, name="hot")
    Comment.objects.create(
        account=cast.account, lead=cast.leads.nils_north, author=cast.nils, content="Called"
    )
    Comment.objects.create(account=cast.account, lead=binned, content="Before the bin")
    LeadHistory.objects.create(account=cast.account, lead=binned, actor=cast.sid, action="deleted")
    rival_comment_and_history(cast)

    archive = download(Client(headers=cast.headers()).get(URL))
    assert set(archive.namelist()) == FILES

    leads = {row["id"]: row for row in lines(archive, "leads.jsonl")}
    assert set(leads) == {lead.pk for lead in cast.leads.values()}
    assert leads[binned.pk]["deleted"] is True and leads[binned.pk]["deleted_at"]
    assert leads[cast.leads.nils_north.pk]["deleted"] is False
    assert leads[cast.leads.nils_north.pk]["tags"] == ["hot", "vip"]
    assert leads[cast.leads.pool.pk]["owner_id"] is None

    comments = lines(archive, "comments.jsonl")
    assert {c["content"] for c in comments} == {"Called", "Before the bin"}
    assert [r["lead_id"] for r in lines(archive, "history.jsonl")] == [binned.pk]

    users = lines(archive, "users.jsonl")
    assert {u["email"] for u in users} == {u.email for u in cast.users.values()}
    assert {t["name"] for t in lines(archive, "teams.jsonl")} == {"North", "South"}
    memberships = {(m["team_id"], m["user_id"]) for m in lines(archive, "memberships.jsonl")}
    assert (cast.north.pk, cast.mona.pk) in memberships and len(memberships) == 8
    assert [p["name"] for p in lines(archive, "pipelines.jsonl")] == ["Sales"]
    assert len(lines(archive, "steps.jsonl")) == 5
    [account] = lines(archive, "account.jsonl")
    assert account["name"] == "Acme" and "webhook_secret" not in account

    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    for rival_text in ("Rival", "rival.test", "Rival's secret", "rival-history"):
        assert rival_text not in everything


def test_no_secret_is_in_the_archive(cast: Cast) -> None:
    Client(headers=cast.headers(cast.nils)).get("/api/v2/ping")  # Nils has a token
    archive = download(Client(headers=cast.headers(cast.admin)).get(URL))
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    secrets = [u.password for u in User.objects.filter(account=cast.account)]
    secrets += list(UserToken.objects.values_list("token_hash", flat=True))
    secrets += list(ApiKey.objects.values_list("key_hash", flat=True))
    secrets += [cast.api_key, cast.account.webhook_secret]
    assert len(secrets) > 10
    for secret in secrets:
        assert secret not in everything
    for user in lines(archive, "users.jsonl"):
        assert "password" not in user
    [key] = lines(archive, "api_keys.jsonl")
    assert set(key) == {
        "id",
        "name",
        "prefix",
        "created_by_id",
        "created_at",
        "last_used_at",
        "revoked_at",
    }


def test_the_export_is_logged_and_the_archive_shows_it(cast: Cast) -> None:
    archive = download(Client(headers=cast.headers(cast.admin)).get(URL))
    entry = SensitiveAction.objects.get(account=cast.account, action=SensitiveActionType.EXPORT)
    assert (entry.actor_id, entry.count, entry.details) == (
        cast.admin.pk,
        len(cast.leads),
        {"what": "account"},
    )
    logged = lines(archive, "sensitive_actions.jsonl")
    assert logged[-1]["id"] == entry.pk and logged[-1]["action"] == "export"


def test_only_admins_and_account_keys_export(cast: Cast) -> None:
    cast.configure(only_admins_export_leads=False)
    for user in (cast.mona, cast.nils, cast.ursula):
        response = Client(headers=cast.headers(user)).get(URL)
        assert response.status_code == 401
        assert error_type(response) == "unauthorized_non_admin"
    assert error_type(Client().get(URL)) == "unauthorized_missing_token"
    assert not SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).exists()
    # The toggle concerns non-admins: an admin exports whatever it says.
    cast.configure(only_admins_export_leads=True)
    download(Client(headers=cast.headers(cast.admin)).get(URL))
    download(Client(headers=cast.headers()).get(URL))


def test_csv_cells_never_run_as_formulas(cast: Cast) -> None:
    Lead.objects.filter(pk=cast.leads.nils_solo.pk).update(
        title='=HYPERLINK("https://evil.test","click")', description="+1 555 0100"
    )
    LeadTag.objects.create(account=cast.account, lead=cast.leads.nils_solo, name="@home")
    archive = download(Client(headers=cast.headers()).get(URL))
    rows = list(csv.DictReader(io.StringIO(archive.read("leads.csv").decode())))
    assert len(rows) == len(cast.leads)
    row = next(r for r in rows if r["id"] == str(cast.leads.nils_solo.pk))
    assert row["title"] == '\'=HYPERLINK("https://evil.test","click")'
    assert row["description"] == "'+1 555 0100"
    assert row["tags"] == "'@home"
    assert row["owner"] == "nils@acme.test" and row["deleted_at"] == ""
    # JSON is not a spreadsheet: there the title is kept as it is.
    [lead] = [r for r in lines(archive, "leads.jsonl") if r["id"] == cast.leads.nils_solo.pk]
    assert lead["title"].startswith("=HYPERLINK")


def test_tags_stay_with_their_lead_across_chunks(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_export, "CHUNK_SIZE", 2)
    expected = {}
    for index, lead in enumerate(cast.leads.values()):
        names = sorted(f"t{index}-{n}" for n in range(index % 3))
        for name in names:
            LeadTag.objects.create(account=cast.account, lead=lead, name=name)
        expected[lead.pk] = names
    archive = download(Client(headers=cast.headers()).get(URL))
    assert {row["id"]: row["tags"] for row in lines(archive, "leads.jsonl")} == expected


def test_the_web_page_downloads_the_archive(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin, backend="leadcrew.accounts.backends.EmailBackend")
    page = client.get("/settings/data")
    assert page.status_code == 200
    assert b"Download the archive" in page.content
    assert b'href="/settings/data"' in client.get("/settings/privacy").content
    archive = download(client.post("/settings/data"))
    assert set(archive.namelist()) == FILES
    assert SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).count() == 1


def test_the_web_page_is_for_admins_only(client: Client, cast: Cast) -> None:
    client.force_login(cast.mona, backend="leadcrew.accounts.backends.EmailBackend")
    assert client.get("/settings/data").status_code == 403
    assert client.post("/settings/data").status_code == 403
    assert not SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).exists()


@pytest.mark.django_db(transaction=True)
def test_the_export_is_one_transaction_of_its_own(cast: Cast) -> None:
    # Outside any test transaction: on PostgreSQL the reads then share one snapshot
    # (REPEATABLE READ, set as the transaction's first statement), and the log entry commits.
    with CaptureQueriesContext(connection) as queries:
        archive = download(Client(headers=cast.headers()).get(URL))
    assert len(lines(archive, "leads.jsonl")) == len(cast.leads)
    assert SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).count() == 1
    snapshot = [q["sql"] for q in queries.captured_queries if "REPEATABLE READ" in q["sql"]]
    assert len(snapshot) == (1 if connection.vendor == "postgresql" else 0)
