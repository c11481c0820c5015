"""GET /statistics/activities: the scope refusals of lead statistics, the rule for members who
leave a team, CSV through the safe writer, and the export toggle."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadcrew.activities.models import ActivityType
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.leads.models import Status
from leadcrew.testing.api_world import Api, World, as_user, error_type

pytestmark = pytest.mark.django_db
REPORT = "/statistics/activities"


def log(client: Api, lead_id: int, activity: str = "Call", **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/leads/{lead_id}/comments", {"content": "Done", "activity_id": activity, **body}
    )
    assert response.status_code == 201, response.content
    result: dict[str, Any] = response.json()
    return result


def counts(body: dict[str, Any]) -> dict[Any, int]:
    return {group["key"]: group["count"] for group in body["groups"] if group["count"]}


@pytest.fixture
def sales(acme: World) -> dict[str, Any]:
    """North (managed by Mona, with Mia), South (with Sam); Ursula in no team."""
    mona = acme.user("mona@acme.test")
    mia = acme.user("mia@acme.test")
    sam = acme.user("sam@acme.test")
    ursula = acme.user("ursula@acme.test")
    north = acme.team("North", members=(mia,), managers=(mona,))
    south = acme.team("South", members=(sam,))
    return {
        "mona": mona, "mia": mia, "sam": sam, "ursula": ursula, "north": north, "south": south,
        "north_lead": acme.lead("N", owner=mia, team=north),
        "south_lead": acme.lead("S", owner=sam, team=south),
        "solo_lead": acme.lead("U", owner=ursula),
    }  # fmt: skip


def test_scope_refusals_are_those_of_lead_statistics(acme: World, sales: dict[str, Any]) -> None:
    mia, mona, north, south = sales["mia"], sales["mona"], sales["north"], sales["south"]
    for path in ("/statistics", REPORT):
        plain = as_user(mia)
        assert plain.get(path, scope="account").status_code == 403
        assert plain.get(path, team_id=north.pk).status_code == 403
        assert plain.get(path, user_id=mona.pk).status_code == 403
        assert plain.get(path).json()["scope"] == "user"
        manager = as_user(mona)
        assert manager.get(path, team_id=south.pk).status_code == 403
        assert manager.get(path, user_id=sales["sam"].pk).status_code == 403
        assert manager.get(path).json()["scope"] == "teams_managed"
        assert manager.get(path, user_id=mia.pk).json()["scope"] == "user"
        assert acme.key.get(path, scope="user").status_code == 422
    refused = as_user(mia).get(REPORT, scope="account")
    assert error_type(refused) == "forbidden_action"


def test_a_plain_user_counts_only_their_own_activities(acme: World, sales: dict[str, Any]) -> None:
    mia, sam = sales["mia"], sales["sam"]
    log(as_user(mia), sales["north_lead"].pk)
    log(as_user(mia), sales["north_lead"].pk, "Meeting")
    log(acme.key, sales["south_lead"].pk, user_id=sam.pk)
    body = as_user(mia).get(REPORT, group_by="activity").json()
    assert body["totals"]["count"] == 2 and body["totals"]["leads_touched"] == 1
    assert counts(body) == {
        ActivityType.objects.get(account=acme.account, name="Call").pk: 1,
        ActivityType.objects.get(account=acme.account, name="Meeting").pk: 1,
    }
    everyone = acme.key.get(REPORT, group_by="member").json()
    assert counts(everyone) == {mia.pk: 2, sam.pk: 1}


def test_a_member_who_left_keeps_past_activities_in_the_team_only(
    acme: World, sales: dict[str, Any]
) -> None:
    mia, north, lead = sales["mia"], sales["north"], sales["north_lead"]
    log(as_user(mia), lead.pk)
    left = acme.key.delete(f"/teams/{north.pk}/remove_member", {"user_id": mia.pk})
    assert left.status_code == 200, left.content
    log(as_user(mia), lead.pk)  # still her lead, but she is no longer in North
    team = as_user(sales["mona"]).get(REPORT, team_id=north.pk, group_by="member").json()
    assert counts(team) == {mia.pk: 1}
    own = as_user(mia).get(REPORT).json()
    assert own["totals"]["count"] == 2  # her own figures keep both
    by_team = acme.key.get(REPORT, group_by="team").json()
    assert counts(by_team) == {north.pk: 1, None: 1}


def test_leads_won_after_an_activity_and_binned_leads(acme: World, sales: dict[str, Any]) -> None:
    mia, lead = sales["mia"], sales["north_lead"]
    before = datetime.now(UTC) - timedelta(days=3)
    log(acme.key, lead.pk, user_id=mia.pk, created_at=before.isoformat())
    acme.key.put(f"/leads/{lead.pk}", {"status": Status.WON})
    other = acme.lead("Lost", owner=mia, team=sales["north"])
    log(as_user(mia), other.pk)
    body = acme.key.get(REPORT).json()
    assert body["totals"]["leads_touched"] == 2 and body["totals"]["leads_won"] == 1
    acme.key.delete(f"/leads/{other.pk}")
    assert acme.key.get(REPORT).json()["totals"]["count"] == 1


def test_csv_is_an_export_and_escapes_formulas(acme: World, sales: dict[str, Any]) -> None:
    ActivityType.objects.filter(account=acme.account, name="Note").update(name="=cmd|calc")
    log(as_user(sales["mia"]), sales["north_lead"].pk)
    response = acme.key.get(REPORT, format="csv", group_by="member")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].endswith(",'=cmd|calc")
    assert lines[-1].startswith("total,Total,1,1,0")
    logged = SensitiveAction.objects.get(action=SensitiveActionType.EXPORT)
    assert logged.details["what"] == "activities"
    acme.key.put("/account/settings", {"only_admins_export_leads": True})
    refused = as_user(sales["mia"]).get(REPORT, format="csv")
    assert refused.status_code == 403
    assert SensitiveAction.objects.filter(action=SensitiveActionType.EXPORT).count() == 1


def test_group_by_team_needs_teams(acme: World) -> None:
    acme.account.teams_enabled = False
    acme.account.save()
    assert acme.key.get(REPORT, group_by="team").status_code == 403
    assert acme.key.get(REPORT, group_by="activity").status_code == 200
