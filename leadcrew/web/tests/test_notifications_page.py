"""The bell: an unread count in every page's header, the reader's own notifications listed with
a link to the lead, marked read when opened or all at once; never a word about a lead the
reader may not see, never another user's notification."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkAction
from leadcrew.events.models import Notification, NotificationKind, NotificationSettings
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def notify(user: User, kind: str = NotificationKind.ASSIGNED, **fields: object) -> Notification:
    return Notification.objects.create(account_id=user.account_id, user=user, kind=kind, **fields)


def unread(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def test_the_bell_counts_unread_notifications_on_every_page(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    assert b'aria-label="Notifications, none unread"' in client.get("/leads").content
    notify(cast.nils, lead_id=cast.leads.nils_north.pk, actor_id=cast.mona.pk)
    notify(cast.nils, NotificationKind.REMINDER, lead_id=cast.leads.nils_solo.pk)
    page = client.get("/todo")
    assert b'aria-label="Notifications, 2 unread"' in page.content
    assert b'<span class="bell-count" aria-hidden="true">2</span>' in page.content


def test_the_count_is_one_query_per_page(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    notify(cast.nils, lead_id=cast.leads.nils_north.pk)
    with CaptureQueriesContext(connection) as queries:
        client.get("/leads")
    reads = [q["sql"] for q in queries.captured_queries if "events_notification" in q["sql"]]
    assert len(reads) == 1 and "COUNT" in reads[0].upper()


def test_the_list_links_to_the_lead_and_opening_marks_it_read(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_north
    assigned = notify(cast.nils, lead_id=lead.pk, actor_id=cast.mona.pk)
    client = login(cast.nils)
    page = client.get("/notifications").content.decode()
    assert f"{cast.mona.full_name} assigned you the lead “{lead.title}”." in page
    assert f'href="/notifications/{assigned.pk}"' in page
    opened = client.get(f"/notifications/{assigned.pk}")
    assert opened.status_code == 302 and opened["Location"] == f"/leads/{lead.pk}"
    assert unread(cast.nils) == 0
    assert b"Notifications, none unread" in client.get("/notifications").content


def test_mark_all_as_read(login: Login, cast: Cast) -> None:
    bulk = BulkAction.objects.create(account=cast.account, actor=cast.admin, action="assign")
    notify(cast.nils, bulk_action_id=bulk.pk, count=120, actor_id=cast.admin.pk, key="bulk:1")
    notify(cast.nils, NotificationKind.DIGEST, count=3, key="digest:2026-12-07")
    client = login(cast.nils)
    page = client.get("/notifications").content.decode()
    assert "assigned you 120 leads at once." in page
    assert "Your daily digest: 3 leads to do." in page and 'href="/notifications/' in page
    done = client.post("/notifications/read")
    assert done.status_code == 303 and done["Location"] == "/notifications"
    assert unread(cast.nils) == 0
    assert b"All your notifications are marked as read." in client.get("/notifications").content


def test_nothing_is_said_of_a_lead_the_reader_may_not_see(login: Login, cast: Cast) -> None:
    # With privacy "admins only", Nils does not see Mona's lead, even in his own team.
    hidden = cast.leads.mona_north
    stale = notify(cast.nils, lead_id=hidden.pk, actor_id=cast.admin.pk)
    notify(cast.nils, NotificationKind.REMINDER, lead_id=hidden.pk)
    client = login(cast.nils)
    page = client.get("/notifications").content.decode()
    assert hidden.title not in page and f"/notifications/{stale.pk}" not in page
    assert "No notification yet." in page
    assert client.get(f"/notifications/{stale.pk}").status_code == 404
    assert unread(cast.nils) == 2


def test_another_users_notification_is_not_found(login: Login, cast: Cast) -> None:
    monas = notify(cast.mona, lead_id=cast.leads.mona_north.pk)
    client = login(cast.nils)
    assert client.get(f"/notifications/{monas.pk}").status_code == 404
    client.post("/notifications/read")
    assert unread(cast.mona) == 1
    rex = cast.rival.rex
    assert login(rex).get(f"/notifications/{monas.pk}").status_code == 404


def test_the_page_speaks_french(login: Login, cast: Cast) -> None:
    User.objects.filter(pk=cast.nils.pk).update(locale="fr")
    notify(cast.nils, NotificationKind.REMINDER, lead_id=cast.leads.nils_solo.pk)
    client = login(User.objects.get(pk=cast.nils.pk))
    page = client.get("/notifications").content.decode()
    assert "Tout marquer comme lu" in page
    title = cast.leads.nils_solo.title
    assert f"Votre rappel pour l’opportunité «\u00a0{title}\u00a0» est arrivé." in page
    assert 'aria-label="Notifications, 1 non lue"' in page


def test_the_profile_saves_which_notifications_come_by_email(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    page = client.get("/profile").content.decode()
    assert 'id="notifications"' in page
    assert 'name="notify-email_assigned" id="id_notify-email_assigned" checked' in page
    assert 'name="notify-email_digest" id="id_notify-email_digest">' in page
    saved = client.post(
        "/profile/notifications", {"notify-email_reminder": "on", "notify-email_digest": "on"}
    )
    assert saved.status_code == 303 and saved["Location"] == "/profile#notifications"
    prefs = NotificationSettings.objects.get(user=cast.nils)
    assert (prefs.email_assigned, prefs.email_reminder, prefs.email_digest) == (False, True, True)
    page = client.get("/profile").content.decode()
    assert "Your notification choices were saved." in page
    assert 'name="notify-email_digest" id="id_notify-email_digest" checked' in page
    # One user's choices never touch another's.
    assert not NotificationSettings.objects.filter(user=cast.mona).exists()


def test_the_choices_are_in_french(login: Login, cast: Cast) -> None:
    User.objects.filter(pk=cast.nils.pk).update(locale="fr")
    page = login(User.objects.get(pk=cast.nils.pk)).get("/profile").content.decode()
    assert "Un récapitulatif quotidien de mes choses à faire, le matin" in page
    assert "Enregistrer mes choix de notifications" in page


def test_older_notifications_are_a_page_away(login: Login, cast: Cast) -> None:
    lead = cast.leads.nils_north
    made = [notify(cast.nils, lead_id=lead.pk, actor_id=cast.mona.pk) for _ in range(55)]
    client = login(cast.nils)
    first = client.get("/notifications").content.decode()
    assert first.count('class="notification unread"') == 50
    assert f'href="/notifications/{made[-1].pk}"' in first
    assert f'href="/notifications/{made[4].pk}"' not in first
    older = f"/notifications?before={made[5].pk}"
    assert f'href="{older}"' in first and "Latest" not in first

    second = client.get(older).content.decode()
    assert second.count('class="notification unread"') == 5
    assert f'href="/notifications/{made[0].pk}"' in second
    assert "Latest" in second and 'rel="next"' not in second
    for nonsense in ("nonsense", "²", "9" * 40):
        assert client.get(f"/notifications?before={nonsense}").status_code == 200
