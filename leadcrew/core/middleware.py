import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils import translation

from leadcrew.core.api_types import account_zone_set
from leadcrew.core.errors import MESSAGES, ApiError, BadParameterFormat, Code, PayloadTooLarge

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
STATUS_CODES = {
    400: Code.UNREADABLE_REQUEST,
    404: Code.NO_SUCH_ENDPOINT,
    405: Code.METHOD_NOT_ALLOWED,
    413: Code.BODY_TOO_LARGE,
}


class ApiJsonMiddleware:
    """Makes the API keep its promises whatever happens before a route answers:
    - a POST/PUT/DELETE may carry its parameters as JSON, as a form, or in the query string,
      or some in the query string and the rest in the body (a key in both: the body's); they
      all reach the route as one JSON body, so every route takes them all without knowing;
    - a body that cannot be read (a form in another encoding than UTF-8, too many fields, a
      lone surrogate in the JSON) is a 400 in the API's error format, never a 500 further on;
    - every response has a JSON body (Django's own 404, 405 or 413 pages included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        # A worker thread serves one request after another: no zone is left from the last one.
        account_zone_set(None)
        try:
            return self._api_call(request)
        finally:
            account_zone_set(None)

    def _api_call(self, request: HttpRequest) -> HttpResponse:
        error = _undecodable_query(request)
        if error is not None:
            return error
        if request.method == "POST" and _is_upload(request):
            error = _upload_too_large(request)
            if error is not None:
                return error
        elif request.method in {"POST", "PUT", "PATCH", "DELETE"}:
            error = _normalize_body(request)
            if error is not None:
                return error
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith(("application/json", "text/csv")):
            response = _as_json_error(response)
        return response


# Routes that take a file: their multipart body is left to Django's parser, which streams the
# file to disk, instead of being read whole and turned into JSON as other bodies are.
UPLOAD_PATHS = ("/api/v2/imports",)
# Room for the multipart framing and the form's other fields around the file.
UPLOAD_OVERHEAD = 1_000_000


def _is_upload(request: HttpRequest) -> bool:
    return request.path.rstrip("/") in UPLOAD_PATHS and (request.content_type or "") == (
        "multipart/form-data"
    )


def _upload_too_large(request: HttpRequest) -> HttpResponse | None:
    """A 413 before a byte of an upload larger than the imports accept is read (the import
    checks the file's own size again)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = int(settings.LEADCREW_IMPORT_MAX_BYTES)
    if length - UPLOAD_OVERHEAD > limit:
        error = PayloadTooLarge(
            Code.IMPORT_FILE_TOO_LARGE, field="file", max=max(limit // 1_000_000, 1)
        )
        return _api_error(error)
    return None


def _normalize_body(request: HttpRequest) -> HttpResponse | None:
    content_type = request.content_type or ""
    try:
        body = request.body
    except Exception:  # the body was too large for Django's limits
        return _error(413)
    # A form in another charset is Django's to refuse (below); in UTF-8 it is checked here.
    content_params = request.content_params or {}
    charset = content_params.get("charset", "utf-8").lower().replace("_", "-")
    if content_type == "application/x-www-form-urlencoded" and charset in {"utf-8", "utf8"}:
        field = _undecodable_field(body, where="body")
        if field is not None:
            return _api_error(BadParameterFormat(Code.NOT_UNICODE, field=field))
    try:
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            params = _flatten(request.POST)
        elif body.strip():
            # JSON (or something that will fail JSON parsing with a clear 400).
            error = _lone_surrogate_error(body)
            if error is not None or not _query_params(request):
                return error
            _merge_query_into_json(request, body)
            return None
        else:
            params = {}
        for key, value in _query_params(request).items():
            params.setdefault(key, value)
    except (MultiPartParserError, BadRequest, SuspiciousOperation):
        # A form not in UTF-8, a broken multipart body, too many fields: raised here, Django
        # would answer its HTML 400 page, outside the API's error format.
        return _api_error(BadParameterFormat(Code.UNREADABLE_REQUEST))
    if params or content_type != "application/json":
        request._body = json.dumps(params).encode()
        request.META["CONTENT_TYPE"] = "application/json"
        request.content_type = "application/json"
    return None


def _query_params(request: HttpRequest) -> dict[str, object]:
    """The query string's parameters, as a body would carry them (a repeated one as a list);
    `api_key` is a credential, not a parameter."""
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in request.GET.lists()
        if key != "api_key"
    }


def _merge_query_into_json(request: HttpRequest, body: bytes) -> None:
    """Adds the query string's parameters to a JSON object body, the body's own keys first.
    A body that is no JSON object is left for the route to answer."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    for key, value in _query_params(request).items():
        data.setdefault(key, value)
    request._body = json.dumps(data).encode()


def _undecodable_query(request: HttpRequest) -> HttpResponse | None:
    """A 400 naming the parameter whose percent-decoded bytes are not UTF-8 (`%FF`, or
    `%ED%A0%80`, a lone surrogate): Django would read them as U+FFFD and answer for a value
    the client never sent."""
    query = get_bytes_from_wsgi(request.META, "QUERY_STRING", "")
    field = _undecodable_field(query, where="query")
    if field is None:
        return None
    return _api_error(BadParameterFormat(Code.NOT_UNICODE, field=field))


def _undecodable_field(encoded: bytes, *, where: str) -> str | None:
    """The name of the first parameter of a query string or form body whose name or value is
    not UTF-8 once percent-decoded (`where` when the name itself is not); None when every one
    is."""
    if encoded.isascii() and b"%" not in encoded:
        return None
    for pair in encoded.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        try:
            text = name.decode("utf-8")
        except UnicodeDecodeError:
            return where
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return text if text.isprintable() and text else where
    return None


def _lone_surrogate_error(body: bytes) -> HttpResponse | None:
    """A 400 naming the field when a string of the JSON body holds a lone surrogate.

    JSON may escape one (`"\\ud800"`), and Python's parser also lets the raw bytes of one
    through; such a string is no text: a database driver cannot encode it, so it would fail
    on the first query that carries it. The body is only parsed here when it could hold one:
    an ASCII body without an escape cannot (UTF-16 and UTF-32 bodies have NUL bytes)."""
    if body.isascii() and b"\\u" not in body and b"\x00" not in body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the route's parser answers it as invalid JSON
    field = _surrogate_path(data)
    if field is None:
        return None
    return _api_error(BadParameterFormat(Code.NOT_UNICODE, field=field or "body"))


def _surrogate_path(data: Any, path: str = "") -> str | None:
    """The dotted path (`tags.2`) of the first string, key or value, holding a lone surrogate;
    None when there is none."""
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                if not _encodable(key):
                    return where or "body"
                stack.append((item, inner))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{where}.{index}" if where else str(index))
                for index, item in enumerate(value)
            )
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _api_error(error: ApiError) -> JsonResponse:
    return JsonResponse(error.body(), status=error.status)


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
    replacement = _error(status, response.reason_phrase)
    for header in ("Allow",):
        if header in response:
            replacement[header] = response[header]
    return replacement


def _error(status: int, fallback: str = "") -> JsonResponse:
    """Django's own answer (a 404 of no route, a 405, a 400 of a query string it cannot read,
    a 413, a 500) in the API's error format, with a code when it has one."""
    body: dict[str, object] = {"error": status, "type": STATUS_TYPES.get(status, "error")}
    code = STATUS_CODES.get(status)
    if code is not None:
        with translation.override("en"):
            body |= {"message": str(MESSAGES[code]), "code": code}
    else:
        body["message"] = fallback
    return JsonResponse(body, status=status)
