import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError

API_PREFIX = "/api/"
STATUS_TYPES = {
    400: "bad_parameter_format",
    401: "unauthorized_missing_token",
    403: "forbidden_action",
    404: "record_not_found",
    405: "method_not_allowed",
    413: "bad_parameter_format",
    429: "rate_limited",
}


class ApiJsonMiddleware:
    """Makes the API keep its two promises whatever happens before a route answers:
    - a POST/PUT/DELETE may carry its parameters as JSON, as a form, or in the query string;
      they all reach the route as one JSON body;
    - every response has a JSON body (Django's own 404, 405 or 413 pages included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
            error = _normalize_body(request)
            if error is not None:
                return error
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith(("application/json", "text/csv")):
            response = _as_json_error(response)
        return response


def _normalize_body(request: HttpRequest) -> HttpResponse | None:
    content_type = request.content_type or ""
    try:
        body = request.body
    except Exception:  # the body was too large for Django's limits
        return _error(413, "The request body is too large.")
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        try:
            params = _flatten(request.POST)
        except MultiPartParserError:
            return _error(400, "The multipart body cannot be read.")
    elif body.strip():
        return None  # JSON (or something that will fail JSON parsing with a clear 400)
    else:
        params = {}
    for key, values in request.GET.lists():
        if key != "api_key":
            params.setdefault(key, values[0] if len(values) == 1 else values)
    if params or content_type != "application/json":
        request._body = json.dumps(params).encode()
        request.META["CONTENT_TYPE"] = "application/json"
        request.content_type = "application/json"
    return None


def _flatten(data: QueryDict) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, values in data.lists():
        name = key[:-2] if key.endswith("[]") else key
        result[name] = values[0] if len(values) == 1 and not key.endswith("[]") else values
    return result


def _as_json_error(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    if status < 400:
        return response
    messages = {
        404: "No such endpoint.",
        405: "This method is not allowed on this endpoint.",
    }
    replacement = _error(status, messages.get(status, response.reason_phrase))
    for header in ("Allow",):
        if header in response:
            replacement[header] = response[header]
    return replacement


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": status, "message": message, "type": STATUS_TYPES.get(status, "error")},
        status=status,
    )
