"""The admin panel and the statistics page in a real browser: an admin sets teams up, a manager
reads their team's figures."""

import re
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from leadcrew.accounts.models import Account, Privacy, User
from leadcrew.leads.services import lead_create, lead_update
from leadcrew.teams.models import Membership, Team
from leadcrew.testing.browser import log_in
from leadcrew.testing.cast import Cast


def _day_first(text: str) -> str:
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day)).isoformat()


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def option(user: User) -> str:
    return f"{user.full_name or user.email} ({user.email})"


def test_an_admin_sets_teams_up_and_a_manager_reads_the_teams_figures(
    context: Any, live_server: Any, acme: Cast
) -> None:
    acme.configure(teams=False)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, acme.admin.email)

    # Roles & privacy: teams on, everything shared; preview, then save.
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url(re.compile(r"/settings/privacy$"))
    page.get_by_label("Turn teams on").check()
    page.get_by_label("Every user sees every lead").check()
    page.get_by_role("button", name="Preview the effect").click()
    preview = page.locator("#preview")
    preview.wait_for()
    assert "Privacy" in preview.inner_text()
    rows = preview.locator("table.preview-table tbody tr")
    assert rows.count() > 0
    assert "+" in rows.first.inner_text()
    assert Account.objects.get(pk=acme.account.pk).privacy == Privacy.ADMINS_ONLY
    page.get_by_role("button", name="Save these settings").click()
    page.locator(".message.success").wait_for()
    account = Account.objects.get(pk=acme.account.pk)
    assert account.teams_layer_on and account.privacy == Privacy.EVERYTHING_SHARED

    # Teams: a new team, two members, one of them manager.
    page.get_by_role("link", name="Teams", exact=True).click()
    page.get_by_label("Team name").first.fill("West")
    page.get_by_role("button", name="Create the team").click()
    page.locator(".message.success").wait_for()
    west = Team.objects.get(account=acme.account, name="West")
    card = page.locator(f"#team-{west.pk}")
    card.get_by_label("Person to add").fill(option(acme.sid))
    card.get_by_role("button", name="Add to the team").click()
    page.locator(".message.success").wait_for()
    card = page.locator(f"#team-{west.pk}")
    card.get_by_label("Person to add").fill(option(acme.sam))
    card.get_by_role("button", name="Add to the team").click()
    page.locator(".message.success").wait_for()
    page.locator(f"#team-{west.pk}").get_by_role(
        "button", name=re.compile(f"Make manager.*{acme.sam.full_name}")
    ).click()
    page.locator(".message.success").wait_for()
    members = dict(Membership.objects.filter(team=west).values_list("user_id", "is_manager"))
    assert members == {acme.sid.pk: False, acme.sam.pk: True}

    admin = acme.actor(acme.admin)
    for owner, amount, status in (
        (acme.sid, "500", "won"),
        (acme.sam, "250", "lost"),
        (acme.sid, "75", "todo"),
    ):
        lead = lead_create(
            actor=admin, data={"title": "West deal", "user_id": owner.pk, "team_id": west.pk}
        )
        lead_update(
            actor=admin, lead_id=lead.pk, data={"amount": Decimal(amount), "status": status}
        )

    # The manager's statistics: their team, by member.
    manager = context.browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    try:
        mpage = manager.new_page()
        log_in(mpage, acme.sam.email)
        mpage.get_by_role("link", name="Statistics").click()
        mpage.wait_for_url(re.compile(r"/stats"))
        mpage.get_by_label("Whose figures").select_option(label="West")
        mpage.get_by_label("Group by").select_option(label="Member")
        mpage.get_by_role("button", name="Show").click()
        mpage.wait_for_url(re.compile(r"group_by=member"))
        mpage.locator("#stats-chart[data-drawn]").wait_for(state="attached")
        shown = {}
        for row in mpage.locator("table.figures tbody tr").all():
            key = row.get_attribute("data-key")
            shown[key] = {
                cell.get_attribute("data-field"): cell.get_attribute("data-value")
                for cell in row.locator("td[data-field]").all()
            }
        # The period's inputs are typed as the account writes dates (UTC: day first).
        query = parse_qs(urlsplit(mpage.url).query)
        params = {name: _day_first(query[name][0]) for name in ("date_from", "date_to")}
    finally:
        manager.close()

    api = (
        Client()
        .get(
            "/api/v2/statistics",
            {
                "scope": "team",
                "team_id": west.pk,
                "group_by": "member",
                "from": params["date_from"],
                "to": params["date_to"],
            },
            headers=acme.headers(acme.sam),
        )
        .json()
    )
    assert {str(g["key"]) for g in api["groups"]} == set(shown)
    for group in api["groups"]:
        row = shown[str(group["key"])]
        assert int(row["created_count"]) == group["created_count"]
        assert float(row["created_amount"]) == pytest.approx(group["created_amount"])
        assert int(row["won_count"]) == group["won_count"]
        assert float(row["won_amount"]) == pytest.approx(group["won_amount"])
        assert int(row["lost_count"]) == group["lost_count"]
