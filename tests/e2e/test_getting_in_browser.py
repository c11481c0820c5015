"""Getting in without a password, in a real browser at a desk (1280×800) and on a phone
(390×844): "Forgot password?" on the login page e-mails a link (through a real SMTP server) that
sets a new password and logs the user in; an admin's invitation does the same for a new user."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from leadcrew.accounts.models import User
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast
from leadcrew.testing.smtp import Inbox, smtp_inbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
NEW_PASSWORD = "tulips-in-the-rain-2026"


def link_path(text: str) -> str:
    match = re.search(r"https?://\S+", text)
    assert match, text
    return urlsplit(match.group(0)).path


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    with smtp_inbox(settings) as box:
        yield box


def choose_password(page: Any) -> None:
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the password and log in").click()
    page.wait_for_url(re.compile(r"/leads$"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_forgot_password_emails_a_link_that_sets_it_and_logs_in_once(
    context: Any,
    acme: Cast,
    inbox: Inbox,
    viewport: str,
) -> None:
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("E-mail").fill(acme.nils.email)
    assert page.evaluate(SIDEWAYS) == 0
    page.get_by_role("button", name="E-mail me a link").click()
    page.get_by_text(f"If {acme.nils.email} is the e-mail of a leadcrew user").wait_for()
    assert [recipients for recipients, _ in inbox.messages] == [[acme.nils.email]]
    path = link_path(inbox.text(0))

    page.goto(path)
    assert "set-password" in page.url  # the token left the address bar
    page.get_by_role("heading", name="Set a new password").wait_for()
    assert page.evaluate(SIDEWAYS) == 0
    choose_password(page)
    page.get_by_text("Your password is set: welcome.").wait_for()
    assert User.objects.get(pk=acme.nils.pk).check_password(NEW_PASSWORD)

    page.goto(path)  # the same link again
    page.get_by_role("heading", name="This link no longer works").wait_for()


def test_an_invited_user_sets_a_password_and_lands_logged_in(
    browser: Any,
    context: Any,
    live_server: Any,
    acme: Cast,
    inbox: Inbox,
) -> None:
    admin = context.new_page()
    log_in(admin, acme.admin.email)
    admin.goto("/settings/users")
    admin.get_by_label("E-mail", exact=True).fill("zoe@acme.test")
    admin.get_by_label("First name").fill("Zoé")
    invite = admin.get_by_label("E-mail them an invitation to set their password")
    assert invite.is_checked()
    admin.get_by_role("button", name="Create the user").click()
    admin.get_by_text("An invitation to set a password was e-mailed to zoe@acme.test.").wait_for()
    row = admin.locator("tr", has_text="zoe@acme.test")
    assert "No password yet" in row.inner_text()
    row.get_by_role("button", name=re.compile("E-mail the invitation")).click()
    admin.get_by_text("An invitation to set a password was e-mailed to zoe@acme.test.").wait_for()
    assert len(inbox.messages) == 2

    invited = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"])
    page = invited.new_page()
    page.goto(link_path(inbox.text(1)))
    page.get_by_role("heading", name="Set your password").wait_for()
    assert page.evaluate(SIDEWAYS) == 0
    choose_password(page)
    page.get_by_text("Your password is set: welcome.").wait_for()
    invited.close()
    assert User.objects.get(email="zoe@acme.test").check_password(NEW_PASSWORD)
