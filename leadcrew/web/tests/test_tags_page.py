"""Admin panel, tags: an admin manages the vocabulary (categories, one of them required on won
leads, and the predefined tags in them); nobody else changes anything."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.contacts.models import Category, PredefinedTag
from leadcrew.leads.models import LeadTag
from leadcrew.leads.services import lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
PAGE = "/settings/tags"


def vocabulary(cast: Cast) -> dict[str, list[str]]:
    """Tag names by category name ("" for the tags without one)."""
    found: dict[str, list[str]] = {}
    tags = PredefinedTag.objects.filter(account=cast.account).select_related("category")
    for tag in tags.order_by("position", "id"):
        found.setdefault(tag.category.name if tag.category else "", []).append(tag.name)
    return found


def test_an_admin_builds_the_vocabulary(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    page = client.get(PAGE).content.decode()
    assert 'href="/settings/tags" aria-current="page"' in page
    created = client.post(
        PAGE, {"action": "category_create", "new-name": "Source", "new-is_required": "on"}
    )
    assert created.status_code == 303
    source = Category.objects.get(account=cast.account, name="Source")
    assert source.is_required
    client.post(PAGE, {"action": "tag_add", "id": source.pk, f"tag{source.pk}-name": "Fair"})
    client.post(PAGE, {"action": "tag_add", "id": source.pk, f"tag{source.pk}-name": "Web"})
    client.post(PAGE, {"action": "tag_add", "id": 0, "loose-name": "VIP"})
    assert vocabulary(cast) == {"Source": ["Fair", "Web"], "": ["VIP"]}
    client.post(
        PAGE, {"action": "category_edit", "id": source.pk, f"category{source.pk}-name": "Origin"}
    )
    source.refresh_from_db()
    assert (source.name, source.is_required) == ("Origin", False)
    web = PredefinedTag.objects.get(account=cast.account, name="Web")
    client.post(PAGE, {"action": "tag_remove", "id": web.pk})
    assert vocabulary(cast) == {"Origin": ["Fair"], "": ["VIP"]}
    client.post(PAGE, {"action": "category_delete", "id": source.pk})
    assert vocabulary(cast) == {"": ["Fair", "VIP"]}


def test_a_taken_name_is_explained_next_to_its_input(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    client.post(PAGE, {"action": "category_create", "new-name": "Source"})
    again = client.post(PAGE, {"action": "category_create", "new-name": "SOURCE"})
    assert "A category with this name already exists." in again.content.decode()
    client.post(PAGE, {"action": "tag_add", "id": 0, "loose-name": "VIP"})
    twice = client.post(PAGE, {"action": "tag_add", "id": 0, "loose-name": "vip"})
    assert "A predefined tag with this name already exists." in twice.content.decode()
    blank = client.post(PAGE, {"action": "tag_add", "id": 0, "loose-name": " "})
    assert "This field is required." in blank.content.decode()
    assert vocabulary(cast) == {"": ["VIP"]}
    assert Category.objects.filter(account=cast.account).count() == 1


def test_removing_a_tag_leaves_the_leads_carrying_it(login: Login, cast: Cast) -> None:
    client = login(cast.admin)
    client.post(PAGE, {"action": "tag_add", "id": 0, "loose-name": "VIP"})
    lead = cast.leads.nils_solo
    lead_update(actor=cast.actor(cast.nils), lead_id=lead.pk, data={"tags": ["VIP"]})
    vip = PredefinedTag.objects.get(account=cast.account, name="VIP")
    client.post(PAGE, {"action": "tag_remove", "id": vip.pk})
    assert vocabulary(cast) == {}
    assert list(LeadTag.objects.filter(lead=lead).values_list("name", flat=True)) == ["VIP"]


def test_a_plain_user_gets_403_and_changes_nothing(login: Login, cast: Cast) -> None:
    admin = login(cast.admin)
    admin.post(PAGE, {"action": "category_create", "new-name": "Source"})
    source = Category.objects.get(account=cast.account, name="Source")
    client = login(cast.nils)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "category_delete", "id": source.pk}).status_code == 403
    assert client.post(PAGE, {"action": "tag_add", "id": 0, "loose-name": "X"}).status_code == 403
    assert Category.objects.filter(pk=source.pk).exists()
    assert vocabulary(cast) == {}


def test_another_accounts_category_reads_as_missing(login: Login, cast: Cast) -> None:
    theirs = Category.objects.create(account=cast.rival.account, name="Theirs")
    client = login(cast.admin)
    client.post(PAGE, {"action": "category_delete", "id": theirs.pk})
    renamed = client.post(
        PAGE,
        {"action": "category_edit", "id": theirs.pk, f"category{theirs.pk}-name": "Mine"},
        follow=True,
    )
    assert "not found" in renamed.content.decode().lower()
    added = client.post(
        PAGE, {"action": "tag_add", "id": theirs.pk, f"tag{theirs.pk}-name": "X"}, follow=True
    )
    assert "No such category in this account." in added.content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert not PredefinedTag.objects.filter(name="X").exists()
