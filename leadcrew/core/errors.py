"""The errors the domain raises; the API turns each into `{"error", "message", "type"}`."""

from typing import Any


class ApiError(Exception):
    status = 400
    type = "bad_parameter_format"

    def __init__(self, message: str, *, type: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if type is not None:
            self.type = type
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.status, "message": self.message, "type": self.type, **self.extra}


class BadParameterFormat(ApiError):
    status = 400
    type = "bad_parameter_format"


class Unauthorized(ApiError):
    status = 401
    type = "unauthorized_invalid_token"


class Forbidden(ApiError):
    status = 403
    type = "forbidden_action"


class NotFound(ApiError):
    status = 404
    type = "record_not_found"

    def __init__(self, what: str = "Record") -> None:
        super().__init__(f"{what} not found.")


class AlreadyExists(ApiError):
    status = 409
    type = "already_exist"

    def __init__(self, message: str, *, existing_id: int | None) -> None:
        # The id is left out when the existing record belongs to another account (a user's
        # e-mail is unique across accounts), so a duplicate never reveals another tenant's ids.
        if existing_id is None:
            super().__init__(message)
        else:
            super().__init__(message, id=existing_id)


class MissingParameter(ApiError):
    status = 422
    type = "missing_parameter"

    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: this field is required.", field=field)


class InvalidParameter(ApiError):
    status = 422
    type = "invalid_parameter"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)


class RateLimited(ApiError):
    status = 429
    type = "rate_limited"

    def __init__(self, retry_after: int, reset_at: int) -> None:
        super().__init__(f"Too many requests: retry in {retry_after} seconds.")
        self.headers = {"API-RETRY-AFTER": str(retry_after), "API-LIMIT-RESET": str(reset_at)}
