"""The lead tally and the place tally are always the counts they stand for: the database keeps
them on every write to leads, whichever code makes it (services, bulk statements, cascades)."""

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.accounts.models import Account, User
from leadcrew.leads.models import Lead, LeadTally, PlaceTally, Status, Step
from leadcrew.testing.cast import Cast, build_cast

pytestmark = pytest.mark.django_db


def tally_of(account: Account) -> tuple[int, int]:
    row = LeadTally.objects.filter(account=account).values_list("live", "assigned").first()
    return row or (0, 0)


def counted(account: Account) -> tuple[int, int]:
    live = Lead.objects.filter(account=account, deleted_at__isnull=True)
    return live.count(), live.filter(owner__isnull=False).count()


Places = dict[tuple[int | None, int | None, str], int]


def places_of(account: Account) -> Places:
    rows = PlaceTally.objects.filter(account=account).exclude(live=0)
    return {(r.team_id, r.owner_id, r.status): r.live for r in rows}


def counted_places(account: Account) -> Places:
    live = Lead.objects.filter(account=account, deleted_at__isnull=True)
    groups = live.values("team_id", "owner_id", "status").annotate(n=Count("pk"))
    return {(g["team_id"], g["owner_id"], g["status"]): g["n"] for g in groups}


def assert_tallies_match(cast: Cast) -> None:
    for account in (cast.account, cast.rival.account):
        assert tally_of(account) == counted(account), account.name
        assert places_of(account) == counted_places(account), account.name


def test_the_tally_starts_as_the_count_of_the_cast(cast: Cast) -> None:
    assert tally_of(cast.account)[0] > 0
    assert len(places_of(cast.account)) > 1
    assert_tallies_match(cast)


# One write to leads: (what it does, the index of the lead or owner it picks).
WRITES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "create_binned",
                "assign",
                "unassign",
                "move",
                "close",
                "bin",
                "restore",
                "delete",
                "bulk",
            ]
        ),
        st.integers(min_value=0, max_value=1_000),
    ),
    min_size=1,
    max_size=12,
)


def _apply(write: str, pick: int, cast: Cast, owners: list[User]) -> None:
    account = cast.account if pick % 3 else cast.rival.account
    step = Step.objects.filter(account=account).first()
    leads = Lead.objects.filter(account=account).order_by("pk")
    lead_ids = list(leads.values_list("pk", flat=True))
    chosen = leads.filter(pk=lead_ids[pick % len(lead_ids)]) if lead_ids else leads.none()
    owner = owners[pick % len(owners)] if account == cast.account else None
    now = timezone.now()
    if write in {"create", "create_binned"}:
        Lead.objects.bulk_create(
            Lead(
                account=account,
                title=f"new {pick}-{n}",
                currency="EUR",
                step=step,
                owner=owner if n % 2 else None,
                deleted_at=now if write == "create_binned" else None,
            )
            for n in range(1 + pick % 3)
        )
    elif write == "assign":
        chosen.update(owner=owner)
    elif write == "unassign":
        chosen.update(owner=None)
    elif write == "move":  # to a team, or out of every team
        teams = [cast.north, cast.south, None] if account == cast.account else [None]
        chosen.update(team=teams[pick % len(teams)])
    elif write == "close":
        chosen.update(status=[Status.WON, Status.LOST, Status.STANDBY][pick % 3])
    elif write == "bin":
        chosen.update(deleted_at=now)
    elif write == "restore":
        chosen.update(deleted_at=None)
    elif write == "delete":
        chosen.delete()
    else:  # one statement over many leads, some changing their counts, some not
        leads.filter(pk__gt=pick).update(owner=owner, title="bulk")
        leads.filter(pk__lt=pick).update(team=None, status=Status.TODO)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes=WRITES)
def test_every_write_keeps_the_tally_exact(writes: list[tuple[str, int]]) -> None:
    with transaction.atomic():
        cast = build_cast()
        owners = [cast.mona, cast.nils, cast.sam]
        for write, pick in writes:
            _apply(write, pick, cast, owners)
            assert_tallies_match(cast)
        transaction.set_rollback(True)


def test_deleting_a_user_unassigns_their_leads_in_the_tally(cast: Cast) -> None:
    assert Lead.objects.filter(owner=cast.sam, deleted_at__isnull=True).exists()
    cast.sam.delete()
    assert_tallies_match(cast)


def test_deleting_a_team_moves_its_leads_out_of_every_team_in_the_tally(cast: Cast) -> None:
    assert Lead.objects.filter(team=cast.north, deleted_at__isnull=True).exists()
    cast.north.delete()
    assert_tallies_match(cast)
