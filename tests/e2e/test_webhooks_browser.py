"""Admin › Webhooks in a real browser, at a desk and on a phone: an admin creates a webhook
(after a refusal worded as the API words it), sends a test to a real receiver, reads the
request and the answer in the log, sends it again, turns the webhook off."""

import re
from typing import Any

import pytest

from leadcrew.events.models import Webhook
from leadcrew.events.tests.receiver import http_receiver
from leadcrew.events.tests.test_webhooks import run_worker
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def sideways(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_admin_sets_up_tests_and_reads_a_webhook(
    browser: Any, live_server: Any, acme: Cast, settings: Any, viewport: str
) -> None:
    settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    with http_receiver() as receiver:
        log_in(page, acme.admin.email)
        page.goto("/settings")
        page.get_by_role("link", name="Webhooks").click()
        page.wait_for_url(re.compile(r"/settings/webhooks$"))

        page.get_by_label("Event", exact=True).select_option("lead.status.changed.to.won")
        page.get_by_role("button", name="Create the webhook").click()
        page.get_by_text("This field is required.").wait_for()
        page.get_by_label("URL or e-mail address").fill(receiver.url)
        page.get_by_label("Name", exact=True).fill("Accounting")
        page.get_by_role("button", name="Create the webhook").click()
        page.wait_for_url(re.compile(r"/settings/webhooks/\d+$"))
        webhook = Webhook.objects.get(account=acme.account)
        assert (webhook.event, webhook.name) == ("lead.status.changed.to.won", "Accounting")

        page.get_by_role("button", name="Send a test").click()
        page.locator(".message.success").wait_for()
        run_worker()
        page.reload()
        assert len(receiver.requests) == 1
        assert page.get_by_text("Answer 200").is_visible()
        page.get_by_text("Request and answer").first.click()
        assert "webhook_event" in page.locator("pre.payload").first.inner_text()
        assert sideways(page) <= 0

        page.get_by_role("button", name=re.compile("Send again")).first.click()
        page.locator(".message.success").wait_for()
        run_worker()
        assert len(receiver.requests) == 2

        page.get_by_role("button", name="Turn off").click()
        page.locator(".message.success").wait_for()
        assert Webhook.objects.get(pk=webhook.pk).is_disabled
        assert page.get_by_role("button", name="Turn back on").is_visible()
        page.get_by_role("link", name="All webhooks").click()
        page.wait_for_url(re.compile(r"/settings/webhooks$"))
        page.locator(f"#webhook-{webhook.pk}").get_by_text("Off", exact=True).wait_for()
        assert sideways(page) <= 0
    context.close()
