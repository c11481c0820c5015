"""Getting in by e-mail, through a real SMTP server (aiosmtpd): "Forgot password?" and an admin's
invitation both send a link, in the user's language, that works once and logs the user in. The
answer never tells whether an e-mail is a user's; disabled users get nothing; requests are
rate-limited like logins."""

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from leadcrew.accounts import throttle
from leadcrew.accounts.models import User
from leadcrew.accounts.services import user_token_issue
from leadcrew.testing.api_world import Api, World, make_world
from leadcrew.testing.smtp import Inbox, free_port, smtp_inbox, smtp_mailer

pytestmark = pytest.mark.django_db

SITE = "https://crm.example.test"
NEW_PASSWORD = "a-much-longer-secret-42"


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    settings.LEADCREW_SITE_URL = SITE
    with smtp_inbox(settings) as box:
        yield box


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_800_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    return now


@pytest.fixture
def world() -> World:
    return make_world("Acme", "admin@acme.test")


def link_in(text: str) -> str:
    match = re.search(r"https?://\S+", text)
    assert match, text
    return match.group(0)


def open_link(client: Client, link: str) -> Any:
    """Follows the e-mailed link as a browser does: the token moves to the session."""
    assert link.startswith(SITE + "/password/set/")
    response = client.get(urlsplit(link).path)
    if response.status_code == 302:
        assert "set-password" in response["Location"]
        response = client.get(response["Location"])
    return response


