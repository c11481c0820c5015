"""/api/v2/api_keys: the account keys, for admins. A key's secret is answered once, when it is
created; afterwards only its prefix tells it apart."""

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from leadcrew.access.actor import Actor
from leadcrew.accounts import selectors, services
from leadcrew.accounts.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, api_key_out
from leadcrew.core.api_types import Id, Paging, paginate

router = Router(tags=["API keys"])


def _actor(request: HttpRequest) -> Actor:
    return cast(Actor, request.auth)  # type: ignore[attr-defined]


@router.get("/api_keys", response=list[ApiKeyOut])
def list_api_keys(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging]
) -> list[dict[str, Any]]:
    """Admins only; revoked keys included."""
    keys = selectors.api_key_list(actor=_actor(request))
    return [api_key_out(key) for key in paginate(keys, paging, response)]


@router.post("/api_keys", response={201: ApiKeyCreatedOut})
def create_api_key(request: HttpRequest, payload: ApiKeyIn) -> Status:
    """Admins only. The answer's `key` is the secret: keep it, it is never shown again."""
    key, secret = services.api_key_create(actor=_actor(request), name=payload.name)
    return Status(201, api_key_out(key) | {"key": secret})


@router.delete("/api_keys/{id}", response=ApiKeyOut)
def revoke_api_key(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Admins only. The key stops working at once; revoking it again changes nothing."""
    return api_key_out(services.api_key_revoke(actor=_actor(request), key_id=id))
