"""What bit a sales manager on day one, in a real browser, each at a desk (1280×800) and on a
phone (390×844): exports, confirmations and undo, the bin, sticky bars, the statistics' limits,
the phone layout, keyboard shortcuts, sorting, previous/next and loading states."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from leadcrew.accounts.models import User
from leadcrew.bulk.models import BulkAction
from leadcrew.bulk.services import Selection, bulk_apply, bulk_undo
from leadcrew.leads.models import Lead
from leadcrew.leads.services import lead_create, lead_delete
from leadcrew.testing.browser import log_in, settled
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Whether the element's centre is the element itself (or inside it), not a fixed or sticky
# element over it; after scrolling it into view as the browser does for a focus or a click.
UNCOVERED = """(el) => {
  el.scrollIntoView({block: "nearest"});
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  if (y < 0 || y > window.innerHeight) return "out of view";
  const hit = document.elementFromPoint(x, y);
  if (hit && (el === hit || el.contains(hit))) return "";
  return `covered by ${hit && hit.outerHTML.slice(0, 80)}`;
}"""
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def page(context: Any) -> Any:
    page = context.new_page()
    page.set_viewport_size(DESK)
    return page


def campaign(acme: Cast, count: int, owner: User | None = None) -> list[Lead]:
    actor = acme.actor(acme.admin)
    return [
        lead_create(
            actor=actor,
            data={"title": f"Campaign lead {i:02d}", "user_id": owner.pk if owner else None},
        )
        for i in range(count)
    ]


def test_export_as_csv_works_without_picking_an_action(page: Any, acme: Cast) -> None:
    campaign(acme, 3, acme.admin)
    log_in(page, acme.admin.email)
    for viewport in (DESK, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/leads?q=Campaign")
        page.get_by_role("checkbox", name="Select “Campaign lead 01”").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Export as CSV").click()
        text = download.value.path().read_text(encoding="utf-8-sig")
        assert "Campaign lead 01" in text and "Campaign lead 02" not in text
        # The page is left as it was: the button works again.
        assert page.get_by_role("button", name="Export as CSV").is_enabled()


def test_bulk_delete_asks_with_the_count_and_is_undone_from_recent_bulk_actions(
    page: Any, acme: Cast
) -> None:
    leads = campaign(acme, 3, acme.admin)
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        # The first time the reader changes their mind; then they confirm.
        if len(questions) == 1:
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", answer)
    log_in(page, acme.admin.email)
    page.goto("/leads?q=Campaign")
    page.get_by_role("checkbox", name="Select every lead on this page").check()
    page.get_by_role("radio", name=re.compile("all 3 matching leads")).check()
    page.get_by_label("Action", exact=True).select_option("delete")
    page.get_by_role("button", name="Apply", exact=True).click()
    assert questions and "Send these 3 leads to the bin?" in questions[0]
    assert not BulkAction.objects.exists()
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], deleted_at=None).count() == 3

    page.get_by_role("button", name="Apply", exact=True).click()
    page.locator(".bulk-result").wait_for()
    assert len(questions) == 2
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], deleted_at=None).count() == 0
    bulk = BulkAction.objects.get()

    # Leaving the list does not lose the undo: the recent bulk actions keep it, on a phone too.
    page.set_viewport_size(PHONE)
    page.goto("/leads")
    page.get_by_role("link", name="Recent bulk actions").click()
    row = page.locator(f"#bulk-{bulk.pk}")
    assert "3 of 3 leads sent to the bin" in row.inner_text()
    assert page.evaluate(SIDEWAYS) == 0
    row.get_by_role("button", name="Undo").click()
    page.locator(".message.success").wait_for()
    assert "Undone: 3 leads put back as they were." in page.locator(".message.success").inner_text()
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], deleted_at=None).count() == 3
    assert page.locator(f"#bulk-{bulk.pk}").get_by_role("button", name="Undo").count() == 0

    # The lead's history leads to the same bulk action.
    page.set_viewport_size(DESK)
    page.goto(f"/leads/{leads[0].pk}")
    page.get_by_role("link", name="bulk action").first.click()
    page.wait_for_url(re.compile(rf"/bulk#bulk-{bulk.pk}$"))


def test_the_bin_lists_restores_and_tells_the_purge_date(page: Any, acme: Cast) -> None:
    [lead] = campaign(acme, 1, acme.admin)
    lead_delete(actor=acme.actor(acme.admin), lead_id=lead.pk)
    deleted_at = Lead.objects.get(pk=lead.pk).deleted_at
    assert deleted_at is not None
    log_in(page, acme.admin.email)

    page.set_viewport_size(PHONE)
    page.reload()
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.get_by_role("link", name="Bin").is_visible()
    page.get_by_role("button", name="Menu").click()
    nav.get_by_role("link", name="Bin").click()
    page.wait_for_url(re.compile(r"/bin$"))
    row = page.locator("table.bin tbody tr", has_text="Campaign lead 00")
    purge = (deleted_at + timedelta(days=30)).astimezone(timezone.get_current_timezone())
    assert (
        row.locator("[data-purge-date]").get_attribute("datetime")[:10] == purge.date().isoformat()
    )
    assert page.evaluate(SIDEWAYS) == 0

    page.set_viewport_size(DESK)
    row.get_by_role("button", name="Restore “Campaign lead 00”").click()
    page.locator(".message.success").wait_for()
    assert Lead.objects.get(pk=lead.pk).deleted_at is None
    assert "The bin is empty." in page.locator("table.bin").inner_text()

    # Where only admins may delete, a plain user has no bin in the menu.
    acme.configure(only_admins_delete_leads=True)
    page.context.clear_cookies()
    log_in(page, acme.nils.email)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Bin").count() == 0


def test_no_fixed_element_hides_an_error_or_a_button(page: Any, acme: Cast) -> None:
    log_in(page, acme.admin.email)
    for viewport in (DESK, PHONE):
        page.set_viewport_size(viewport)
        # A refused value: its error is on screen, clear of the sticky Save bar.
        page.goto("/settings/privacy")
        page.get_by_label("Currency").fill("E1")
        page.get_by_role("button", name="Save without preview").click()
        error = page.locator(".errorlist").first
        error.wait_for()
        assert error.evaluate(UNCOVERED) == ""
        # The preview's own Save button is clear of it too.
        page.goto("/settings/privacy")
        page.get_by_label("Every user sees every lead").check()
        page.get_by_role("button", name="Preview the effect").click()
        save = page.get_by_role("button", name="Save these settings")
        save.wait_for()
        assert save.evaluate(UNCOVERED) == ""
        # And every button of the form, wherever the reader scrolls.
        for button in page.locator("form.settings-form button").all():
            assert button.evaluate(UNCOVERED) == "", button.inner_text()

    # Switching down to Essentials works with the Dream Team boxes still ticked.
    page.goto("/settings/privacy")
    page.get_by_role("radio", name="Essentials", exact=True).check()
    page.get_by_role("button", name="Save without preview").click()
    page.locator(".message.success").wait_for()
    acme.account.refresh_from_db()
    assert acme.account.edition == "essentials" and not acme.account.teams_layer_on


def test_the_phone_layout_menu_cards_and_labels(page: Any, acme: Cast) -> None:
    campaign(acme, 1, acme.admin)
    lead_create(
        actor=acme.actor(acme.admin),
        data={
            "title": "Campaign lead 01",
            "user_id": acme.admin.pk,
            "fields": {"phone": "+33 6 12 34 56 78", "email": "buyer@globex.test"},
        },
    )
    log_in(page, acme.admin.email)
    # The Tags filter's description exists.
    described = page.get_by_label("Tags", exact=True).first.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").count() == 1
    assert page.get_by_role("button", name="Menu").is_hidden()

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate(SIDEWAYS) == 0
    # The user menu keeps its name; the nav folds behind a button and opens with every entry.
    assert (
        page.locator("details.usermenu summary")
        .evaluate("(s) => s.textContent.trim()")
        .endswith(acme.admin.full_name or acme.admin.email)
    )
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    for name in ("Leads", "Pipeline", "Unassigned", "To-do", "Statistics", "Bin", "Admin"):
        link = nav.get_by_role("link", name=name, exact=True)
        assert link.is_visible() and link.evaluate(UNCOVERED) == ""
    page.keyboard.press("Escape")
    assert not nav.is_visible()

    # The list as cards, the first ones on the first screen: the filters beyond the search
    # are folded. Every key fact of a lead is in its card, nothing cut off.
    assert page.get_by_label("Search", exact=True).is_visible()
    assert not page.get_by_label("Owner", exact=True).is_visible()
    card = page.locator("table.leads tbody tr", has_text="Campaign lead 01")
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"]
    assert page.locator("table.leads tbody tr").first.bounding_box()["y"] < PHONE["height"]
    text = card.inner_text()
    for fact in ("Campaign lead 01", "To do", "Incoming", str(acme.admin.full_name)):
        assert fact in text, fact
    # Each fact says what it is.
    step = card.locator("td[data-label=Step]")
    assert step.evaluate("(td) => getComputedStyle(td, '::before').content") not in {"none", ""}

    # The lead page: quick actions before the details.
    card.get_by_role("link", name="Campaign lead 01").click()
    page.wait_for_url(re.compile(r"/leads/\d+"))
    call = page.get_by_role("link", name="Call +33 6 12 34 56 78")
    assert call.get_attribute("href") == "tel:+33612345678"
    mail = page.get_by_role("link", name="E-mail buyer@globex.test")
    assert mail.get_attribute("href") == "mailto:buyer@globex.test"
    assert call.bounding_box()["y"] < PHONE["height"]
    quick = page.get_by_role("heading", name="Quick actions").bounding_box()
    details = page.get_by_role("heading", name="Details").bounding_box()
    assert quick["y"] < details["y"]
    assert page.evaluate(SIDEWAYS) == 0
    page.locator("#quick-status").select_option("won")
    page.get_by_role("button", name="Change status").click()
    page.locator(".message.success").wait_for()
    assert Lead.objects.get(title="Campaign lead 01").status == "won"


def test_a_phone_selects_a_whole_page_of_cards(page: Any, acme: Cast) -> None:
    """The table's heading, with its "select every lead on this page" box, folds away with
    the cards: a phone has a box of its own, in view and uncovered."""
    campaign(acme, 3, acme.admin)
    page.set_viewport_size(PHONE)
    log_in(page, acme.admin.email)
    page.get_by_role("searchbox", name="Search", exact=True).fill("Campaign")
    page.get_by_role("searchbox", name="Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"q=Campaign"))
    settled(page)
    select_page = page.get_by_role("checkbox", name="Select this page")
    assert select_page.is_visible()
    assert select_page.evaluate(UNCOVERED) == ""
    select_page.check()
    boxes = page.locator("[data-lead-checkbox]")
    assert boxes.count() == 3
    assert all(box.is_checked() for box in boxes.all())
    boxes.first.uncheck()
    assert select_page.evaluate("(box) => box.indeterminate")
    assert page.evaluate(SIDEWAYS) == 0

    page.set_viewport_size(DESK)  # at a desk, the heading's box does it
    assert not select_page.is_visible()


def test_the_pipeline_moves_a_card_by_its_menu_on_a_phone(page: Any, acme: Cast) -> None:
    [lead] = campaign(acme, 1, acme.admin)
    log_in(page, acme.admin.email)
    page.set_viewport_size(PHONE)
    page.goto("/pipeline")
    assert page.evaluate(SIDEWAYS) == 0
    menu = page.get_by_label("Move “Campaign lead 00” to step")
    target = menu.locator("option").nth(1)
    step_id = int(target.get_attribute("value"))
    menu.select_option(str(step_id))
    card = page.locator("li.lead-card", has_text="Campaign lead 00")
    card.get_by_role("button", name="Move").click()
    settled(page)
    lead.refresh_from_db()
    assert lead.step_id == step_id


def test_the_statistics_refuse_a_tampered_scope_and_thousands_of_bars(
    page: Any, acme: Cast
) -> None:
    log_in(page, acme.nils.email)
    south = acme.teams.south
    page.goto(f"/stats?whose=team-{south.pk}")
    text = page.locator("main").inner_text()
    assert "You may not see these figures" in text
    assert "is not one of the available choices" not in text and f"team-{south.pk}" not in text

    page.set_viewport_size(PHONE)
    page.goto("/stats?group_by=day&date_from=2020-01-01&date_to=2025-12-31")
    error = page.locator(".errorlist").first
    assert "shorten it or group by a longer period" in error.inner_text()
    assert page.locator("#stats-chart").count() == 0
    assert page.evaluate(SIDEWAYS) == 0


def test_shortcuts_sorting_and_previous_next_keep_the_list(page: Any, acme: Cast) -> None:
    for i, amount in enumerate((300, 100, 200)):
        lead_create(
            actor=acme.actor(acme.admin),
            data={"title": f"Shortcut lead {i}", "amount": amount, "user_id": acme.admin.pk},
        )
    log_in(page, acme.admin.email)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type("Shortcut")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Shortcut"))
    settled(page)

    # Sorting by a column: largest amounts first, then the other way round.
    page.get_by_role("link", name=re.compile("^Amount")).click()
    page.wait_for_url(re.compile(r"order=amount"))
    titles = page.locator("table.leads td.title a").all_inner_texts()
    assert titles == ["Shortcut lead 0", "Shortcut lead 2", "Shortcut lead 1"]
    assert page.locator("th[aria-sort=descending]").text_content().startswith("Amount")
    page.get_by_role("link", name=re.compile("^Amount")).click()
    page.wait_for_url(re.compile(r"direction=asc"))
    titles = page.locator("table.leads td.title a").all_inner_texts()
    assert titles == ["Shortcut lead 1", "Shortcut lead 2", "Shortcut lead 0"]

    # j/k pick a row, Enter opens it; the lead page knows its neighbours in that list.
    page.locator("main h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "Shortcut lead 2" in page.locator("tr.picked").inner_text()
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/leads/\d+\?.*q=Shortcut"))
    assert page.get_by_role("heading", level=1).inner_text() == "Shortcut lead 1"
    page.keyboard.press("j")
    page.wait_for_url(re.compile(r"/leads/\d+\?.*order=amount"))
    assert page.get_by_role("heading", level=1).inner_text() == "Shortcut lead 2"
    page.get_by_role("link", name="Previous lead").click()
    page.get_by_role("heading", level=1, name="Shortcut lead 1").wait_for()
    assert page.get_by_role("link", name="Previous lead").count() == 0

    # e goes to the first field; ? shows the help, Escape closes it.
    page.locator("main h1").click()
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.name") == "title"
    page.locator("main h1").click()
    page.keyboard.press("?")
    help_box = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert help_box.is_visible()
    page.keyboard.press("Escape")
    assert not help_box.is_visible()

    # Back to the list, with its filters and order.
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="Leads", exact=True).click()
    page.wait_for_url(re.compile(r"/leads\?.*q=Shortcut.*direction=asc"))


def test_htmx_requests_show_loading_and_disable_their_buttons(page: Any, acme: Cast) -> None:
    [lead] = campaign(acme, 1, acme.admin)
    log_in(page, acme.admin.email)
    page.goto(f"/leads/{lead.pk}")
    button = page.locator("#comments").get_by_role("button", name="Save")
    page.get_by_label("New comment").fill("Called back")
    # The state right after the click, before the answer comes.
    state = button.evaluate(
        """(b) => { b.click(); return [b.disabled, b.getAttribute("aria-busy"),
        !!document.querySelector(".loading-bar"),
        document.getElementById("main").getAttribute("aria-busy")]; }"""
    )
    assert state == [True, "true", True, "true"]
    settled(page)
    assert "Called back" in page.locator("#comments").inner_text()
    assert page.locator(".loading-bar").count() == 0
    assert page.locator("#comments").get_by_role("button", name="Save").is_enabled()


def test_the_history_of_an_undone_bulk_action_shows_values_in_the_readers_language(
    page: Any, acme: Cast
) -> None:
    [lead] = campaign(acme, 1, acme.admin)
    admin = acme.actor(acme.admin)
    done = bulk_apply(
        actor=admin,
        action="set_status",
        selection=Selection(ids=[lead.pk]),
        params={"status": "won"},
    )
    bulk_undo(actor=admin, bulk_action_id=done.bulk_action.pk)
    User.objects.filter(pk=acme.admin.pk).update(locale="fr")
    log_in(page, acme.admin.email)
    for viewport in (DESK, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"/leads/{lead.pk}")
        timeline = page.locator("#timeline")
        rows = timeline.locator("li[data-kind=change]").all_inner_texts()
        assert "undo" not in timeline.inner_text()
        # Newest first: the undo puts "won" back to "to do", after the bulk action did the reverse.
        assert re.search(r"Gagnée\s+→?\s*devient\s+À faire", rows[0]), rows[0]
        assert re.search(r"À faire\s+→?\s*devient\s+Gagnée", rows[1]), rows[1]
        region = page.get_by_role(
            "region", name="Activités, commentaires et modifications, les plus récents d’abord"
        )
        region.focus()
        assert region.evaluate("(r) => r === document.activeElement")


def test_a_refused_reassignment_names_the_assignment_rule(page: Any, acme: Cast) -> None:
    leads = [acme.leads.nils_solo.pk, acme.leads.nils_north.pk]
    done = bulk_apply(
        actor=acme.actor(acme.nils),
        action="assign",
        selection=Selection(ids=leads),
        params={"user_id": acme.ursula.pk},
    )
    assert done.bulk_action.skipped == {"not_allowed": 1}
    log_in(page, acme.nils.email)
    for viewport in (DESK, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"/leads?bulk={done.bulk_action.pk}")
        result = page.locator(".bulk-result").inner_text()
        assert "1 lead: the assignment rules do not let you reassign them" in result
        assert "you may not change them" not in result
