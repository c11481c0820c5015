"""Writes on teams and memberships (docs/access-rules.md): admins only, teams layer on, one
transaction each."""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from leadcrew.access.actor import Actor
from leadcrew.access.policy import account_leads
from leadcrew.accounts.models import User
from leadcrew.accounts.selectors import ensure_admin, ensure_teams_on
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.core.errors import AlreadyExists, Code, InvalidParameter, NotFound
from leadcrew.core.lookups import user_lookup
from leadcrew.core.transactions import retried_on_conflict
from leadcrew.events.models import EventName
from leadcrew.events.recording import record_for_leads
from leadcrew.leads.models import HistoryAction, Lead, LeadHistory
from leadcrew.leads.services import lock_for_write
from leadcrew.teams.models import Membership, Team


def _writable_team(actor: Actor, team_id: int) -> Team:
    """The team, locked until the transaction ends so membership changes apply in turn."""
    ensure_teams_on(actor)
    ensure_admin(actor)
    team = Team.objects.select_for_update().filter(account_id=actor.account_id, pk=team_id).first()
    if team is None:
        raise NotFound("Team")
    return team


def _team_details(team: Team) -> dict[str, object]:
    return {"team_id": team.pk, "team_name": team.name}


def _record_member_action(
    actor: Actor, action: SensitiveActionType, team: Team, user: User, *, is_manager: bool
) -> None:
    details = _team_details(team) | {
        "user_id": user.pk,
        "email": user.email,
        "is_manager": is_manager,
    }
    sensitive_action_record(actor=actor, action=action, details=details)


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("name", Code.BLANK)
    return name


def _ensure_name_free(actor: Actor, name: str, *, except_id: int | None = None) -> None:
    # Case-insensitive, so "Sales" and "sales" are not two teams in the same lists.
    same = Team.objects.filter(account_id=actor.account_id, name__iexact=name)
    if except_id is not None:
        same = same.exclude(pk=except_id)
    existing = same.first()
    if existing is not None:
        raise AlreadyExists(Code.TEAM_NAME_TAKEN, existing_id=existing.pk, field="name")


@transaction.atomic
def team_create(*, actor: Actor, name: str) -> Team:
    ensure_teams_on(actor)
    ensure_admin(actor)
    name = _clean_name(name)
    _ensure_name_free(actor, name)
    try:
        with transaction.atomic():
            team = Team.objects.create(account_id=actor.account_id, name=name)
    except IntegrityError:
        # A concurrent request created the same name between our check and our insert.
        _ensure_name_free(actor, name)
        raise
    sensitive_action_record(
        actor=actor, action=SensitiveActionType.TEAM_CREATED, details=_team_details(team)
    )
    return team


@transaction.atomic
def team_update(*, actor: Actor, team_id: int, name: str | None = None) -> Team:
    """Renames the team; None leaves the name as it is."""
    team = _writable_team(actor, team_id)
    if name is not None:
        name = _clean_name(name)
        _ensure_name_free(actor, name, except_id=team.pk)
        team.name = name
        try:
            with transaction.atomic():
                team.save(update_fields=["name", "updated_at"])
        except IntegrityError:
            _ensure_name_free(actor, name, except_id=team.pk)
            raise
    return team


@retried_on_conflict
@transaction.atomic
def team_delete(*, actor: Actor, team_id: int) -> int:
    """Deletes the team and its memberships, never a lead or a user: its leads keep their owner
    and lose their team, each with a history row. Answers how many leads left the team, which
    is also the `count` of its `team_deleted` log entry."""
    team = _writable_team(actor, team_id)
    details = _team_details(team)
    leads = account_leads(actor).filter(team=team)
    now = lock_for_write(leads)
    _log_team_removal(actor, leads, old_team_name=team.name, at=now)
    record_for_leads(
        leads=leads.values("account_id", "id"),
        lead_column="id",
        name=EventName.LEAD_TEAM_CHANGED,
        actor_id=actor.user_id,
        at=now,
    )
    changed = leads.update(team=None, updated_at=now)
    team.delete()
    sensitive_action_record(
        actor=actor, action=SensitiveActionType.TEAM_DELETED, count=changed, details=details
    )
    return changed


def _log_team_removal(
    actor: Actor, leads: QuerySet[Lead], *, old_team_name: str, at: datetime
) -> None:
    """One history row per lead in a single INSERT … SELECT, so deleting a team with many
    leads costs one statement rather than a row sent per lead."""
    select_sql, select_params = leads.values_list("account_id", "id").query.sql_with_params()
    table = connection.ops.quote_name(LeadHistory._meta.db_table)
    # The table name comes from the model; every value travels as a parameter.
    sql = (
        f"INSERT INTO {table} "
        "(account_id, lead_id, actor_id, action, old_value, new_value, created_at) "
        f"SELECT chosen.account_id, chosen.id, %s, %s, %s, NULL, %s FROM ({select_sql}) chosen"
    )
    created_at = connection.ops.adapt_datetimefield_value(at)
    params = [actor.user_id, HistoryAction.TEAM.value, old_team_name[:255], created_at]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *select_params])


@transaction.atomic
def team_member_add(
    *, actor: Actor, team_id: int, user_ref: int | str, is_manager: bool | None = None
) -> Team:
    """Adds the user to the team, or, when they are in it already, sets their manager flag.
    Without `is_manager`, a new member is a plain member and an existing one keeps their flag.

    Logged as one `member_added` (with the new member's flag) or one `manager_changed` (with
    the new flag); a call that changes nothing is not logged."""
    team = _writable_team(actor, team_id)
    user = user_lookup(actor, user_ref)
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            account_id=actor.account_id, team=team, user=user, is_manager=bool(is_manager)
        )
        _record_member_action(
            actor,
            SensitiveActionType.MEMBER_ADDED,
            team,
            user,
            is_manager=membership.is_manager,
        )
    elif is_manager is not None and membership.is_manager != is_manager:
        membership.is_manager = is_manager
        membership.save(update_fields=["is_manager"])
        _record_member_action(
            actor, SensitiveActionType.MANAGER_CHANGED, team, user, is_manager=is_manager
        )
    Team.objects.filter(pk=team.pk).update(updated_at=timezone.now())
    return team


@transaction.atomic
def team_member_remove(*, actor: Actor, team_id: int, user_ref: int | str) -> Team:
    """Takes the user out of the team. Their leads stay in the team, so its managers keep
    oversight of them (docs/access-rules.md)."""
    team = _writable_team(actor, team_id)
    user = user_lookup(actor, user_ref)
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None:
        raise InvalidParameter("user_id", Code.NOT_A_MEMBER)
    membership.delete()
    # The flag they had, so the log tells a manager leaving from a member leaving.
    _record_member_action(
        actor,
        SensitiveActionType.MEMBER_REMOVED,
        team,
        user,
        is_manager=membership.is_manager,
    )
    Team.objects.filter(pk=team.pk).update(updated_at=timezone.now())
    return team


@transaction.atomic
def team_settings_update(*, actor: Actor, team_id: int, round_robin: bool | None = None) -> Team:
    """Round-robin dispatch of the team's new unassigned leads; None leaves it as it is."""
    team = _writable_team(actor, team_id)
    if round_robin is not None and team.round_robin != round_robin:
        team.round_robin = round_robin
        team.save(update_fields=["round_robin", "updated_at"])
    return team
