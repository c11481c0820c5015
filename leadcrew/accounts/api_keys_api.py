"""/api/v2/api_keys: the account keys, for admins. A key's secret is answered once, when it is
created; afterwards only its prefix tells it apart."""

from typing import Any

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from leadcrew.accounts import selectors, services
from leadcrew.accounts.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, api_key_out
from leadcrew.core.api_types import ApiRequest, Id, Paging, paginate

router = Router(tags=["API keys"])


@router.get("/api_keys", response=list[ApiKeyOut])
def list_api_keys(
    request: ApiRequest, response: HttpResponse, paging: Query[Paging]
) -> list[dict[str, Any]]:
    """Admins only; revoked keys included."""
    keys = selectors.api_key_list(actor=request.auth)
    return [api_key_out(key) for key in paginate(keys, paging, response)]


@router.post("/api_keys", response={201: ApiKeyCreatedOut})
@decorate_view(never_cache)  # the answer is a secret: Cache-Control no-store
def create_api_key(request: ApiRequest, payload: ApiKeyIn) -> Status[dict[str, Any]]:
    """Admins only. The answer's `key` is the secret: keep it, it is never shown again."""
    key, secret = services.api_key_create(actor=request.auth, name=payload.name)
    return Status(201, api_key_out(key) | {"key": secret})


@router.delete("/api_keys/{id}", response=ApiKeyOut)
def revoke_api_key(request: ApiRequest, id: Id) -> dict[str, Any]:
    """Admins only. The key stops working at once; revoking it again changes nothing."""
    return api_key_out(services.api_key_revoke(actor=request.auth, key_id=id))
