"""The errors the domain raises, each with a stable code.

The code says what went wrong; the class says how the API answers it (HTTP status and the
reference API's `type`). The API turns an error into `{"error", "message", "type", "code"}` with
the message in English; the web shows the same message in the reader's language. Both come
from `MESSAGES`, the one catalogue of what the domain can refuse: nothing matches sentences.
"""

from enum import StrEnum
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Code(StrEnum):
    """Why a request was refused. Stable: API clients and the web app key on them."""

    # Parameters
    REQUIRED = "required"
    BLANK = "blank"
    NULL = "null"
    TOO_LONG = "too_long"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_PIPELINE = "unknown_pipeline"
    UNKNOWN_STEP = "unknown_step"
    UNKNOWN_STATUS = "unknown_status"
    LEAD_CHANGED = "lead_changed"
    NOT_ONE_OF = "not_one_of"
    USER_DISABLED = "user_disabled"
    INVALID_EMAIL = "invalid_email"
    INVALID_PASSWORD = "invalid_password"
    INVALID_TIME_ZONE = "invalid_time_zone"
    INVALID_CURRENCY = "invalid_currency"
    NOT_A_MEMBER = "not_a_member"
    UNKNOWN_ACTIVITY = "unknown_activity"
    ACTIVITY_DISABLED = "activity_disabled"
    # Leads
    NOT_FOUND = "not_found"
    LEAD_READ_ONLY = "lead_read_only"
    LEAD_ASSIGN_FORBIDDEN = "lead_assign_forbidden"
    ASSIGNEE_FORBIDDEN = "assignee_forbidden"
    CREATE_IN_TEAM_FORBIDDEN = "create_in_team_forbidden"
    PLACE_FORBIDDEN = "place_forbidden"
    UNASSIGNED_STEP_CHANGE = "unassigned_step_change"
    REMINDER_QUARTER_HOUR = "reminder_quarter_hour"
    STANDBY_NEEDS_DATE = "standby_needs_date"
    CLOSED_AT_ON_OPEN_LEAD = "closed_at_on_open_lead"
    CLOSED_BEFORE_CREATED = "closed_before_created"
    TAG_TOO_LONG = "tag_too_long"
    TOO_MANY_TAGS = "too_many_tags"
    ONLY_ADMINS_DELETE = "only_admins_delete"
    ONLY_ADMINS_EXPORT = "only_admins_export"
    TOO_MANY_IDS = "too_many_ids"
    # Fields and their values
    UNKNOWN_FIELD = "unknown_field"
    FIELD_NOT_TEXT = "field_not_text"
    FIELD_ONE_LINE = "field_one_line"
    INVALID_PHONE = "invalid_phone"
    INVALID_URL = "invalid_url"
    INVALID_NUMBER = "invalid_number"
    INVALID_FIELD_DATE = "invalid_field_date"
    FIELD_NAME_COLON = "field_name_colon"
    FIELD_NAME_TAKEN = "field_name_taken"
    CHOICES_REQUIRED = "choices_required"
    CHOICE_COMMA = "choice_comma"
    TOO_MANY_CHOICES = "too_many_choices"
    TOO_MANY_FIELDS = "too_many_fields"
    # Comments and activities
    COMMENT_EDIT_FORBIDDEN = "comment_edit_forbidden"
    ONLY_ADMINS_DELETE_COMMENTS = "only_admins_delete_comments"
    COMMENT_DATE_FORBIDDEN = "comment_date_forbidden"
    IN_THE_FUTURE = "in_the_future"
    ACTIVITY_NAME_TAKEN = "activity_name_taken"
    NOT_A_COLOR = "not_a_color"
    API_KEY_ONLY = "api_key_only"
    UNKNOWN_CLIENT_FOLDER = "unknown_client_folder"
    ONLY_ADMINS_DELETE_CLIENT_FOLDERS = "only_admins_delete_client_folders"
    ONLY_ADMINS_EXPORT_CLIENT_FOLDERS = "only_admins_export_client_folders"
    UNKNOWN_CATEGORY = "unknown_category"
    CATEGORY_NAME_TAKEN = "category_name_taken"
    TAG_NAME_TAKEN = "tag_name_taken"
    CATEGORY_REQUIRED = "category_required"
    # Account set-up
    TEAMS_OFF = "teams_off"
    DEFAULT_PIPELINE_EMPTY = "default_pipeline_empty"
    # Request shapes (the API's own checks of types and formats)
    BAD_FORMAT = "bad_format"
    INVALID_VALUE = "invalid_value"
    INVALID_JSON = "invalid_json"
    NOT_UNICODE = "not_unicode"
    UNREADABLE_REQUEST = "unreadable_request"
    BODY_TOO_LARGE = "body_too_large"
    NO_SUCH_ENDPOINT = "no_such_endpoint"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # Names and e-mails already taken
    EMAIL_TAKEN = "email_taken"
    TEAM_NAME_TAKEN = "team_name_taken"
    PIPELINE_NAME_TAKEN = "pipeline_name_taken"
    STEP_NAME_TAKEN = "step_name_taken"
    # Users and account settings
    ADMINS_ONLY = "admins_only"
    LAST_ACTIVE_ADMIN = "last_active_admin"
    OWN_ADMIN_RIGHTS = "own_admin_rights"
    DISABLE_SELF = "disable_self"
    DELETE_SELF = "delete_self"
    REASSIGN_TO_DELETED = "reassign_to_deleted"
    LOG_AS_DISABLED = "log_as_disabled"
    DREAM_TEAM_ONLY = "dream_team_only"
    # Pipelines and steps
    STEP_NAMES_BLANK = "step_names_blank"
    STEP_NAMES_REPEATED = "step_names_repeated"
    TOO_MANY_STEPS = "too_many_steps"
    EMPTY_PIPELINE_DEFAULT = "empty_pipeline_default"
    DEFAULT_PIPELINE_REQUIRED = "default_pipeline_required"
    DEFAULT_PIPELINE_UNDELETABLE = "default_pipeline_undeletable"
    DEFAULT_PIPELINE_LAST_STEP = "default_pipeline_last_step"
    STILL_HAS_LEADS = "still_has_leads"
    STILL_HAS_BINNED_LEADS = "still_has_binned_leads"
    # Bulk actions
    BULK_ALREADY_UNDONE = "bulk_already_undone"
    BULK_UNDO_EXPIRED = "bulk_undo_expired"
    # Spreadsheet imports
    IMPORT_EMPTY_FILE = "import_empty_file"
    IMPORT_NO_ROWS = "import_no_rows"
    IMPORT_NOT_A_SPREADSHEET = "import_not_a_spreadsheet"
    IMPORT_OLD_EXCEL = "import_old_excel"
    IMPORT_MALFORMED_FILE = "import_malformed_file"
    IMPORT_TOO_MANY_COLUMNS = "import_too_many_columns"
    IMPORT_FILE_TOO_LARGE = "import_file_too_large"
    IMPORT_NOT_AN_OBJECT = "import_not_an_object"
    IMPORT_UNKNOWN_COLUMN = "import_unknown_column"
    IMPORT_UNKNOWN_FIELD = "import_unknown_field"
    IMPORT_FIELD_TWICE = "import_field_twice"
    IMPORT_NO_TITLE_COLUMN = "import_no_title_column"
    IMPORT_ROWS_FAILED = "import_rows_failed"
    IMPORT_INVALID_AMOUNT = "import_invalid_amount"
    IMPORT_NEGATIVE_AMOUNT = "import_negative_amount"
    IMPORT_INVALID_PROBABILITY = "import_invalid_probability"
    IMPORT_INVALID_DATE = "import_invalid_date"
    IMPORT_INVALID_BOOLEAN = "import_invalid_boolean"
    IMPORT_UPLOAD_EXPIRED = "import_upload_expired"
    # Statistics and the log
    STATS_ACCOUNT_FORBIDDEN = "stats_account_forbidden"
    STATS_TEAM_FORBIDDEN = "stats_team_forbidden"
    STATS_MEMBER_FORBIDDEN = "stats_member_forbidden"
    MANAGES_NO_TEAM = "manages_no_team"
    END_BEFORE_START = "end_before_start"
    START_AFTER_TODAY = "start_after_today"
    TOO_MANY_PERIODS = "too_many_periods"
    # Credentials
    RATE_LIMITED = "rate_limited"
    DAILY_QUOTA = "daily_quota"
    NOT_API_KEY = "not_api_key"
    LOGIN_THROTTLED = "login_throttled"
    LOGIN_BUSY = "login_busy"
    CREDENTIAL_MISSING = "credential_missing"
    LOGIN_MISSING = "login_missing"
    WRONG_CREDENTIALS = "wrong_credentials"
    INVALID_API_KEY = "invalid_api_key"
    REVOKED_API_KEY = "revoked_api_key"
    INVALID_USER_TOKEN = "invalid_user_token"
    LOGGED_OUT_TOKEN = "logged_out_token"
    # Webhooks
    WEBHOOK_UNKNOWN_EVENT = "webhook_unknown_event"
    WEBHOOK_EXISTS = "webhook_exists"
    WEBHOOK_TARGET_INVALID = "webhook_target_invalid"
    WEBHOOK_TARGET_NOT_HTTPS = "webhook_target_not_https"
    WEBHOOK_TARGET_UNRESOLVED = "webhook_target_unresolved"
    WEBHOOK_TARGET_PRIVATE = "webhook_target_private"
    WEBHOOK_API_KEY_ONLY = "webhook_api_key_only"
    WEBHOOK_DISABLED = "webhook_disabled"


