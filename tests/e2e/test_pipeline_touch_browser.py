"""The pipeline board by touch, in a real browser on a phone (390×844): a finger drags a card by
its handle to another step (pointer events: touch screens fire no HTML5 drag events), and each
card's menu still moves it; a read-only card has neither."""

from typing import Any

import pytest

from leadcrew.leads.services import lead_create
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def touch(x: float, y: float) -> dict[str, Any]:
    return {
        "pointerId": 7,
        "pointerType": "touch",
        "isPrimary": True,
        "clientX": x,
        "clientY": y,
        "bubbles": True,
        "cancelable": True,
    }


def test_a_finger_drags_a_card_by_its_handle_to_another_step(context: Any, acme: Cast) -> None:
    lead = lead_create(
        actor=acme.actor(acme.admin), data={"title": "Touch lead", "user_id": acme.admin.pk}
    )
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, acme.admin.email)
    page.goto("/pipeline")
    assert page.evaluate(SIDEWAYS) == 0
    card = page.locator("li.lead-card", has_text="Touch lead")
    handle = card.locator("[data-drag-handle]")
    target = page.locator("[data-step]").nth(1)
    step_id = int(target.get_attribute("data-step"))
    assert lead.step_id != step_id

    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    handle.dispatch_event("pointerdown", touch(start["x"] + 5, start["y"] + 5))
    assert "dragging" in (card.get_attribute("class") or "")
    target.locator("h2").scroll_into_view_if_needed()
    box = target.locator("h2").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    target.dispatch_event("pointermove", touch(x, y))
    assert "drop-target" in (target.get_attribute("class") or "")
    target.dispatch_event("pointerup", touch(x, y))
    page.locator("[data-step]").nth(1).locator("li.lead-card", has_text="Touch lead").wait_for()
    lead.refresh_from_db()
    assert lead.step_id == step_id


def test_a_read_only_card_has_no_handle(context: Any, acme: Cast) -> None:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, acme.nils.email)
    page.goto("/pipeline")
    read_only = page.locator("li.lead-card:not(.movable)")
    assert read_only.count() > 0  # the teammates' leads he only reads, the unassigned ones
    handles = page.locator("[data-drag-handle]").count()
    assert handles == page.locator("li.lead-card [data-move-form]").count()
    for card in page.locator("li.lead-card:not(.movable)").all():
        assert card.locator("[data-drag-handle]").count() == 0
