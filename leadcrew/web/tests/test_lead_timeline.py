"""The lead page's timeline: activities, comments and changes in one list, newest first, with a
filter that works as plain links and as htmx swaps, and "Show more" pages that stay a few
queries long whatever the length of the lead's history."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadcrew.accounts.models import User
from leadcrew.activities.models import ActivityType
from leadcrew.bulk.services import Selection, bulk_apply
from leadcrew.leads.models import Comment, HistoryAction, Lead, LeadHistory
from leadcrew.leads.services import comment_create, lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]

ENTRY = re.compile(r'<li class="timeline-(\w+)" data-kind="\w+">(.*?)</li>', re.S)
MORE = re.compile(r'id="timeline-more".*?hx-get="([^"]+)"', re.S)


def _entries(text: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(body.split())) for kind, body in ENTRY.findall(text)]


def _kinds(text: str) -> list[str]:
    return [kind for kind, _ in _entries(text)]


def _log(cast: Cast, lead: Lead) -> None:
    """A comment, then a status change, then a call: in that order, a minute apart."""
    nils = cast.actor(cast.nils)
    call = ActivityType.objects.get(account=cast.account, name="Call")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    comment_create(actor=nils, lead_id=lead.pk, data={"content": "Sent the brochure"})
    lead_update(actor=nils, lead_id=lead.pk, data={"status": "won"})
    comment_create(actor=nils, lead_id=lead.pk, data={"content": "Called", "activity_id": call.pk})
    for minutes, row in enumerate(Comment.objects.filter(lead=lead).order_by("id")):
        Comment.objects.filter(pk=row.pk).update(created_at=start + timedelta(minutes=2 * minutes))
    LeadHistory.objects.filter(lead=lead, action=HistoryAction.STATUS).update(
        created_at=start + timedelta(minutes=1)
    )


def test_the_timeline_mixes_activities_comments_and_changes_newest_first(
    login: Login, cast: Cast
) -> None:
    lead = cast.leads.nils_solo
    _log(cast, lead)
    page = login(cast.nils).get(f"/leads/{lead.pk}").text
    entries = _entries(page)
    kinds = [kind for kind, _ in entries]
    assert kinds[:3] == ["activity", "change", "comment"]
    assert 'class="badge activity">Call<' in page
    # The change reads as the history read: the status names, before and after.
    assert re.search(r"Status changed:.*To do.*becomes.*Won", entries[1][1]), entries[1]
    assert "Log an activity" in page
    assert page.index("Log an activity") < page.index('id="timeline"')


@pytest.mark.parametrize(
    ("shown", "kinds"),
    [("activities", {"activity"}), ("comments", {"comment"}), ("changes", {"change"})],
)
def test_the_filter_shows_one_kind_as_a_plain_link(
    login: Login, cast: Cast, shown: str, kinds: set[str]
) -> None:
    lead = cast.leads.nils_solo
    _log(cast, lead)
    client = login(cast.nils)
    page = client.get(f"/leads/{lead.pk}?timeline={shown}").text
    assert set(_kinds(page)) == kinds
    assert re.search(rf'href="[^"]*timeline={shown}#timeline"[^>]*aria-current="true"', page)


def test_the_filter_swaps_only_the_timeline_with_htmx(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    _log(cast, lead)
    client = login(cast.nils)
    region = client.get(
        f"/leads/{lead.pk}?timeline=activities", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline"
    )
    assert region.status_code == 200
    assert region.text.lstrip().startswith('<div id="timeline"')
    assert "Log an activity" not in region.text
    assert _kinds(region.text) == ["activity"]


def test_filter_links_keep_the_list_the_lead_was_opened_from(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    page = login(cast.nils).get(f"/leads/{lead.pk}?q=solo&timeline=changes").text
    assert f'href="/leads/{lead.pk}?q=solo&amp;timeline=comments#timeline"' in page
    assert f'href="/leads/{lead.pk}?q=solo#timeline"' in page


def test_an_unknown_filter_or_cursor_shows_the_newest_of_everything(
    login: Login, cast: Cast
) -> None:
    lead = cast.leads.nils_solo
    _log(cast, lead)
    client = login(cast.nils)
    wrong = ("timeline=nonsense", "before=abc", "before=1-9-1", "before=99999999999999999-1-1")
    for query in wrong:
        response = client.get(f"/leads/{lead.pk}?{query}")
        assert response.status_code == 200, query
        assert _kinds(response.text)[:3] == ["activity", "change", "comment"], query


def _long_history(lead: Lead, actor: User, count: int) -> None:
    """`count` amount changes and as many comments, many sharing one instant (ties)."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    LeadHistory.objects.bulk_create(
        LeadHistory(
            account_id=lead.account_id,
            lead=lead,
            actor=actor,
            action=HistoryAction.AMOUNT,
            old_value=str(i),
            new_value=str(i + 1),
            created_at=at + timedelta(seconds=i // 7),
        )
        for i in range(count)
    )
    Comment.objects.bulk_create(
        Comment(
            account_id=lead.account_id,
            lead=lead,
            author=actor,
            content=f"note {i}",
            created_at=at + timedelta(seconds=i // 5),
        )
        for i in range(count)
    )


def _walk(client: Client, url: str) -> tuple[list[str], list[int]]:
    """Every entry, following "Show more" with htmx; and the queries of each page."""
    seen: list[str] = []
    queries: list[int] = []
    target = "comments"
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)
        assert response.status_code == 200
        queries.append(len(captured))
        seen += [body for _, body in _entries(response.text)]
        more = MORE.search(response.text)
        url = more.group(1).replace("&amp;", "&") if more else ""
        target = "timeline-more"
    return seen, queries


