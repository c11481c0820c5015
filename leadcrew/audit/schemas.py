"""API shapes of the sensitive-actions log."""

from typing import Any

from ninja import Schema
from pydantic import Field

from leadcrew.audit.models import SensitiveAction, SensitiveActionType
from leadcrew.core.api_types import ApiDate, Paging, Timestamp, UserRef, format_datetime


class SensitiveActionQuery(Paging):
    action: SensitiveActionType | None = None
    user_id: UserRef | None = Field(None, description="The user who acted: an id or e-mail")
    # `from` is a Python keyword, hence the alias.
    date_from: ApiDate | None = Field(
        None, alias="from", description="First day, in the account's time zone"
    )
    to: ApiDate | None = Field(None, description="Last day (included)")


class SensitiveActionOut(Schema):
    id: int
    action: SensitiveActionType
    user_id: int | None = Field(description="The user who acted; null for an API key")
    actor: str = Field(description="Who acted, as they were named at the time")
    count: int = Field(description="How many records the action touched")
    details: dict[str, Any]
    created_at: Timestamp


def sensitive_action_out(entry: SensitiveAction) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "action": entry.action,
        "user_id": entry.actor_id,
        "actor": entry.actor_label,
        "count": entry.count,
        "details": entry.details,
        "created_at": format_datetime(entry.created_at),
    }