# The catalogue: one sentence per code, in English (the API's language) and translated for the
# web app. `%(name)s` placeholders take the error's parameters.
MESSAGES: dict[Code, Promise] = {
    Code.REQUIRED: _("This field is required."),
    Code.BLANK: _("Must not be blank."),
    Code.NULL: _("Cannot be null."),
    Code.TOO_LONG: _("At most %(max)s characters."),
    Code.UNKNOWN_USER: _("No such user in this account."),
    Code.UNKNOWN_TEAM: _("No such team in this account."),
    Code.UNKNOWN_PIPELINE: _("No such pipeline in this account."),
    Code.UNKNOWN_STEP: _("No such step in this account."),
    Code.UNKNOWN_STATUS: _("Unknown status '%(value)s' (expected %(expected)s)."),
    Code.NOT_ONE_OF: _("Must be one of %(choices)s."),
    Code.USER_DISABLED: _("This user is disabled."),
    Code.INVALID_EMAIL: _("Not a valid e-mail address."),
    Code.INVALID_PASSWORD: _("%(reasons)s"),
    Code.INVALID_TIME_ZONE: _("Not a known time zone (like Europe/Paris)."),
    Code.INVALID_CURRENCY: _("A three-letter currency code, like EUR."),
    Code.NOT_A_MEMBER: _("This user is not a member of this team."),
    Code.UNKNOWN_ACTIVITY: _("No such activity type in this account."),
    Code.ACTIVITY_DISABLED: _("This activity type is disabled: an admin may enable it again."),
    Code.COMMENT_EDIT_FORBIDDEN: _("Only its author or an admin may change or delete a comment."),
    Code.ONLY_ADMINS_DELETE_COMMENTS: _("Only admins may delete comments in this account."),
    Code.COMMENT_DATE_FORBIDDEN: _(
        "Only admins and API keys may date a comment in the past (when importing history)."
    ),
    Code.IN_THE_FUTURE: _("Cannot be in the future."),
    Code.ACTIVITY_NAME_TAKEN: _("An activity type with this name already exists."),
    Code.NOT_A_COLOR: _("A color is written #RRGGBB, like #2e7d32."),
    Code.API_KEY_ONLY: _("This endpoint takes an account API key (X-API-KEY) only."),
    Code.NOT_FOUND: _("%(what)s not found."),
    Code.LEAD_READ_ONLY: _("You may see this lead but not change it."),
    Code.LEAD_CHANGED: _(
        "This lead changed since you read it: read it again, then write your change."
    ),
    Code.LEAD_ASSIGN_FORBIDDEN: _("You may not assign this lead."),
    Code.ASSIGNEE_FORBIDDEN: _("You may not give this lead to that user."),
    Code.CREATE_IN_TEAM_FORBIDDEN: _("You may not create leads in this team."),
    Code.PLACE_FORBIDDEN: _("You may not move this lead to that team."),
    Code.UNASSIGNED_STEP_CHANGE: _("An unassigned lead cannot change step: assign it first."),
    Code.REMINDER_QUARTER_HOUR: _("Reminders fall on 15-minute steps (like 09:15)."),
    Code.STANDBY_NEEDS_DATE: _("Standby needs a reminder date."),
    Code.CLOSED_AT_ON_OPEN_LEAD: _("Only a won, lost or cancelled lead has a closing date."),
    Code.CLOSED_BEFORE_CREATED: _("The closing date cannot be before the creation date."),
    Code.TAG_TOO_LONG: _("A tag is at most %(max)s characters."),
    Code.TOO_MANY_TAGS: _("A lead has at most %(max)s tags."),
    Code.ONLY_ADMINS_DELETE: _("Only admins may delete leads in this account."),
    Code.ONLY_ADMINS_EXPORT: _("Only admins may export in this account."),
    Code.TOO_MANY_IDS: _("At most %(max)s ids; select by filter for more."),
    Code.UNKNOWN_FIELD: _("No field '%(key)s' in this account."),
    Code.FIELD_NOT_TEXT: _("Must be a text, a number or, for a multiple choice, a list."),
    Code.FIELD_ONE_LINE: _("A field's value is one line of text."),
    Code.INVALID_PHONE: _("Not a valid phone number."),
    Code.INVALID_URL: _("Not a valid web address."),
    Code.INVALID_NUMBER: _("Not a valid number."),
    Code.INVALID_FIELD_DATE: _("A date, as YYYY-MM-DD."),
    Code.FIELD_NAME_COLON: _("A field's name cannot hold a colon (:)."),
    Code.FIELD_NAME_TAKEN: _("A field with this name already exists."),
    Code.CHOICES_REQUIRED: _("A choice field needs at least one choice."),
    Code.CHOICE_COMMA: _("A choice cannot hold a comma."),
    Code.TOO_MANY_CHOICES: _("A field has at most %(max)s choices."),
    Code.TOO_MANY_FIELDS: _("An account has at most %(max)s fields of each kind."),
    Code.UNKNOWN_CLIENT_FOLDER: _("No such client folder among those you may see."),
    Code.ONLY_ADMINS_DELETE_CLIENT_FOLDERS: _(
        "Only admins may delete client folders in this account."
    ),
    Code.ONLY_ADMINS_EXPORT_CLIENT_FOLDERS: _(
        "Only admins may export client folders in this account."
    ),
    Code.UNKNOWN_CATEGORY: _("No such category in this account."),
    Code.CATEGORY_NAME_TAKEN: _("A category with this name already exists."),
    Code.TAG_NAME_TAKEN: _("A predefined tag with this name already exists."),
    Code.CATEGORY_REQUIRED: _("A won lead needs a tag of the category %(category)s."),
    Code.TEAMS_OFF: _(
        "Teams are turned off for this account: an admin must use the Dream Team edition and "
        "turn teams on."
    ),
    Code.DEFAULT_PIPELINE_EMPTY: _(
        "The default pipeline has no step: an admin must add one first."
    ),
    # The API's checks of types and formats answer in their own words (the web's forms check
    # shapes themselves, so these never reach a page).
    Code.BAD_FORMAT: _("%(reason)s"),
    Code.INVALID_VALUE: _("%(reason)s"),
    Code.INVALID_JSON: _("The request body is not valid JSON."),
    Code.NOT_UNICODE: _(
        "Must be valid Unicode text: it holds bytes that are not UTF-8, or a lone surrogate."
    ),
    Code.UNREADABLE_REQUEST: _(
        "The request cannot be read: its parameters or its body are malformed, or too many."
    ),
    Code.BODY_TOO_LARGE: _("The request body is too large."),
    Code.NO_SUCH_ENDPOINT: _("No such endpoint."),
    Code.METHOD_NOT_ALLOWED: _("This method is not allowed on this endpoint."),
    Code.EMAIL_TAKEN: _("A user with this e-mail already exists."),
    Code.TEAM_NAME_TAKEN: _("A team with this name already exists."),
    Code.PIPELINE_NAME_TAKEN: _("A pipeline with this name already exists."),
    Code.STEP_NAME_TAKEN: _("A step with this name already exists in this pipeline."),
    Code.ADMINS_ONLY: _("Only admins may do this."),
    Code.LAST_ACTIVE_ADMIN: _("An account keeps at least one active admin."),
    Code.OWN_ADMIN_RIGHTS: _("You cannot remove your own admin rights."),
    Code.DISABLE_SELF: _("You cannot disable yourself."),
    Code.DELETE_SELF: _("You cannot delete yourself."),
    Code.REASSIGN_TO_DELETED: _("Their leads must go to another user, or to the pool."),
    Code.LOG_AS_DISABLED: _("This user is disabled: enable them before acting as them."),
    Code.DREAM_TEAM_ONLY: _("This setting needs the Dream Team edition."),
    Code.STEP_NAMES_BLANK: _("Step names must not be blank."),
    Code.STEP_NAMES_REPEATED: _("Step names must differ from each other."),
    Code.TOO_MANY_STEPS: _("A pipeline has at most %(max)s steps."),
    Code.EMPTY_PIPELINE_DEFAULT: _(
        "A pipeline without steps cannot be the default: new leads go to its first step."
    ),
    Code.DEFAULT_PIPELINE_REQUIRED: _(
        "An account always has one default pipeline: make another pipeline the default instead."
    ),
    Code.DEFAULT_PIPELINE_UNDELETABLE: _(
        "The default pipeline cannot be deleted: make another pipeline the default first."
    ),
    Code.DEFAULT_PIPELINE_LAST_STEP: _("The default pipeline keeps at least one step."),
    Code.STILL_HAS_LEADS: _("Leads are still in it (%(count)s): move them elsewhere first."),
    Code.STILL_HAS_BINNED_LEADS: _(
        "Leads in the bin still point here: restore and move them, or wait until the bin is purged."
    ),
    Code.BULK_ALREADY_UNDONE: _("This bulk action was already undone."),
    Code.BULK_UNDO_EXPIRED: _("A bulk action can be undone for %(days)s days only."),
    Code.IMPORT_EMPTY_FILE: _("The file is empty: it has no header row."),
    Code.IMPORT_NO_ROWS: _("The file has a header row but no row of leads."),
    Code.IMPORT_NOT_A_SPREADSHEET: _(
        "This is not a spreadsheet: send a CSV file or an Excel workbook (.xlsx)."
    ),
    Code.IMPORT_OLD_EXCEL: _(
        "This is an old Excel file (.xls): save it as .xlsx or CSV, then import that."
    ),
    Code.IMPORT_MALFORMED_FILE: _("The file cannot be read: %(reason)s."),
    Code.IMPORT_TOO_MANY_COLUMNS: _("A file has at most %(max)s columns."),
    Code.IMPORT_FILE_TOO_LARGE: _("The file is too large: at most %(max)s MB."),
    Code.IMPORT_NOT_AN_OBJECT: _("Must be a JSON object."),
    Code.IMPORT_UNKNOWN_COLUMN: _("The file has no column '%(column)s'."),
    Code.IMPORT_UNKNOWN_FIELD: _("Not a lead field that a column can fill: '%(value)s'."),
    Code.IMPORT_FIELD_TWICE: _("Two columns fill the field %(field_name)s: map only one."),
    Code.IMPORT_NO_TITLE_COLUMN: _("No column holds the leads' titles: map one to the title."),
    Code.IMPORT_ROWS_FAILED: _(
        "%(count)s rows cannot be imported, so none was (all or nothing): see the errors."
    ),
    Code.IMPORT_INVALID_AMOUNT: _(
        "Not an amount (like 1 234,50 or 1,234.50, two decimals at most)."
    ),
    Code.IMPORT_NEGATIVE_AMOUNT: _("An amount cannot be negative."),
    Code.IMPORT_INVALID_PROBABILITY: _("A probability is a whole number from 0 to 100."),
    Code.IMPORT_INVALID_DATE: _(
        "Not a date (like 2024-03-01 or 01/03/2024, with or without a time)."
    ),
    Code.IMPORT_INVALID_BOOLEAN: _("Must be yes or no."),
    Code.IMPORT_UPLOAD_EXPIRED: _("This upload is no longer here: send the file again."),
    Code.STATS_ACCOUNT_FORBIDDEN: _("Only admins may see the whole account's statistics."),
    Code.STATS_TEAM_FORBIDDEN: _(
        "Only admins and the team's managers may see a team's statistics."
    ),
    Code.STATS_MEMBER_FORBIDDEN: _(
        "You may see your own statistics, and those of the members of teams you manage."
    ),
    Code.MANAGES_NO_TEAM: _("You manage no team."),
    Code.END_BEFORE_START: _("The end date cannot be before the start date."),
    Code.START_AFTER_TODAY: _(
        "Without an end date (which then is today), the start date cannot be after today."
    ),
    Code.TOO_MANY_PERIODS: _(
        "The range spans %(count)s periods; at most %(max)s are listed: shorten it or group "
        "by a longer period."
    ),
    Code.RATE_LIMITED: _("Too many requests: retry in %(seconds)s seconds."),
    Code.DAILY_QUOTA: _("The account used its requests of the day: retry in %(seconds)s seconds."),
    Code.NOT_API_KEY: _("Only an API key may do this, not a user token."),
    Code.LOGIN_THROTTLED: _("Too many failed logins: try again in %(seconds)s seconds."),
    Code.LOGIN_BUSY: _("Too many logins are being checked at once: try again in a second."),
    Code.CREDENTIAL_MISSING: _("Send an X-API-KEY or an X-USER-TOKEN header."),
    Code.LOGIN_MISSING: _("Send your e-mail and password with HTTP Basic authentication."),
    Code.WRONG_CREDENTIALS: _("Wrong e-mail or password."),
    Code.INVALID_API_KEY: _("This API key is not valid."),
    Code.REVOKED_API_KEY: _("This API key was revoked."),
    Code.INVALID_USER_TOKEN: _("This user token is not valid."),
    Code.LOGGED_OUT_TOKEN: _("This user token was logged out."),
    Code.WEBHOOK_UNKNOWN_EVENT: _("Unknown event name."),
    Code.WEBHOOK_EXISTS: _("A webhook already sends this event to this target."),
    Code.WEBHOOK_TARGET_INVALID: _("Not a valid http:// or https:// address."),
    Code.WEBHOOK_TARGET_NOT_HTTPS: _("The address must start with https://."),
    Code.WEBHOOK_TARGET_UNRESOLVED: _("This host name cannot be found."),
    Code.WEBHOOK_TARGET_PRIVATE: _(
        "This address is private or local: webhooks are sent to public addresses only."
    ),
    Code.WEBHOOK_API_KEY_ONLY: _("Webhooks are managed with an account API key."),
    Code.WEBHOOK_DISABLED: _("This webhook is disabled: turn it back on first."),
}


