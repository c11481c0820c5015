"""Comments and activities on a lead: the reference shape, the author under an API key, dates
when importing, and who may change or delete them."""

from typing import Any

import pytest

from leadcrew.activities.models import ActivityType
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.models import Comment
from leadcrew.testing.api_world import World, as_user, error_type

pytestmark = pytest.mark.django_db


def call_type(world: World) -> ActivityType:
    return ActivityType.objects.get(account=world.account, name="Call")


def comment(client: Any, lead_id: int, **body: Any) -> Any:
    return client.post(f"/leads/{lead_id}/comments", {"content": "Called", **body})


def test_a_comment_has_the_reference_shape(acme: World) -> None:
    member = acme.user("mia@acme.test", first_name="Mia", last_name="Lane")
    lead = acme.lead("Deal", owner=member)
    response = comment(as_user(member), lead.pk, activity_id=call_type(acme).pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["raw_content"] == body["content"] == "Called"
    assert body["activity_id"] == call_type(acme).pk
    assert body["user"] == {
        "id": member.pk, "firstname": "Mia", "lastname": "Lane", "email": "mia@acme.test"
    }  # fmt: skip
    assert body["user_id"] == member.pk
    assert body["attachments"] == [] and body["reactions"] == []
    assert body["commented_item"] == {"id": lead.pk, "type": "lead", "title": "Deal"}
    listed = acme.key.get(f"/leads/{lead.pk}/comments").json()
    assert listed == [body]


def test_an_activity_is_named_by_id_or_name_and_must_be_loggable(acme: World, rival: World) -> None:
    lead = acme.lead("Deal")
    by_name = comment(acme.key, lead.pk, activity_id="meeting")
    assert by_name.status_code == 201
    meeting = ActivityType.objects.get(account=acme.account, name="Meeting")
    assert by_name.json()["activity_id"] == meeting.pk
    theirs = ActivityType.objects.filter(account=rival.account).first()
    assert theirs is not None
    unknown = comment(acme.key, lead.pk, activity_id=theirs.pk)
    assert unknown.status_code == 422 and unknown.json()["field"] == "activity_id"
    meeting.is_disabled = True
    meeting.save()
    disabled = comment(acme.key, lead.pk, activity_id=meeting.pk)
    assert disabled.status_code == 422 and disabled.json()["code"] == "activity_disabled"
    # A disabled type stays on the activities logged with it.
    assert acme.key.get(f"/leads/{lead.pk}/comments").json()[0]["activity_id"] == meeting.pk
    assert Comment.objects.filter(lead=lead).count() == 1


def test_user_id_names_the_author_under_an_api_key_only(acme: World) -> None:
    member = acme.user("mia@acme.test")
    other = acme.user("otto@acme.test")
    lead = acme.lead("Deal", owner=member)
    by_key = comment(acme.key, lead.pk, user_id="otto@acme.test")
    assert by_key.json()["user_id"] == other.pk
    by_token = comment(as_user(member), lead.pk, user_id=other.pk)
    assert by_token.json()["user_id"] == member.pk
    anonymous = comment(acme.key, lead.pk)
    assert anonymous.json()["user_id"] is None and anonymous.json()["user"] is None
    unknown = comment(acme.key, lead.pk, user_id="nobody@acme.test")
    assert unknown.status_code == 422 and unknown.json()["field"] == "user_id"


def test_created_at_dates_imported_history_for_admins_and_keys(acme: World) -> None:
    member = acme.user("mia@acme.test")
    lead = acme.lead("Deal", owner=member)
    past = "2024-03-01T10:15:00.000Z"
    imported = comment(acme.key, lead.pk, created_at=past)
    assert imported.status_code == 201 and imported.json()["created_at"] == past
    refused = comment(as_user(member), lead.pk, created_at=past)
    assert refused.status_code == 403 and refused.json()["field"] == "created_at"
    future = comment(acme.key, lead.pk, created_at="2999-01-01T00:00:00Z")
    assert future.status_code == 422 and future.json()["field"] == "created_at"
    assert Comment.objects.filter(lead=lead).count() == 1


def test_comments_of_a_lead_one_may_not_see_do_not_exist(acme: World) -> None:
    acme.account.privacy = "admins_only"
    acme.account.save()
    owner = acme.user("mia@acme.test")
    stranger = acme.user("otto@acme.test")
    lead = acme.lead("Deal", owner=owner)
    assert comment(as_user(stranger), lead.pk).status_code == 404
    assert as_user(stranger).get(f"/leads/{lead.pk}/comments").status_code == 404
    assert not Comment.objects.filter(lead=lead).exists()


def test_the_author_or_an_admin_changes_a_comment(acme: World) -> None:
    author = acme.user("mia@acme.test")
    colleague = acme.user("otto@acme.test")
    lead = acme.lead("Deal", owner=author)
    made = comment(as_user(author), lead.pk).json()
    path = f"/leads/{lead.pk}/comments/{made['id']}"
    refused = as_user(colleague).put(path, {"content": "Not mine"})
    assert refused.status_code == 403 and error_type(refused) == "forbidden_action"
    changed = as_user(author).put(path, {"content": "Called twice", "activity_id": "Call"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["content"] == "Called twice"
    assert changed.json()["activity_id"] == call_type(acme).pk
    plain = acme.key.put(path, {"activity_id": None, "is_pinned": True}).json()
    assert plain["activity_id"] is None and plain["is_pinned"] is True
    assert plain["user_id"] == author.pk  # an admin's change keeps the author
    other_lead = acme.lead("Other", owner=author)
    wrong_lead = acme.key.put(f"/leads/{other_lead.pk}/comments/{made['id']}", {"content": "x"})
    assert wrong_lead.status_code == 404


def test_deleting_is_logged_and_may_be_kept_for_admins(acme: World) -> None:
    author = acme.user("mia@acme.test")
    lead = acme.lead("Deal", owner=author)
    first = comment(as_user(author), lead.pk).json()
    second = comment(as_user(author), lead.pk).json()
    deleted = as_user(author).delete(f"/leads/{lead.pk}/comments/{first['id']}")
    assert deleted.status_code == 200 and deleted.json() == {"id": first["id"]}
    log = SensitiveAction.objects.get(action=SensitiveActionType.COMMENT_DELETED)
    assert log.actor_id == author.pk and log.details["comment_id"] == first["id"]
    toggled = acme.key.put("/account/settings", {"only_admins_delete_comments": True})
    assert toggled.status_code == 200 and toggled.json()["only_admins_delete_comments"] is True
    refused = as_user(author).delete(f"/leads/{lead.pk}/comments/{second['id']}")
    assert refused.status_code == 403 and refused.json()["code"] == "only_admins_delete_comments"
    assert Comment.objects.filter(pk=second["id"]).exists()
    assert acme.key.delete(f"/leads/{lead.pk}/comments/{second['id']}").status_code == 200
    assert not Comment.objects.filter(lead=lead).exists()


def test_an_activity_counts_for_the_lead_team_its_author_was_in(acme: World) -> None:
    member = acme.user("mia@acme.test")
    outsider = acme.user("otto@acme.test")
    north = acme.team("North", members=(member,))
    lead = acme.lead("Deal", owner=member, team=north)
    by_member = comment(acme.key, lead.pk, activity_id="Call", user_id=member.pk).json()
    by_outsider = comment(acme.key, lead.pk, activity_id="Call", user_id=outsider.pk).json()
    plain = comment(acme.key, lead.pk, user_id=member.pk).json()
    teams = dict(Comment.objects.values_list("pk", "team_id"))
    assert teams == {by_member["id"]: north.pk, by_outsider["id"]: None, plain["id"]: None}


def test_a_reminder_carries_the_planned_activity_and_a_note(acme: World) -> None:
    lead = acme.lead("Deal")
    changed = acme.key.put(
        f"/leads/{lead.pk}",
        {"remind_date": "2031-05-06", "remind_activity_id": "Call", "remind_note": "Quote"},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["remind_activity_id"] == call_type(acme).pk
    assert changed.json()["remind_note"] == "Quote"
    bad = acme.key.put(f"/leads/{lead.pk}", {"remind_activity_id": 10**9})
    assert bad.status_code == 422 and bad.json()["field"] == "remind_activity_id"
