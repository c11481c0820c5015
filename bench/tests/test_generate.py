"""The generator keeps its promises at tiny scale: counts, shares and the personas' shape."""

import pytest
from django.db.models import Count, Exists, F, OuterRef, Q

from bench.generate import ANCHOR, SCALES, Manifest, generate
from leadcrew.accounts.models import Account, User
from leadcrew.leads.models import Comment, Lead
from leadcrew.teams.models import Membership

pytestmark = pytest.mark.django_db

TINY = SCALES["tiny"]
EXPECTED_FIRST_LEADS = [
    ("todo", "44092.52", "2026-06-11T09:44:07+00:00", "2026-09-28T20:05:03+00:00"),
    ("lost", "49344.93", "2024-05-02T02:23:57+00:00", "2025-08-15T03:03:30+00:00"),
    ("todo", "4924.43", "2024-10-09T23:13:36+00:00", "2026-08-23T21:34:57+00:00"),
]


@pytest.fixture
def manifest() -> Manifest:
    return generate(scale=TINY, seed=7, log=lambda message: None)


def _share(condition: Q, account_id: int) -> float:
    leads = Lead.objects.filter(account_id=account_id)
    return leads.filter(condition).count() / leads.count()


def test_the_accounts_have_the_promised_sizes(manifest: Manifest) -> None:
    large = manifest.large
    assert Lead.objects.filter(account_id=large.account_id).count() == TINY.leads
    assert User.objects.filter(account_id=large.account_id).count() == TINY.users
    assert User.objects.filter(account_id=large.account_id, is_admin=True).count() == TINY.admins
    assert len(large.team_ids) == TINY.teams
    assert len(manifest.small) == 4
    for small in manifest.small:
        assert Lead.objects.filter(account_id=small.account_id).count() == TINY.small_leads
    account = Account.objects.get(pk=large.account_id)
    assert account.teams_layer_on


def test_the_leads_have_the_promised_shares(manifest: Manifest) -> None:
    account = manifest.large.account_id
    assert _share(Q(owner__isnull=True), account) == pytest.approx(0.05, abs=0.015)
    assert _share(Q(team__isnull=False), account) == pytest.approx(0.90, abs=0.02)
    assert _share(Q(status__in=["todo", "standby"]), account) == pytest.approx(0.60, abs=0.03)
    # An assigned lead in a team is owned by a member of that team.
    member = Membership.objects.filter(team_id=OuterRef("team_id"), user_id=OuterRef("owner_id"))
    outsiders = Lead.objects.filter(
        account_id=account, owner__isnull=False, team__isnull=False
    ).exclude(Exists(member))
    assert not outsiders.exists()
    dates = Lead.objects.filter(account_id=account)
    first, last = (
        dates.order_by("created_at").first(),
        dates.order_by("-created_at").first(),
    )
    assert first is not None and last is not None
    assert (last.created_at - first.created_at).days > 2.5 * 365


def test_users_are_in_one_to_three_teams_and_teams_have_one_to_three_managers(
    manifest: Manifest,
) -> None:
    account = manifest.large.account_id
    per_user = (
        Membership.objects.filter(account_id=account).values("user_id").annotate(n=Count("id"))
    )
    assert {row["n"] for row in per_user} <= {1, 2, 3}
    per_team = (
        Membership.objects.filter(account_id=account)
        .values("team_id")
        .annotate(managers=Count("id", filter=Q(is_manager=True)))
    )
    assert {row["managers"] for row in per_team} <= {1, 2, 3}
    large = manifest.large
    assert len(large.persona_managed["manager"]) == 3
    assert len(large.persona_teams["member"]) == 2
    assert large.persona_managed["member"] == []
    assert large.persona_teams["loner"] == []


def test_a_seed_always_gives_the_same_leads(manifest: Manifest) -> None:
    """Every column is a function of the lead's number and the seed, the same on PostgreSQL and
    SQLite: these are the first leads of seed 7 (ids of users and teams aside)."""
    first = Lead.objects.filter(account_id=manifest.large.account_id).order_by("id")[:3]
    found = [
        (lead.status, str(lead.amount), lead.created_at.isoformat(), lead.updated_at.isoformat())
        for lead in first
    ]
    assert found == EXPECTED_FIRST_LEADS


def test_every_lead_has_ten_activities_on_average_logged_by_its_owner_for_its_team(
    manifest: Manifest,
) -> None:
    account = manifest.large.account_id
    activities = Comment.objects.filter(account_id=account, activity__isnull=False)
    assert activities.count() == manifest.large.activities == TINY.leads * TINY.activities_per_lead
    assert not activities.filter(created_at__lt=F("lead__created_at")).exists()
    assert not activities.filter(created_at__gt=ANCHOR).exists()
    owned = activities.filter(lead__owner__isnull=False)
    assert not owned.exclude(author_id=F("lead__owner_id")).exists()
    assert (
        owned.filter(team_id=F("lead__team_id")).count()
        == owned.filter(lead__team__isnull=False).count()
    )
    assert not activities.filter(lead__owner__isnull=True, team__isnull=False).exists()
    per_type = activities.values("activity_id").annotate(n=Count("id"))
    assert len(per_type) == 4
    assert min(row["n"] for row in per_type) > 0.2 * activities.count()
    for small in manifest.small:
        assert small.activities == TINY.small_leads * TINY.activities_per_lead
