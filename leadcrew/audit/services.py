"""Writing the sensitive-actions log. Called by the services whose actions it records, inside
their transaction, so an entry exists exactly when the action happened."""

from typing import Any

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import User
from leadcrew.audit.models import SensitiveAction, SensitiveActionType


def actor_label(actor: Actor) -> str:
    if actor.user_id is None:
        return f"API key {actor.api_key_prefix}" if actor.api_key_prefix else "API key"
    user = User.objects.filter(pk=actor.user_id).first()
    if user is None:
        return "Deleted user"
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


def sensitive_action_record(
    *,
    actor: Actor,
    action: SensitiveActionType,
    count: int = 1,
    details: dict[str, Any] | None = None,
) -> SensitiveAction:
    return SensitiveAction.objects.create(
        account_id=actor.account_id,
        actor_id=actor.user_id,
        actor_label=actor_label(actor),
        action=action,
        count=count,
        details=details or {},
    )
