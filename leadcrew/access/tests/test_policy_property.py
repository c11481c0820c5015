"""The access rules as a property (docs/architecture.md, convention 9): on random accounts, each
rule's predicate and its database filter agree on every (actor, lead, target).

Two levels are checked. The twins, for every actor of the account under every combination of
the five settings (the rules branch on settings far more than on the shape of the account, and
changing an actor's settings costs no row): `see_reasons` / `see_filter`, `edit_reasons` /
`edit_filter`, `assign_reasons` / `assign_filter` for every assignee, `place_reasons` /
`place_filter` for every destination. And the doors the rest of the code uses, under the
account's own settings: `can(...)` against `leads_for`, `assignable_to` and `placeable_in`,
which must also leave out deleted leads and other accounts.
"""

import itertools
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import Q, QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.access.policy import (
    Action,
    Assignee,
    Destination,
    account_leads,
    assign_filter,
    assign_reasons,
    assignable_to,
    can,
    destinations_open_to,
    edit_filter,
    edit_reasons,
    leads_for,
    place_filter,
    place_reasons,
    placeable_in,
    see_filter,
    see_reasons,
    visible_in_teams,
)
from leadcrew.accounts.models import (
    Account,
    Assignment,
    Edition,
    Privacy,
    TeamAssignment,
    TeamPrivacy,
    User,
)
from leadcrew.contacts.models import ClientFolder, Field, FieldType, LeadFieldValue
from leadcrew.contacts.selectors import (
    client_folder_leads,
    client_folders_for,
    lead_duplicates,
)
from leadcrew.leads.models import Comment, Lead, Pipeline, Step
from leadcrew.leads.selectors import LeadFilter, filtered_leads
from leadcrew.teams.models import Membership, Team

pytestmark = pytest.mark.django_db

ROLES = (None, None, "member", "manager")  # not in the team, twice as likely as each role
EDITIONS = (
    (Edition.ESSENTIALS, False),
    (Edition.DREAM_TEAM, False),
    (Edition.DREAM_TEAM, True),
    (Edition.DREAM_TEAM, True),
)
# Every combination of the five settings, as the rules read them.
ALL_SETTINGS = [
    {
        "teams_on": teams_on,
        "privacy": privacy,
        "assignment": assignment,
        "team_privacy": team_privacy,
        "team_assignment": team_assignment,
    }
    for teams_on, privacy, assignment, team_privacy, team_assignment in itertools.product(
        (True, False), Privacy.values, Assignment.values, TeamPrivacy.values, TeamAssignment.values
    )
]


@dataclass(frozen=True)
class World:
    """A random account, as drawn; hypothesis prints it when a case fails."""

    edition: str
    teams_enabled: bool
    privacy: str
    assignment: str
    team_privacy: str
    team_assignment: str
    users: tuple[tuple[bool, bool], ...]  # (is_admin, is_disabled) per user
    roles: tuple[tuple[str | None, ...], ...]  # roles[team][user]
    leads: tuple[tuple[int | None, int | None, bool], ...]  # (owner, team, deleted)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    edition, teams_enabled = draw(st.sampled_from(EDITIONS))
    rare = st.sampled_from([False, False, False, True])
    users = draw(st.lists(st.tuples(rare, rare), min_size=1, max_size=6))
    team_count = draw(st.integers(0, 3))
    roles = [tuple(draw(st.sampled_from(ROLES)) for _ in users) for _ in range(team_count)]
    owner = st.none() | st.integers(0, len(users) - 1)
    team = st.none() | st.integers(0, team_count - 1) if team_count else st.none()
    deleted = st.sampled_from([False] * 9 + [True])
    leads = draw(st.lists(st.tuples(owner, team, deleted), min_size=10, max_size=30))
    return World(
        edition=edition,
        teams_enabled=teams_enabled,
        privacy=draw(st.sampled_from(Privacy.values)),
        assignment=draw(st.sampled_from(Assignment.values)),
        team_privacy=draw(st.sampled_from(TeamPrivacy.values)),
        team_assignment=draw(st.sampled_from(TeamAssignment.values)),
        users=tuple(users),
        roles=tuple(roles),
        leads=tuple(leads),
    )


@dataclass
class Built:
    account: Account
    users: list[User]
    teams: list[Team]
    leads: list[Lead]  # every lead of the account, deleted ones included
    foreign_lead_ids: set[int]  # leads of another account


def _step(account: Account) -> Step:
    pipeline = Pipeline.objects.create(account=account, name="Sales", is_default=True)
    return Step.objects.create(account=account, pipeline=pipeline, name="Incoming")