def test_show_more_pages_through_everything_once_with_few_queries(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    _long_history(lead, cast.nils, 140)
    client = login(cast.nils)
    seen, queries = _walk(client, f"/leads/{lead.pk}")
    total = LeadHistory.objects.filter(lead=lead).count() + 140
    assert len(seen) == total
    assert len(set(seen)) == total  # no entry twice, none skipped
    # Each "Show more" reads the same few rows, whatever page it is.
    assert len(set(queries[1:-1])) == 1


def test_a_long_history_costs_no_more_queries_than_a_short_one(login: Login, cast: Cast) -> None:
    short, long = cast.leads.nils_solo, cast.leads.nils_north
    _long_history(short, cast.nils, 3)
    _long_history(long, cast.nils, 2500)
    client = login(cast.nils)
    counts = []
    for lead in (short, long):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/leads/{lead.pk}")
        counts.append(len(captured))
        assert page.status_code == 200
    assert counts[0] == counts[1]
    assert len(_entries(page.text)) == 50
    assert 'id="timeline-more"' in page.text


def test_changes_of_a_bulk_action_link_to_it(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    done = bulk_apply(
        actor=cast.actor(cast.nils),
        action="set_status",
        selection=Selection(ids=[lead.pk]),
        params={"status": "won"},
    )
    page = login(cast.nils).get(f"/leads/{lead.pk}?timeline=changes").text
    assert f'href="/bulk#bulk-{done.bulk_action.pk}"' in page


def test_another_leads_entries_never_show(login: Login, cast: Cast) -> None:
    mine, other = cast.leads.nils_solo, cast.leads.ada_solo
    comment_create(actor=cast.actor(cast.admin), lead_id=other.pk, data={"content": "Secret plan"})
    page = login(cast.nils).get(f"/leads/{mine.pk}").text
    assert "Secret plan" not in page
    assert login(cast.nils).get(f"/leads/{other.pk}?timeline=comments").status_code == 404


def test_french_timeline(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_solo
    _log(cast, lead)
    User.objects.filter(pk=cast.nils.pk).update(locale="fr")
    page = login(cast.nils).get(f"/leads/{lead.pk}").text
    assert "Tout" in page and "Modifications" in page
    assert "Changement de statut\u00a0:" in page  # typographic French, as the catalogue
    assert re.search(r"Changement de statut :.*À faire.*devient.*Gagnée", _entries(page)[1][1])
