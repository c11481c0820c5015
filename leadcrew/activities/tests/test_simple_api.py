"""The Simplified API: add_activity and add_tag, by GET, with an account API key only."""

import pytest
from django.test import Client

from leadcrew.leads.models import Comment
from leadcrew.testing.api_world import World, as_user, error_type

pytestmark = pytest.mark.django_db
SIMPLE = "/api/simple"


def key_client(world: World) -> Client:
    return Client(headers={"X-API-KEY": world.api_key})


def test_add_activity_logs_an_activity_by_the_named_user(acme: World) -> None:
    mia = acme.user("mia@acme.test")
    lead = acme.lead("Deal", owner=mia)
    response = key_client(acme).get(
        f"{SIMPLE}/leads/{lead.pk}/add_activity",
        {"activity_id": "Call", "user_id": "mia@acme.test", "content": "Called back"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user_id"] == mia.pk and body["content"] == "Called back"
    comment = Comment.objects.get(lead=lead)
    assert comment.activity is not None and comment.activity.name == "Call"


def test_add_tag_adds_one_tag_once(acme: World) -> None:
    lead = acme.lead("Deal")
    client = key_client(acme)
    first = client.get(f"{SIMPLE}/leads/{lead.pk}/add_tag", {"tag": "vip"})
    assert first.status_code == 200, first.content
    assert first.json()["tags"] == ["vip"]
    again = client.get(f"{SIMPLE}/leads/{lead.pk}/add_tag", {"tag": "vip"})
    assert again.json()["tags"] == ["vip"]
    by_param = Client().get(
        f"{SIMPLE}/leads/{lead.pk}/add_tag", {"tag": "hot", "api_key": acme.api_key}
    )
    assert sorted(by_param.json()["tags"]) == ["hot", "vip"]


def test_only_an_api_key_is_accepted_and_errors_keep_the_api_format(acme: World) -> None:
    mia = acme.user("mia@acme.test")
    lead = acme.lead("Deal", owner=mia)
    token = as_user(mia).client
    refused = token.get(f"{SIMPLE}/leads/{lead.pk}/add_tag", {"tag": "vip"})
    assert refused.status_code == 401 and error_type(refused) == "not_api_key"
    missing = Client().get(f"{SIMPLE}/leads/{lead.pk}/add_tag", {"tag": "vip"})
    assert missing.status_code == 401 and error_type(missing) == "unauthorized_missing_token"
    unknown = key_client(acme).get(
        f"{SIMPLE}/leads/{lead.pk}/add_activity", {"activity_id": "Dance", "content": "x"}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "activity_id"
    absent = key_client(acme).get(f"{SIMPLE}/leads/{10**9}/add_tag", {"tag": "vip"})
    assert absent.status_code == 404 and error_type(absent) == "record_not_found"
    no_tag = key_client(acme).get(f"{SIMPLE}/leads/{lead.pk}/add_tag")
    assert no_tag.status_code == 422 and no_tag.json()["field"] == "tag"
    assert not Comment.objects.exists() and list(lead.tag_rows.all()) == []