def build(world: World) -> Built:
    account = Account.objects.create(
        name="Random",
        edition=world.edition,
        teams_enabled=world.teams_enabled,
        privacy=world.privacy,
        assignment=world.assignment,
        team_privacy=world.team_privacy,
        team_assignment=world.team_assignment,
    )
    users = User.objects.bulk_create(
        User(
            account=account,
            email=f"user{index}@random.test",
            password="!",
            is_admin=is_admin,
            is_disabled=is_disabled,
        )
        for index, (is_admin, is_disabled) in enumerate(world.users)
    )
    teams = Team.objects.bulk_create(
        Team(account=account, name=f"Team {index}") for index in range(len(world.roles))
    )
    Membership.objects.bulk_create(
        Membership(account=account, team=team, user=user, is_manager=role == "manager")
        for team, team_roles in zip(teams, world.roles, strict=True)
        for user, role in zip(users, team_roles, strict=True)
        if role is not None
    )
    step = _step(account)
    leads = Lead.objects.bulk_create(
        Lead(
            account=account,
            title=f"Lead {index}",
            currency="EUR",
            step=step,
            owner=users[owner] if owner is not None else None,
            team=teams[team] if team is not None else None,
            deleted_at=account.created_at if deleted else None,
        )
        for index, (owner, team, deleted) in enumerate(world.leads)
    )
    # Another account, wide open, whose leads no actor of the first may ever get.
    other = Account.objects.create(name="Other", privacy=Privacy.EVERYTHING_SHARED)
    other_user = User.objects.create(account=other, email="other@random.test", password="!")
    other_step = _step(other)
    foreign = Lead.objects.bulk_create(
        Lead(account=other, title=title, currency="EUR", step=other_step, owner=owner)
        for title, owner in (("Theirs", other_user), ("Their pool", None))
    )
    _contact_data(account, leads)
    _contact_data(other, foreign)
    return Built(account, users, teams, leads, {lead.pk for lead in foreign})


# Every lead, of both accounts, has the same e-mail and comment: what finds one finds them all,
# so the filters and the search must give exactly the leads the actor may see.
CONTACT_FILTERS = (
    LeadFilter(field_key="email", field_value="Sara@Novak.test", include_unassigned=True),
    LeadFilter(email="sara@novak.test", include_unassigned=True),
    LeadFilter(q="sara novak", include_unassigned=True),
    LeadFilter(q="needle", include_unassigned=True),
)


def _contact_data(account: Account, leads: list[Lead]) -> None:
    field = Field.objects.create(
        account=account, key="email", name="Email", type=FieldType.EMAIL, is_key=True
    )
    LeadFieldValue.objects.bulk_create(
        LeadFieldValue(
            account=account,
            lead=lead,
            field=field,
            value="sara@novak.test",
            match="sara@novak.test",
        )
        for lead in leads
    )
    Comment.objects.bulk_create(
        Comment(account=account, lead=lead, content="A needle in a haystack") for lead in leads
    )
    # A client folder per lead, named after it, and one more that all the leads share.
    shared = ClientFolder.objects.create(account=account, name="Shared")
    own = ClientFolder.objects.bulk_create(
        ClientFolder(account=account, name=lead.title) for lead in leads
    )
    for lead, folder in zip(leads, own, strict=True):
        lead.client_folder = folder
    Lead.objects.bulk_update(leads, ["client_folder"])
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[::2]]).update(client_folder=shared)