def set_password(client: Client, link: str) -> Any:
    page = open_link(client, link)
    assert page.status_code == 200
    assert 'name="new_password1"' in page.text
    return client.post(
        page.wsgi_request.path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def same_page(html: str, email: str) -> str:
    """The page without what differs between any two answers: the e-mail typed, the CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html.replace(email, "X"))


def forgot(client: Client, email: str) -> Any:
    return client.post("/password/forgot", {"email": email}, follow=True)


def test_the_login_page_offers_forgot_password(client: Client, world: World) -> None:
    page = client.get("/login")
    assert 'href="/password/forgot"' in page.text
    assert "Forgot password?" in page.text


def test_a_reset_link_is_emailed_in_the_users_language_and_logs_them_in_once(
    client: Client, world: World, inbox: Inbox, moment: list[float]
) -> None:
    bob = world.user("bob@acme.test", locale="fr")
    api_token = user_token_issue(user=bob)
    answer = forgot(client, "Bob@Acme.test")
    assert "If Bob@Acme.test is the e-mail of a leadcrew user" in answer.text
    recipients, subject, text = inbox.only()
    assert recipients == ["bob@acme.test"]
    assert subject == "Choisissez un nouveau mot de passe leadcrew"
    assert "Quelqu’un a demandé un nouveau mot de passe pour bob@acme.test" in text

    response = set_password(client, link_in(text))
    assert response.status_code == 303
    assert response["Location"] == "/leads"
    assert client.get("/leads").status_code == 200  # logged in
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)
    # The API tokens of the old password stop working, as after any password change.
    assert Api(token=api_token).get("/ping").status_code == 401

    other = Client()
    used = open_link(other, link_in(text))
    assert "This link no longer works" in used.text
    assert 'name="new_password1"' not in used.text


def test_the_answer_is_the_same_whether_the_email_is_a_users_or_not(
    world: World, inbox: Inbox, moment: list[float]
) -> None:
    world.user("bob@acme.test")
    known = forgot(Client(), "bob@acme.test")
    unknown = forgot(Client(), "nobody@acme.test")
    assert known.status_code == unknown.status_code == 200
    assert same_page(known.text, "bob@acme.test") == same_page(unknown.text, "nobody@acme.test")
    assert [recipients for recipients, _ in inbox.messages] == [["bob@acme.test"]]


def test_a_disabled_user_gets_no_link_and_an_earlier_link_stops_working(
    client: Client, world: World, inbox: Inbox, moment: list[float]
) -> None:
    bob = world.user("bob@acme.test")
    forgot(client, "bob@acme.test")
    _, _, text = inbox.only()
    User.objects.filter(pk=bob.pk).update(is_disabled=True)
    assert "This link no longer works" in open_link(client, link_in(text)).text

    inbox.messages.clear()
    answer = forgot(Client(), "bob@acme.test")
    assert answer.status_code == 200
    assert inbox.messages == []


def test_reset_requests_are_rate_limited_per_email_known_or_not(
    world: World, inbox: Inbox, moment: list[float]
) -> None:
    world.user("bob@acme.test")
    for email in ("bob@acme.test", "nobody@acme.test"):
        for _ in range(3):
            assert forgot(Client(), email).status_code == 200
        refused = Client().post("/password/forgot", {"email": email})
        assert refused.status_code == 429
        assert refused["Retry-After"] == "900"
        assert "Too many requests: retry in 900 seconds." in refused.text
    assert len(inbox.messages) == 3
    moment[0] += 900
    assert forgot(Client(), "bob@acme.test").status_code == 200
    assert len(inbox.messages) == 4


def test_reset_requests_are_rate_limited_per_address(
    world: World, inbox: Inbox, moment: list[float]
) -> None:
    for n in range(10):
        assert forgot(Client(), f"guess{n}@acme.test").status_code == 200
    assert Client().post("/password/forgot", {"email": "other@acme.test"}).status_code == 429


def test_a_bad_email_is_named_on_the_form(client: Client, world: World, inbox: Inbox) -> None:
    response = client.post("/password/forgot", {"email": "not an e-mail"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert inbox.messages == []


def test_a_mailer_failure_answers_like_a_success(
    client: Client, world: World, settings: Any, moment: list[float]
) -> None:
    world.user("bob@acme.test")
    settings.MAILERS = smtp_mailer(free_port())  # nobody listens there
    answer = forgot(client, "bob@acme.test")
    assert answer.status_code == 200
    assert "If bob@acme.test is the e-mail of a leadcrew user" in answer.text


def test_an_admin_invites_a_new_user_who_sets_a_password_and_is_logged_in(
    login: Callable[[User], Client], world: World, inbox: Inbox
) -> None:
    admin = login(world.admin)
    response = admin.post(
        "/settings/users",
        {"new-email": "cleo@acme.test", "new-locale": "en", "new-invite": "on"},
        follow=True,
    )
    assert "An invitation to set a password was e-mailed to cleo@acme.test." in response.text
    cleo = User.objects.get(email="cleo@acme.test")
    assert not cleo.has_usable_password()
    recipients, subject, text = inbox.only()
    assert recipients == ["cleo@acme.test"]
    assert subject == "You are invited to leadcrew"
    assert "Ada Acme invited you to leadcrew" in text

    visitor = Client()
    page = open_link(visitor, link_in(text))
    assert "Set your password" in page.text
    assert set_password(visitor, link_in(text))["Location"] == "/leads"
    assert visitor.get("/leads").status_code == 200
    cleo.refresh_from_db()
    assert cleo.check_password(NEW_PASSWORD)


def test_the_invitation_is_sent_again_from_the_list_of_users(
    login: Callable[[User], Client], world: World, inbox: Inbox
) -> None:
    cleo = User.objects.create(account=world.account, email="cleo@acme.test", locale="fr")
    cleo.set_unusable_password()
    cleo.save()
    admin = login(world.admin)
    listing = admin.get("/settings/users")
    assert f'action="/settings/users/{cleo.pk}/invite"' in listing.text
    assert "No password yet" in listing.text
    for _ in range(2):
        admin.post(f"/settings/users/{cleo.pk}/invite")
    assert len(inbox.messages) == 2
    assert inbox.messages[1][1]["Subject"] == "Vous êtes invité·e sur leadcrew"


def test_only_an_admin_of_the_account_invites(
    login: Callable[[User], Client], world: World, inbox: Inbox
) -> None:
    bob = world.user("bob@acme.test")
    other = make_world("Globex", "admin@globex.test")
    assert login(bob).post(f"/settings/users/{bob.pk}/invite").status_code == 403
    assert login(other.admin).post(f"/settings/users/{bob.pk}/invite").status_code == 404
    assert inbox.messages == []


def test_a_disabled_user_is_not_invited(
    login: Callable[[User], Client], world: World, inbox: Inbox
) -> None:
    bob = world.user("bob@acme.test", is_disabled=True)
    response = login(world.admin).post(f"/settings/users/{bob.pk}/invite", follow=True)
    assert "This user is disabled." in response.text
    assert inbox.messages == []


def test_the_admin_is_told_when_the_invitation_cannot_be_sent(
    login: Callable[[User], Client], world: World, settings: Any
) -> None:
    bob = world.user("bob@acme.test")
    settings.MAILERS = smtp_mailer(free_port())
    response = login(world.admin).post(f"/settings/users/{bob.pk}/invite", follow=True)
    assert "The invitation could not be e-mailed" in response.text