def message_text(code: str, params: dict[str, Any] | None = None) -> str:
    """A code's message in the active language, its placeholders filled."""
    text = str(MESSAGES[Code(code)])
    return text % params if params else text


class ApiError(Exception):
    """A refusal: `code` says why, `field` names the parameter it is about (if any), and
    `params` fill the message's placeholders."""

    status = 400
    type = "bad_parameter_format"

    def __init__(
        self,
        code: Code,
        *,
        field: str | None = None,
        type: str | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.field = field
        self.params = params
        if type is not None:
            self.type = type
        super().__init__(self.message)

    def text(self) -> str:
        """The reason, in the active language, without the field's name."""
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])

    @property
    def message(self) -> str:
        """The reason in English, prefixed with the field's name, as the API words it."""
        with translation.override("en"):
            reason = self.text()
        return f"{self.field}: {reason}" if self.field else reason

    def body(self) -> dict[str, Any]:
        body = {"error": self.status, "message": self.message, "type": self.type, "code": self.code}
        if self.field is not None:
            body["field"] = self.field
        return body


class BadParameterFormat(ApiError):
    status = 400
    type = "bad_parameter_format"


class Unauthorized(ApiError):
    status = 401
    type = "unauthorized_invalid_token"


class Forbidden(ApiError):
    status = 403
    type = "forbidden_action"


