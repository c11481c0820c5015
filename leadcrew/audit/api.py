"""/api/v2/sensitive_actions: the account's sensitive-actions log, for admins."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router

from leadcrew.audit import selectors
from leadcrew.audit.schemas import SensitiveActionOut, SensitiveActionQuery, sensitive_action_out
from leadcrew.core.api_types import ApiRequest, paginate

router = Router(tags=["Sensitive actions"])


@router.get("/sensitive_actions", response=list[SensitiveActionOut])
def list_sensitive_actions(
    request: ApiRequest, response: HttpResponse, query: Query[SensitiveActionQuery]
) -> list[dict[str, Any]]:
    """Newest first: settings, teams, memberships, admin rights, disabled users, API keys,
    bulk deletions and exports."""
    entries = selectors.sensitive_action_list(
        actor=request.auth,
        action=query.action,
        user_ref=query.user_id,
        date_from=query.date_from,
        date_to=query.to,
    )
    return [sensitive_action_out(entry) for entry in paginate(entries, query, response)]