def _ids(queryset: QuerySet[Lead]) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def check_world(built: Built, world: World) -> list[str]:
    """Every disagreement between a predicate and its filter, described; empty when all agree."""
    failures: list[str] = []
    live = [lead for lead in built.leads if lead.deleted_at is None]
    number = {lead.pk: index for index, lead in enumerate(built.leads)}
    memberships = {
        user.pk: frozenset(
            team.pk
            for team, team_roles in zip(built.teams, world.roles, strict=True)
            if team_roles[index] is not None
        )
        for index, user in enumerate(built.users)
    }
    assignees: list[Assignee | None] = [
        Assignee(user_id=user.pk, is_active=user.is_active, team_ids=memberships[user.pk])
        for user in built.users
    ]
    assignees.append(None)
    destinations = [
        Destination(
            team_id=team.pk,
            member_ids=frozenset(user for user, teams in memberships.items() if team.pk in teams),
        )
        for team in built.teams
    ]
    destinations.append(Destination(team_id=None))
    actors: list[tuple[str, Actor]] = [
        (f"user{index}", actor_for_user(user, built.account))
        for index, user in enumerate(built.users)
    ]
    actors.append(("api key", actor_for_api_key(built.account)))

    def agree(what: str, by_predicate: set[int], by_filter: set[int]) -> None:
        """The filter must give exactly the live leads the predicate grants: no deleted lead,
        no lead of another account."""
        if by_filter & built.foreign_lead_ids:
            failures.append(f"{what}: the filter lets in another account's leads")
        for pk in sorted(by_predicate ^ (by_filter - built.foreign_lead_ids)):
            side = "the predicate only" if pk in by_predicate else "the filter only"
            failures.append(f"{what}: lead{number[pk]} granted by {side}")

    # Many settings give the same filter: each distinct one is run once. Its text, which names
    # every field, value and connector, identifies it.
    runs: dict[str, set[int]] = {}
    base = account_leads(actor_for_api_key(built.account))

    def filtered(condition: Q) -> set[int]:
        key = str(condition)
        if key not in runs:
            runs[key] = _ids(base.filter(condition))
        return runs[key]

    for who, as_built in actors:
        # The twins, under every combination of settings.
        for changes in ALL_SETTINGS:
            actor = as_built.with_settings(as_built.settings.with_changes(**changes))
            prefix = f"{who} under {changes}:"
            agree(
                f"{prefix} see_reasons/see_filter",
                {lead.pk for lead in live if see_reasons(actor, lead)},
                filtered(see_filter(actor)),
            )
            agree(
                f"{prefix} edit_reasons/edit_filter",
                {lead.pk for lead in live if edit_reasons(actor, lead)},
                filtered(edit_filter(actor)),
            )
            for assignee in assignees:
                agree(
                    f"{prefix} assign_reasons/assign_filter to {assignee}",
                    {lead.pk for lead in live if assign_reasons(actor, lead, assignee)},
                    filtered(assign_filter(actor, assignee)),
                )
            open_to = destinations_open_to(actor, {d.team_id: d for d in destinations})
            for destination in destinations:
                granted = {lead.pk for lead in live if place_reasons(actor, lead, destination)}
                agree(
                    f"{prefix} place_reasons/place_filter in {destination}",
                    granted,
                    filtered(place_filter(actor, destination)),
                )
                if granted and destination not in open_to:
                    failures.append(f"{prefix} destinations_open_to leaves out {destination}")
            if failures:  # one case is enough, and keeps hypothesis's shrinking quick
                return failures
        # The doors every other module goes through, as plain queries.
        actor = as_built
        for action in (Action.SEE, Action.EDIT, Action.ASSIGN):
            agree(
                f"{who} can/leads_for {action}",
                {lead.pk for lead in live if can(actor, action, lead)},
                _ids(leads_for(actor, action)),
            )
        team_sets = [[team.pk] for team in built.teams] + [[team.pk for team in built.teams]]
        for team_ids in team_sets:
            agree(
                f"{who} see_reasons/visible_in_teams {team_ids}",
                {lead.pk for lead in live if see_reasons(actor, lead) and lead.team_id in team_ids},
                _ids(visible_in_teams(actor, team_ids)),
            )
        for assignee in assignees:
            assignable = _ids(assignable_to(actor, assignee))
            agree(
                f"{who} assign_reasons/assignable_to {assignee}",
                {lead.pk for lead in live if assign_reasons(actor, lead, assignee)},
                assignable,
            )
            agree(
                f"{who} can assign/assignable_to {assignee}",
                {lead.pk for lead in live if can(actor, Action.ASSIGN, lead, assignee)},
                assignable,
            )
        seen = {lead.pk for lead in live if can(actor, Action.SEE, lead)}
        folders = {
            folder.pk: folder for folder in ClientFolder.objects.filter(account=built.account)
        }
        everything = actor.is_admin or actor.settings.privacy == Privacy.EVERYTHING_SHARED
        folder_ids = set(
            Lead.objects.filter(pk__in=seen).values_list("client_folder_id", flat=True)
        )
        expected_folders = set(folders) if everything else folder_ids
        got_folders = set(client_folders_for(actor).values_list("pk", flat=True))
        if got_folders != expected_folders:
            failures.append(f"{who} client_folders_for: {got_folders} != {expected_folders}")
        # Its page, for the folder most leads share (one query per folder would be slow).
        for folder_id in got_folders & {f.pk for f in folders.values() if f.name == "Shared"}:
            in_folder = set(
                Lead.objects.filter(client_folder_id=folder_id).values_list("pk", flat=True)
            )
            agree(
                f"{who} client_folder_leads {folders[folder_id].name}",
                seen & in_folder,
                _ids(client_folder_leads(actor, folders[folder_id])),
            )
        for lead_id in sorted(seen)[:1]:  # every lead shares its e-mail: all are duplicates
            agree(
                f"{who} can see/lead_duplicates of lead{number[lead_id]}",
                seen - {lead_id},
                _ids(lead_duplicates(actor, lead_id)),
            )
        for contact_filter in CONTACT_FILTERS:
            agree(
                f"{who} can see/filtered_leads {contact_filter}",
                seen,
                _ids(filtered_leads(actor, contact_filter)),
            )
        for destination in destinations:
            placeable = _ids(placeable_in(actor, destination))
            agree(
                f"{who} place_reasons/placeable_in {destination}",
                {lead.pk for lead in live if place_reasons(actor, lead, destination)},
                placeable,
            )
            agree(
                f"{who} can place/placeable_in {destination}",
                {lead.pk for lead in live if can(actor, Action.PLACE, lead, destination)},
                placeable,
            )
    return failures


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_predicates_and_filters_agree_on_random_accounts(world: World) -> None:
    with transaction.atomic():
        built = build(world)
        failures = check_world(built, world)
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures[:20])