# The records a "not found" may name, so that the web app says it in the reader's language.
RECORD_NAMES: dict[str, Promise] = {
    "Record": _("Record"),
    "Lead": _("Lead"),
    "User": _("User"),
    "Team": _("Team"),
    "Pipeline": _("Pipeline"),
    "Step": _("Step"),
    "Bulk action": _("Bulk action"),
    "Import": _("Import"),
    "API key": _("API key"),
    "Field": _("Field"),
    "Client folder": _("Client folder"),
    "Category": _("Category"),
    "Predefined tag": _("Predefined tag"),
    "Comment": _("Comment"),
    "Activity type": _("Activity type"),
    "Webhook": _("Webhook"),
    "Webhook event": _("Webhook event"),
    "Notification": _("Notification"),
}


class NotFound(ApiError):
    status = 404
    type = "record_not_found"

    def __init__(self, what: str = "Record") -> None:
        super().__init__(Code.NOT_FOUND, what=RECORD_NAMES[what])


class AlreadyExists(ApiError):
    status = 409
    type = "already_exist"

    def __init__(
        self, code: Code, *, existing_id: int | None, field: str | None = None, **params: Any
    ) -> None:
        # The id is left out when the existing record belongs to another account (a user's
        # e-mail is unique across accounts), so a duplicate never reveals another tenant's ids.
        self.existing_id = existing_id
        super().__init__(code, field=field, **params)

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.existing_id is not None:
            body["id"] = self.existing_id
        return body


class PreconditionFailed(ApiError):
    status = 412
    type = "precondition_failed"


class PayloadTooLarge(ApiError):
    status = 413
    type = "bad_parameter_format"

    def __init__(self, code: Code, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code, field=field, **params)


class MissingParameter(ApiError):
    status = 422
    type = "missing_parameter"

    def __init__(self, field: str, code: Code = Code.REQUIRED) -> None:
        super().__init__(code, field=field)


class InvalidParameter(ApiError):
    status = 422
    type = "invalid_parameter"

    def __init__(self, field: str, code: Code, **params: Any) -> None:
        super().__init__(code, field=field, **params)


class RateLimited(ApiError):
    status = 429
    type = "rate_limited"

    def __init__(self, retry_after: int, reset_at: int, code: Code = Code.RATE_LIMITED) -> None:
        super().__init__(code, seconds=retry_after)
        self.retry_after = retry_after
        # Retry-After is HTTP's own header (RFC 9110); the API-* pair is the reference API's.
        self.headers = {
            "Retry-After": str(retry_after),
            "API-RETRY-AFTER": str(retry_after),
            "API-LIMIT-RESET": str(reset_at),
        }
