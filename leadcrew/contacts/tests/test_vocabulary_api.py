"""Categories and predefined tags, as a reference-API client reads and writes them, and the
required category on won leads."""

import pytest

from leadcrew.contacts.models import Category, PredefinedTag
from leadcrew.testing.api_world import World, as_user, error_type, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> World:
    return make_world("Acme", "admin@acme.test")


def test_categories_and_their_tags_are_read_as_the_reference_shapes_them(acme: World) -> None:
    created = acme.key.post("/category", {"name": "Source"})
    assert created.status_code == 201, created.content
    category = created.json()
    assert set(category) == {"id", "name", "is_required", "supertags", "created_at", "updated_at"}
    tag = acme.key.post("/predefined_tags", {"name": "Fair", "category_id": category["id"]})
    assert tag.status_code == 201, tag.content
    assert set(tag.json()) == {"id", "name", "category", "category_id", "position", "created_at"}
    assert tag.json()["category"] == "Source"
    by_name = acme.key.post("/predefined_tags", {"name": "Web", "category": "source"}).json()
    assert by_name["category_id"] == category["id"] and by_name["position"] == 1
    loose = acme.key.post("/predefined_tags", {"name": "VIP"}).json()
    assert loose["category"] is None
    listed = acme.key.get("/categories", include_tags="true").json()
    assert [t["name"] for t in listed[0]["supertags"]] == ["Fair", "Web"]
    assert acme.key.get("/categories").json()[0]["supertags"] == []
    assert [t["name"] for t in acme.key.get("/predefined_tags").json()] == ["Fair", "Web", "VIP"]


def test_names_are_unique_and_a_category_must_exist(acme: World) -> None:
    first = acme.key.post("/category", {"name": "Source"}).json()
    again = acme.key.post("/category", {"name": "SOURCE"})
    assert again.status_code == 409 and again.json()["id"] == first["id"]
    acme.key.post("/predefined_tags", {"name": "Fair"})
    assert acme.key.post("/predefined_tags", {"name": "fair"}).status_code == 409
    unknown = acme.key.post("/predefined_tags", {"name": "X", "category_id": 999_999})
    assert unknown.status_code == 422 and unknown.json()["field"] == "category_id"
    rival = make_world("Rival", "admin@rival.test")
    theirs = rival.key.post("/category", {"name": "Theirs"}).json()["id"]
    other = acme.key.post("/predefined_tags", {"name": "Y", "category_id": theirs})
    assert other.status_code == 422
    assert acme.key.get("/categories").json()[0]["name"] == "Source"
    assert len(acme.key.get("/categories").json()) == 1


def test_only_admins_manage_the_vocabulary(acme: World) -> None:
    user = as_user(acme.user("sam@acme.test"))
    for response in (
        user.get("/predefined_tags"),
        user.post("/predefined_tags", {"name": "Mine"}),
        user.post("/category", {"name": "Mine"}),
    ):
        assert response.status_code == 401 and error_type(response) == "unauthorized_non_admin"
    assert user.get("/categories").status_code == 200
    assert not PredefinedTag.objects.exists() and not Category.objects.exists()


def test_a_required_category_is_needed_to_win_a_lead(acme: World) -> None:
    category = acme.key.post("/category", {"name": "Source", "is_required": True}).json()
    acme.key.post("/predefined_tags", {"name": "Fair", "category_id": category["id"]})
    lead = acme.key.post(
        "/leads", {"title": "Deal", "description": "", "user_id": acme.admin.pk, "tags": ["x"]}
    ).json()
    refused = acme.key.put(f"/leads/{lead['id']}", {"status": "won"})
    assert refused.status_code == 422 and refused.json()["code"] == "category_required"
    assert acme.key.get(f"/leads/{lead['id']}").json()["status"] == "todo"
    won = acme.key.put(f"/leads/{lead['id']}", {"status": "won", "tags": ["fair"]})
    assert won.status_code == 200 and won.json()["status"] == "won"
    dropped = acme.key.put(f"/leads/{lead['id']}", {"tags": ["x"]})
    assert dropped.status_code == 422
    created = acme.key.post("/leads", {"title": "Won", "description": "", "status": "won"})
    assert created.status_code == 422 and created.json()["field"] == "tags"
