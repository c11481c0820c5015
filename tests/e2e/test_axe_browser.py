"""axe-core (shipped by axe-playwright-python) finds no accessibility violation on any page of
the web app, at a desk (1280×800) and on a phone (390×844), in English and in French: an admin
visits every page, a plain user the pages they have. Neither scrolls sideways."""

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils.timezone import now

from leadcrew.accounts.models import User
from leadcrew.accounts.password_links import password_link
from leadcrew.activities.models import ActivityType
from leadcrew.contacts.client_folder_services import client_folder_create
from leadcrew.contacts.services import field_create
from leadcrew.contacts.vocabulary import category_create, predefined_tag_create
from leadcrew.events.models import Delivery, Event, Notification, NotificationKind, Webhook
from leadcrew.leads.services import comment_create, lead_delete, lead_update
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Each language and each screen size once: a language changes a page's words, not its
# structure, and walking all four pairings took four minutes of every run.
LOOKS = [pytest.param("en", "desk", id="en-desk"), pytest.param("fr", "phone", id="fr-phone")]
EVERYONE_PAGES = (
    "/leads",
    "/leads/new",
    "/leads/import",
    "/leads/{lead}",
    "/pipeline",
    "/unassigned",
    "/todo",
    "/stats",
    "/stats/activities",
    "/bulk",
    "/bin",
    "/password",
    "/clients",
    "/clients/{folder}",
    "/search?q=acme",
    "/profile",
    "/notifications",
    "/leads/999999999",  # the not-found page
)
ADMIN_PAGES = (
    "/settings/privacy",
    "/settings/teams",
    "/settings/teams/{team}",
    "/settings/users",
    "/settings/users/{user}",
    "/settings/pipelines",
    "/settings/fields",
    "/settings/fields?delete={field}",
    "/settings/tags",
    "/settings/api-keys",
    "/settings/webhooks",
    "/settings/webhooks/{webhook}",
    "/settings/data",
    "/settings/log",
)


SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def violations(axe: Axe, page: Any) -> list[str]:
    found = axe.run(page).response["violations"]
    return [f"{v['id']}: {node['target']} {v['help']}" for v in found for node in v["nodes"][:3]]


@pytest.mark.parametrize(("locale", "viewport"), LOOKS)
def test_every_page_has_no_axe_violation(
    browser: Any, live_server: Any, acme: Cast, locale: str, viewport: str
) -> None:
    User.objects.filter(account=acme.account).update(locale=locale)
    # Something in the bin and a bulk action for their pages to list.
    lead_delete(actor=acme.actor(acme.admin), lead_id=acme.leads.ada_solo.pk)
    # A choice field, and a required category with a tag, for the fields and tags pages.
    tier = field_create(
        actor=acme.actor(acme.admin), name="Tier", type="choice", choices=["Gold", "Silver"]
    )
    source = category_create(actor=acme.actor(acme.admin), name="Source", is_required=True)
    predefined_tag_create(actor=acme.actor(acme.admin), name="Fair", category=source.pk)
    # A client folder holding a lead both readers see.
    folder = client_folder_create(actor=acme.actor(acme.nils), name="Novak & Co")
    lead_update(
        actor=acme.actor(acme.nils),
        lead_id=acme.leads.nils_solo.pk,
        data={"client_folder_id": folder.pk},
    )
    ids = {
        "lead": acme.leads.nils_solo.pk,
        "user": acme.nils.pk,
        "field": tier.pk,
        "folder": folder.pk,
        "team": acme.north.pk,
    }
    # An activity and a comment for the lead's timeline and the Activities tab to show.
    call = ActivityType.objects.get(account=acme.account, name="Call")
    nils = acme.actor(acme.nils)
    lead_id = acme.leads.nils_solo.pk
    comment_create(actor=nils, lead_id=lead_id, data={"content": "Called", "activity_id": call.pk})
    comment_create(actor=nils, lead_id=lead_id, data={"content": "Sent the quote"})
    # Notifications for the bell's list, one of them read.
    for user in (acme.admin, acme.nils):
        for kind, read in ((NotificationKind.REMINDER, None), (NotificationKind.ASSIGNED, now())):
            Notification.objects.create(
                account=acme.account,
                user=user,
                kind=kind,
                lead_id=acme.leads.nils_solo.pk,
                actor_id=acme.mona.pk,
                read_at=read,
            )
    # A webhook with a delivered and a failed delivery for its log.
    webhook = Webhook.objects.create(
        account=acme.account, event="lead.creation", target_type="url", target="https://h.test/x"
    )
    event = Event.objects.create(account=acme.account, name="lead.creation", dispatched_at=now())
    for state, code in (("succeeded", 200), ("failed", 500)):
        Delivery.objects.create(
            account=acme.account,
            webhook=webhook,
            event=event,
            event_name=webhook.event,
            state=state,
            try_count=1,
            last_returned_code=code,
            request_body='{"webhook_event": {"id": 1, "data": {"title": "' + "A" * 300 + '"}}}',
            response_body="ok" if code == 200 else "Internal error",
        )
    ids["webhook"] = webhook.pk
    axe = Axe()
    found: dict[str, list[str]] = {}
    for who, pages in ((acme.admin, EVERYONE_PAGES + ADMIN_PAGES), (acme.nils, EVERYONE_PAGES)):
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, who.email)
        assert page.locator("html").get_attribute("lang") == locale
        for path in pages:
            url = path.format(**ids)
            page.goto(url)
            page.wait_for_load_state("networkidle")
            problems = violations(axe, page)
            sideways = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if sideways > 0:
                problems.append(f"scrolls sideways by {sideways}px")
            if problems:
                found[f"{who.email} {url}"] = problems
        # The header's search results, open under the box.
        page.goto("/todo")
        page.locator("#topsearch-q").press_sequentially("acme")
        page.locator("#topsearch-results a").first.wait_for()
        problems = violations(axe, page)
        if page.evaluate(SIDEWAYS) > 0:
            problems.append("scrolls sideways with the search results open")
        if problems:
            found[f"{who.email} search results"] = problems
        context.close()
    assert found == {}


@pytest.mark.parametrize(("locale", "viewport"), LOOKS)
def test_the_pages_before_logging_in_have_no_axe_violation(
    browser: Any, live_server: Any, acme: Cast, locale: str, viewport: str, settings: Any
) -> None:
    settings.LEADCREW_SITE_URL = live_server.url
    pages = ("/login", "/password/forgot", password_link(acme.nils), "/password/set/MQ/nope")
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
    context.add_cookies([{"name": "leadcrew_language", "value": locale, "url": live_server.url}])
    page = context.new_page()
    axe = Axe()
    found: dict[str, list[str]] = {}
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == locale
        problems = violations(axe, page)
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if sideways > 0:
            problems.append(f"scrolls sideways by {sideways}px")
        if problems:
            found[url] = problems
    context.close()
    assert found == {}
