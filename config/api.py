"""The HTTP API (noCRM v2 compatible): one NinjaAPI, its credentials and its error format."""

from typing import Any

import pydantic
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from leadcrew.core.api_types import ErrorOut, FastJSONRenderer
from leadcrew.core.auth import API_AUTH, ApiKeyHeaderAuth, ApiKeyQueryAuth
from leadcrew.core.errors import (
    ApiError,
    BadParameterFormat,
    Code,
    InvalidParameter,
    MissingParameter,
    NotFound,
    Unauthorized,
)

# Pydantic error types that mean "this value is not of the right form" (400) rather than
# "this value breaks a rule" (422).
FORMAT_ERRORS = (
    "parsing",
    "_type",
    "json_invalid",
    "model_attributes_type",
    "dict_type",
    "list_type",
    "url_",
)
# A query parameter that is none of its choices (`direction=sideways`, `order=colour`) is a
# malformed value, as the reference answers an invalid `direction` (400 bad_parameter_format);
# a body's value that is none of its choices breaks a rule (422).
CHOICE_ERRORS = ("literal_error", "enum")
ERROR_STATUSES = {
    400: "Malformed value (`bad_parameter_format`)",
    401: "Missing, invalid or disabled credential; non-admin on an admin endpoint",
    403: "Authenticated, but the rules forbid it (`forbidden_action`)",
    404: "Unknown id, another account's id, or a lead the caller may not see",
    422: "Missing or invalid parameter; the message names the field",
    429: "Over the per-credential rate limit or the account's daily quota, when configured, "
    "or a login throttled (`rate_limited`; see Retry-After)",
}
# The names pydantic gives the plain members of a union in an error's location.
UNION_TAGS = {"int", "str", "float", "bool", "none", "decimal", "date", "datetime", "time"}
WRITE_ERROR_STATUSES = {
    409: "Already exists (`already_exist`); `id` names the existing record",
    412: "Changed since the `If-Match` / `If-Unmodified-Since` sent (`precondition_failed`)",
}


class LeadcrewAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Documents the error format on every operation, as every operation can answer it."""
        schema = super().get_openapi_schema(*args, **kwargs)
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = (
            ErrorOut.model_json_schema()
        )
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                responses = operation.setdefault("responses", {})
                statuses = dict(ERROR_STATUSES)
                if method != "get":
                    statuses |= WRITE_ERROR_STATUSES
                for status, description in statuses.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": error_ref}},
                        },
                    )
        return schema


api = LeadcrewAPI(
    title="leadcrew API",
    version="2",
    description=(
        "Compatible with the noCRM.io API v2, plus leadcrew's extensions. Authenticate with "
        "`X-API-KEY` (an account key, acting as an admin) or `X-USER-TOKEN` (a user's token)."
    ),
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    renderer=FastJSONRenderer(),
)


def _error(
    request: HttpRequest, status: int, type_: str, message: str, **extra: Any
) -> HttpResponse:
    return api.create_response(
        request, {"error": status, "message": message, "type": type_, **extra}, status=status
    )


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = api.create_response(request, exc.body(), status=exc.status)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def on_missing_credential(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return on_api_error(
        request, Unauthorized(Code.CREDENTIAL_MISSING, type="unauthorized_missing_token")
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0]
    field = _field_name(first.get("loc", ()))
    kind = str(first.get("type", ""))
    reason = str(first.get("msg", "is invalid"))
    error: ApiError
    in_query = bool(first.get("loc")) and first["loc"][0] == "query"
    if kind == "missing":
        error = MissingParameter(field)
    elif any(marker in kind for marker in FORMAT_ERRORS) or (in_query and kind in CHOICE_ERRORS):
        error = BadParameterFormat(Code.BAD_FORMAT, field=field, reason=reason)
    else:
        error = InvalidParameter(field, Code.INVALID_VALUE, reason=reason)
    return on_api_error(request, error)


def _field_name(loc: Any) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "file", "form"}:
        parts = parts[1:]
    # Past the field itself, pydantic names the member of a union it tried ("int", "str",
    # "function-after[…]"): the field is what the client sent, not the type it was tried as.
    parts = parts[:1] + [part for part in parts[1:] if not _is_type_tag(part)]
    return ".".join(parts) or "body"


def _is_type_tag(part: str) -> bool:
    return "[" in part or "-" in part or part in UNION_TAGS


@api.exception_handler(pydantic.ValidationError)
def on_pydantic_error(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
    return on_validation_error(request, ValidationError(list(exc.errors())))  # type: ignore[arg-type]


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 400:
        return on_api_error(request, BadParameterFormat(Code.INVALID_JSON))
    return _error(request, status, "error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return on_api_error(request, NotFound())


def _register_routers() -> None:
    from leadcrew.accounts.api import router as accounts_router
    from leadcrew.accounts.api_keys_api import router as api_keys_router
    from leadcrew.activities.api import router as activities_router
    from leadcrew.audit.api import router as audit_router
    from leadcrew.bulk.api import router as bulk_router
    from leadcrew.contacts.api import clients_router, vocabulary_router
    from leadcrew.contacts.api import router as contacts_router
    from leadcrew.events.api import router as webhooks_router
    from leadcrew.imports.api import router as imports_router
    from leadcrew.leads.api import router as leads_router
    from leadcrew.leads.pipelines_api import router as pipelines_router
    from leadcrew.stats.api import router as stats_router
    from leadcrew.teams.api import router as teams_router

    api.add_router("", accounts_router)
    # Before the lead routes, so that /leads/bulk is not read as /leads/{id}.
    api.add_router("", bulk_router)
    api.add_router("", leads_router)
    api.add_router("", pipelines_router)
    api.add_router("", teams_router)
    # Before the statistics routes, so that /statistics/activities is its own route.
    api.add_router("", activities_router)
    api.add_router("", stats_router)
    api.add_router("", api_keys_router)
    api.add_router("", audit_router)
    api.add_router("", imports_router)
    api.add_router("", contacts_router)
    api.add_router("", clients_router)
    api.add_router("", vocabulary_router)
    api.add_router("", webhooks_router)


_register_routers()


def _simple_api() -> LeadcrewAPI:
    """The reference's Simplified API under /api/simple: GETs that change data, for no-code
    tools, taking an account API key only. Same error format as /api/v2."""
    from leadcrew.activities.simple_api import UserTokenRefused
    from leadcrew.activities.simple_api import router as simple_router

    simple = LeadcrewAPI(
        title="leadcrew Simplified API",
        version="simple",
        description="GET endpoints that change data, for no-code tools. `X-API-KEY` (or the "
        "`api_key` parameter) only: a user token is refused (403 `not_api_key`).",
        auth=[ApiKeyHeaderAuth(), ApiKeyQueryAuth(), UserTokenRefused()],
        urls_namespace="api_simple",
        docs_url="/docs",
    )
    for exception, handler in api._exception_handlers.items():
        simple.add_exception_handler(exception, handler)
    simple.add_router("", simple_router)
    return simple


simple_api = _simple_api()
