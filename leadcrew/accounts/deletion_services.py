"""Deleting a user for good (DELETE /api/v2/users/{id}, the user's page in the admin panel).

Disabling keeps everything of a user; deleting hands their leads over and erases them: what
names them is turned into a neutral "Deleted user", and only their id is kept, in the log.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import IntegerField, QuerySet, Value

from leadcrew.access.actor import Actor
from leadcrew.access.policy import assignable_to, binned_leads_for, leads_for
from leadcrew.accounts.models import Account, User
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.accounts.sessions import user_sessions_end
from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.bulk.models import BulkChange
from leadcrew.core.errors import Code, Forbidden, InvalidParameter, NotFound
from leadcrew.core.lookups import Ref, assignee_of, user_lookup
from leadcrew.core.transactions import retried_on_conflict
from leadcrew.leads.models import Comment, HistoryAction, Lead, LeadHistory
from leadcrew.leads.services import lock_for_write

# What names a deleted user wherever their name or e-mail was written (history, the log).
DELETED_USER = "Deleted user"
TEXT = models.CharField()


@dataclass(frozen=True)
class UserDeletion:
    user_id: int
    # How many of their leads (the bin's included) went to `reassigned_to`, or to the pool.
    leads: int
    reassigned_to: int | None


@retried_on_conflict
@transaction.atomic
def user_delete(*, actor: Actor, user_id: int, reassign_to: Ref | None = None) -> UserDeletion:
    """Deletes a user of the actor's account. Admins and account keys only; never oneself, nor
    the last active admin.

    Their leads, live and in the bin, go to `reassign_to` (an active user of the account, by id
    or e-mail: the Assign rule as an admin) or, without one, to the pool; in one set-based
    write over the leads locked in id order, each with a history row. Then their personal data
    is erased: history rows that name them as a lead's old or new owner say "Deleted user"
    instead, and none names them as its author any more; their comments keep their text and
    lose their author; the sensitive-actions log keeps their id but not their name or e-mail.
    Their memberships, API tokens and web sessions end with them. Logged as `user_deleted`,
    with their id only."""
    ensure_admin(actor)
    # The account first, as every write checking "one active admin remains" does; then the
    # user, so that nobody gives them a lead until they are gone.
    account = Account.objects.select_for_update(no_key=True).get(pk=actor.account_id)
    user = User.objects.select_for_update().filter(account=account, pk=user_id).first()
    if user is None:
        raise NotFound("User")
    if user.pk == actor.user_id:
        raise Forbidden(Code.DELETE_SELF)
    if user.is_admin and not user.is_disabled:
        others = User.objects.filter(account=account, is_admin=True, is_disabled=False)
        if not others.exclude(pk=user.pk).exists():
            raise Forbidden(Code.LAST_ACTIVE_ADMIN)
    target = _new_owner(actor, user, reassign_to)

    moved = _hand_over_leads(actor, user, target)
    _erase_from_history(actor, user)
    # An undo of an earlier bulk assign would give leads back to them: to their successor now.
    BulkChange.objects.filter(account_id=account.pk, old_owner_id=user.pk).update(
        old_owner_id=target.pk if target else None
    )
    user_sessions_end(user_id=user.pk)
    deleted_id = user.pk
    user.delete()  # memberships and tokens go with them; other references become null
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.USER_DELETED,
        count=moved,
        details={
            "user_id": deleted_id,
            "leads": moved,
            "reassigned_to": target.pk if target else None,
        },
    )
    return UserDeletion(
        user_id=deleted_id, leads=moved, reassigned_to=target.pk if target else None
    )


def _new_owner(actor: Actor, user: User, ref: Ref | None) -> User | None:
    if ref is None:
        return None
    target = user_lookup(actor, ref, field="reassign_to")
    if target.pk == user.pk:
        raise InvalidParameter("reassign_to", Code.REASSIGN_TO_DELETED)
    if target.is_disabled:
        raise InvalidParameter("reassign_to", Code.USER_DISABLED)
    return target


def _hand_over_leads(actor: Actor, user: User, target: User | None) -> int:
    """Gives every lead of `user` to `target` (None: the pool), through the policy: the live
    leads as `assignable_to` the new owner, the bin's as the actor may restore them (an admin:
    all). Answers how many leads changed hands."""
    owned = (leads_for(actor) | binned_leads_for(actor)).filter(owner_id=user.pk)
    now = lock_for_write(owned)
    _owner_history(actor, owned, target, now)
    new_owner = target.pk if target else None
    assignee = assignee_of(target) if target else None
    moved = (
        assignable_to(actor, assignee)
        .filter(owner_id=user.pk)
        .update(owner_id=new_owner, updated_at=now)
    )
    moved += (
        binned_leads_for(actor).filter(owner_id=user.pk).update(owner_id=new_owner, updated_at=now)
    )
    if owned.exists():  # a lead the rules keep from the new owner: never for an admin
        raise Forbidden(Code.ASSIGNEE_FORBIDDEN)
    return moved


def _owner_history(actor: Actor, owned: QuerySet[Lead], target: User | None, now: datetime) -> None:
    """One "owner changed" row per lead handed over, in a single INSERT … SELECT. The old
    owner is already "Deleted user": the row must not keep what the deletion erases."""
    new_label = (target.full_name or target.email) if target else None
    rows = owned.annotate(
        _actor=Value(actor.user_id, output_field=IntegerField()),
        _action=Value(HistoryAction.OWNER.value, output_field=TEXT),
        _old=Value(DELETED_USER, output_field=TEXT),
        _new=Value(new_label, output_field=TEXT),
        _at=Value(now, output_field=models.DateTimeField()),
    ).values_list("account_id", "id", "_actor", "_action", "_old", "_new", "_at")
    quote = connection.ops.quote_name
    meta = LeadHistory._meta
    columns = ", ".join(
        quote(_column(meta.get_field(name)))
        for name in (
            "account",
            "lead",
            "actor",
            "action",
            "old_value",
            "new_value",
            "created_at",
        )
    )
    sql, params = rows.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)


def _column(field: Any) -> str:
    return str(field.column)


def _erase_from_history(actor: Actor, user: User) -> None:
    """What names the user in the account's history and log, made neutral.

    Owner-change rows keep the owner as the label of the time (their name, else their
    e-mail), not an id: every row carrying their current name or e-mail becomes "Deleted
    user". A namesake's rows read "Deleted user" too: erasing wins over telling them apart."""
    account = actor.account_id
    labels = sorted({user.email, user.full_name} - {""})
    history = LeadHistory.objects.filter(account_id=account, action=HistoryAction.OWNER)
    history.filter(old_value__in=labels).update(old_value=DELETED_USER)
    history.filter(new_value__in=labels).update(new_value=DELETED_USER)
    LeadHistory.objects.filter(account_id=account, actor_id=user.pk).update(actor=None)
    Comment.objects.filter(account_id=account, author_id=user.pk).update(author=None)

    log = SensitiveAction.objects.filter(account_id=account)
    log.filter(actor_id=user.pk).update(actor=None, actor_label=f"{DELETED_USER} #{user.pk}")
    # Entries about them (disabled, made admin, added to a team, acted as) keep their id only.
    for entry in log.filter(details__user_id=user.pk):
        details = {key: value for key, value in entry.details.items() if key != "email"}
        if details != entry.details:
            entry.details = details
            entry.save(update_fields=["details"])
