"""The lead as the API shows it (the reference API's shape) and the bodies it accepts."""

from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, Literal, cast

import orjson
from ninja import Schema
from pydantic import Field, StrictFloat, StrictInt, StrictStr

from leadcrew.access.actor import Actor
from leadcrew.access.explain import Explanation, LeadAccess, Verdict
from leadcrew.access.policy import Reason
from leadcrew.contacts.selectors import FieldDef
from leadcrew.core.api_types import (
    ApiDate,
    ApiDateTime,
    DateText,
    Direction,
    Id,
    LocalTime,
    LongText,
    Money,
    NameRef,
    Out,
    Paging,
    ShortText,
    Text,
    Timestamp,
    UserRef,
    format_datetime,
)
from leadcrew.leads.models import Comment, HistoryAction, LeadHistory, Status
from leadcrew.leads.selectors import LeadFilter, LeadRow, parse_statuses, split_list
from leadcrew.leads.services import CommentWrite, LeadWrite

Order = Literal[
    "id",
    "creation_date",
    "last_update",
    "next_action",
    "sale_step",
    "amount",
    "probability",
    "probalized_amount",
    "alphabetically",
    "relevance",
]
StepRef = StrictInt | ShortText  # `true` is no step id
ActivityRef = NameRef
Tags = list[ShortText] | ShortText
# A contact field's value: text, a number, a list of choices (multiple choice), or null to
# clear it. Strict: `true` is no value of any field type.
FieldValueIn = StrictStr | StrictInt | StrictFloat | list[StrictStr] | None
FieldValues = dict[Annotated[str, Field(max_length=100)], FieldValueIn]


class UserBrief(Out):
    id: int
    firstname: str
    lastname: str
    email: str


class OwnerBrief(UserBrief):
    phone: str | None
    mobile_phone: str | None


class TeamBrief(Out):
    id: int
    name: str


class LeadOut(Out):
    id: int
    title: str
    description: str
    html_description: str
    pipeline: str | None
    step: str | None
    step_id: int | None
    status: str
    amount: float
    probability: int
    currency: str
    starred: bool
    remind_date: DateText | None
    remind_time: str | None
    remind_activity_id: int | None = Field(description="The activity planned for the reminder")
    remind_note: str = Field(description="What the reminder is about")
    next_action_at: Timestamp | None
    estimated_closing_date: DateText | None
    closed_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    tags: list[str]
    created_from: str | None
    attachment_count: int
    created_by_id: int | None
    user_id: int | None
    team_id: int | None
    team_name: str | None
    client_folder_id: int | None
    client_folder_name: str | None
    fields: dict[str, str] = Field(description="The contact fields' values by key")


class ClientBrief(Out):
    id: int
    name: str
    description: str
    is_active: bool


class ExtendedInfo(Out):
    fields: dict[str, str] = Field(description="The contact fields' values by key")
    fields_by_name: dict[str, str] = Field(description="The same values by field name")
    created_by: UserBrief | None
    created_by_id: int | None


class LeadDetailOut(LeadOut):
    permalink: str
    text_description: str
    comment_count: int
    reminder_at: Timestamp | None
    reminder_activity_id: int | None = Field(description="The same as remind_activity_id")
    reminder_activity_name: str | None = Field(description="The name of that activity type")
    reminder_note: str | None = Field(description="The same as remind_note; null when empty")
    reminder_duration: int | None = Field(description="Always null: reminders have no length")
    reminder_activity_log_id: int | None = Field(
        description="Always null: a reminder is not logged as an activity until it is done"
    )
    user: OwnerBrief | None
    team: TeamBrief | None
    created_by: UserBrief | None
    client: ClientBrief | None
    extended_info: ExtendedInfo
    contact_email: str | None = Field(description="The first e-mail field with a value")
    first_contact_email: str | None
    all_contact_emails: list[str]


def lead_out(
    row: LeadRow, *, detail: bool = False, site: str = "", defs: Sequence[FieldDef] = ()
) -> dict[str, Any]:
    """The lead object of the reference API, from a row of `lead_rows` (read `with_owner` for
    the show form, whose `permalink` is the lead's page under `site`): every key always
    present, null where empty. The list form is the object the database wrote
    (leads/lead_json.py); the show form adds to it. `defs` are the account's lead fields, which
    the show form names."""
    data: dict[str, Any] = orjson.loads(row["lead_json"])
    if detail:
        data["user"] = (
            {
                "id": row["owner_id"],
                "firstname": row["owner_first_name"],
                "lastname": row["owner_last_name"],
                "email": row["owner_email"],
                "phone": row["owner_phone"] or None,
                "mobile_phone": row["owner_mobile_phone"] or None,
            }
            if row["owner_id"] is not None
            else None
        )
        data["team"] = (
            {"id": row["team_id"], "name": row["team_name"]} if row["team_id"] is not None else None
        )
        data["created_by"] = (
            {
                "id": row["created_by_id"],
                "firstname": row["creator_first_name"],
                "lastname": row["creator_last_name"],
                "email": row["creator_email"],
            }
            if row["created_by_id"] is not None
            else None
        )
        data["client"] = (
            {
                "id": row["client_folder_id"],
                "name": row["client_folder_name"],
                "description": row["client_folder_description"],
                "is_active": row["client_folder_is_active"],
            }
            if row["client_folder_id"] is not None
            else None
        )
        fields = data["fields"]
        names = {field.key: field.name for field in defs}
        data["extended_info"] = {
            "fields": fields,
            "fields_by_name": {names.get(key, key): value for key, value in fields.items()},
            "created_by": data["created_by"],
            "created_by_id": row["created_by_id"],
        }
        emails = [fields[f.key] for f in defs if f.is_email and fields.get(f.key)]
        data["contact_email"] = data["first_contact_email"] = emails[0] if emails else None
        data["all_contact_emails"] = emails
        data["permalink"] = f"{site.rstrip('/')}/leads/{row['id']}"
        data["text_description"] = row["description"]
        data["comment_count"] = row["comment_count"]
        # When the reminder falls due: its date and time in the account's zone, as an instant.
        data["reminder_at"] = data["next_action_at"] if row["remind_date"] else None
        data["reminder_activity_id"] = row["remind_activity_id"]
        data["reminder_activity_name"] = row["remind_activity_name"]
        data["reminder_note"] = row["remind_note"] or None
        data["reminder_duration"] = None
        data["reminder_activity_log_id"] = None
    return data


class LeadFilterFields(Schema):
    """The filters of GET /leads, also used to select leads for a bulk action."""

    status: ShortText | None = Field(
        None, description="Comma list of todo,standby,won,lost,cancelled"
    )
    step: ShortText | None = Field(None, description="Comma list of step ids or names")
    starred: bool | None = None
    user_id: UserRef | None = None
    team_id: Id | None = None
    tags: ShortText | None = Field(None, description="Comma list; every tag must match")
    email: ShortText | None = Field(
        None, description="An e-mail found in the description or in an e-mail field"
    )
    field_key: ShortText | None = Field(
        None, description="A field's key (or name); with field_value, its leads with that value"
    )
    field_value: ShortText | None = Field(
        None, description="The value of field_key, exact but for case and accents"
    )
    updated_after: ApiDateTime | None = None
    q: ShortText | None = Field(
        None,
        description="Words found (each, as the start of a word) in the title, description, "
        "contact fields, client folder name or comments, whatever the case and accents; the "
        "leads whose title holds more of them first unless `order` is given",
    )
    include_unassigned: bool | None = Field(
        None,
        description="List the unassigned leads too. Default: yes for an API key (a paging sync "
        "then reads every live lead of the account once), no for a user token.",
    )

    def to_filter(self, actor: Actor, *, unassigned_only: bool = False) -> LeadFilter:
        """The filters as the selectors take them. An account key's list includes the pool
        unless told otherwise: integrations that sync the account page through GET /leads."""
        include_unassigned = (
            actor.is_api_key if self.include_unassigned is None else self.include_unassigned
        )
        return LeadFilter(
            status=parse_statuses(self.status),
            step=split_list(self.step),
            starred=self.starred,
            user=self.user_id,
            team_id=self.team_id,
            tags=split_list(self.tags),
            email=self.email,
            updated_after=self.updated_after,
            q=self.q,
            field_key=self.field_key,
            field_value=self.field_value,
            include_unassigned=include_unassigned,
            unassigned_only=unassigned_only,
        )


class LeadQuery(Paging, LeadFilterFields):
    order: Order = "id"
    direction: Direction = "desc"

    def effective_order(self) -> str:
        """The order asked for; with a search and none asked for, by relevance."""
        if self.q and "order" not in self.model_fields_set:
            return "relevance"
        return self.order


class LeadFields(Schema):
    """Fields shared by create and update; unknown keys are ignored."""

    def lead_write(self) -> LeadWrite:
        """The fields the request set, as the lead services take them (a key left out is
        left alone): their types were checked here, their rules are the services'."""
        return cast(LeadWrite, self.model_dump(exclude_unset=True))

    description: LongText | None = None
    user_id: UserRef | None = None
    team_id: Id | None = None
    step: StepRef | None = Field(None, description="A step id or name")
    tags: Tags | None = Field(None, description="A list of tags, or a comma-separated string")
    amount: Money | None = None
    probability: int | None = Field(None, ge=0, le=100)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")
    remind_date: ApiDate | None = None
    remind_time: LocalTime | None = Field(None, description="HH:MM, on 15-minute steps")
    remind_activity_id: ActivityRef | None = Field(
        None, description="The activity planned for the reminder (a type's id or name)"
    )
    remind_note: ShortText | None = Field(None, description="What the reminder is about")
    estimated_closing_date: ApiDate | None = None
    created_at: ApiDateTime | None = None
    closed_at: ApiDateTime | None = None
    starred: bool | None = None
    fields: FieldValues | None = Field(
        None,
        description='Contact field values by key (or name); null or "" clears one. They are '
        "also the description's `Label: value` header, rewritten with them.",
    )
    client_folder_id: Id | None = Field(
        None, description="A client folder you see; null takes the lead out of its folder"
    )
    append_desc: LongText | None = Field(
        None, description="Text added on a line of its own at the end of the description"
    )


class LeadCreate(LeadFields):
    title: ShortText = Field(min_length=1)
    description: LongText
    # Clients written for the reference send statuses it ignores at creation ("new"): a
    # status that is not leadcrew's is ignored too, and the answer says so.
    status: ShortText | None = Field(
        None, description="todo, standby, won, lost or cancelled; any other value is ignored"
    )

    def ignored(self) -> list[str]:
        """The keys given with a value the creation ignores (X-Leadcrew-Ignored)."""
        return ["status"] if self.status is not None and self.status not in Status.values else []

    def lead_write(self) -> LeadWrite:
        data = super().lead_write()
        if "status" in self.ignored():
            del data["status"]
        return data


class LeadUpdate(LeadFields):
    status: Status | None = None
    title: ShortText | None = Field(None, min_length=1)


class AssignIn(Schema):
    user_id: UserRef | None


class IdsIn(Schema):
    ids: list[Id] | Id = Field(description="Lead ids")


class DeletedOut(Schema):
    id: int


class DeletedManyOut(Schema):
    ids: list[int]


# The reference's `action_type` of each kind of history row *(unverified: the reference
# documents the endpoint, not its values)*; leadcrew's own `action` is kept beside it.
ACTION_TYPES = {
    HistoryAction.CREATED: "creation",
    HistoryAction.OWNER: "assigned",
    HistoryAction.TEAM: "team_changed",
    HistoryAction.STATUS: "status_changed",
    HistoryAction.STEP: "step_changed",
    HistoryAction.AMOUNT: "amount_changed",
    HistoryAction.DELETED: "deleted",
    HistoryAction.RESTORED: "restored",
    HistoryAction.TAGS: "tags_changed",
    HistoryAction.STARRED: "starred_changed",
}


class HistoryQuery(Paging):
    direction: Direction = Field("desc", description="By date; desc (default) or asc")


class HistoryItemOut(Schema):
    old_value: str | None
    new_value: str | None


class HistoryOut(Schema):
    id: int
    lead_id: int
    action_type: str = Field(
        description="creation, assigned, unassigned, team_changed, status_changed, "
        "step_changed, amount_changed, deleted, restored, tags_changed or starred_changed"
    )
    action_item: HistoryItemOut = Field(description="What it was and what it became")
    user: UserBrief | None = Field(description="Who did it; null for an API key or a job")
    action: str = Field(description="leadcrew's own name of the change")
    old_value: str | None
    new_value: str | None
    user_id: int | None
    created_at: Timestamp
    bulk_action_id: int | None = Field(description="The bulk action the change came from")


def history_out(row: LeadHistory) -> dict[str, Any]:
    """A history row in the reference's shape (`action_type`, `action_item`, `user`), with
    leadcrew's flat keys too. Read with its actor (`lead_history` selects it)."""
    action_type = ACTION_TYPES.get(HistoryAction(row.action), row.action)
    if row.action == HistoryAction.OWNER and row.new_value is None:
        action_type = "unassigned"
    actor = row.actor
    return {
        "id": row.pk,
        "lead_id": row.lead_id,
        "action_type": action_type,
        "action_item": {"old_value": row.old_value, "new_value": row.new_value},
        "user": (
            {
                "id": actor.pk,
                "firstname": actor.first_name,
                "lastname": actor.last_name,
                "email": actor.email,
            }
            if actor is not None
            else None
        ),
        "action": row.action,
        "old_value": row.old_value,
        "new_value": row.new_value,
        "user_id": row.actor_id,
        "created_at": format_datetime(row.created_at),
        "bulk_action_id": row.bulk_action_id,
    }


class CommentIn(Schema):
    content: Text = Field(min_length=1, max_length=100_000)
    activity_id: ActivityRef | None = Field(
        None, description="Makes the comment an activity: an activity type's id or name"
    )
    is_pinned: bool = False
    user_id: UserRef | None = Field(
        None, description="The author, under an API key (ignored under a user token)"
    )
    created_at: ApiDateTime | None = Field(
        None, description="When it happened, when importing history (admins and API keys)"
    )

    def comment_write(self) -> CommentWrite:
        return cast(CommentWrite, self.model_dump(exclude_none=True))


class CommentUpdate(Schema):
    """Any subset; `activity_id: null` turns an activity back into a plain comment."""

    content: Text | None = Field(None, min_length=1, max_length=100_000)
    activity_id: ActivityRef | None = None
    is_pinned: bool | None = None

    def comment_write(self) -> CommentWrite:
        data = self.model_dump(exclude_unset=True)
        for key in ("content", "is_pinned"):
            if key in data and data[key] is None:
                del data[key]
        return cast(CommentWrite, data)


class CommentQuery(Schema):
    direction: Direction = Field("desc", description="By creation date; newest first by default")


class CommentedItemOut(Out):
    id: int
    type: Literal["lead"]
    title: str


class CommentOut(Out):
    id: int
    lead_id: int
    content: str
    raw_content: str = Field(description="The text as written (leadcrew stores no markup)")
    activity_id: int | None
    is_pinned: bool
    user_id: int | None
    user: UserBrief | None = Field(description="The author; null for an API key's comment")
    commented_item: CommentedItemOut
    attachments: list[Any] = Field(description="Always empty: leadcrew keeps no attachments")
    reactions: list[Any] = Field(description="Always empty")
    created_at: Timestamp
    updated_at: Timestamp


def comment_out(comment: Comment) -> dict[str, Any]:
    """A comment in the reference shape; read it with its author and lead (`select_related`)."""
    author = comment.author
    return {
        "id": comment.pk,
        "lead_id": comment.lead_id,
        "content": comment.content,
        "raw_content": comment.content,
        "activity_id": comment.activity_id,
        "is_pinned": comment.is_pinned,
        "user_id": comment.author_id,
        "user": (
            {
                "id": author.pk,
                "firstname": author.first_name,
                "lastname": author.last_name,
                "email": author.email,
            }
            if author is not None
            else None
        ),
        "commented_item": {"id": comment.lead_id, "type": "lead", "title": comment.lead.title},
        "attachments": [],
        "reactions": [],
        "created_at": format_datetime(comment.created_at),
        "updated_at": format_datetime(comment.updated_at),
    }


class BinnedLeadOut(LeadOut):
    deleted_at: Timestamp


def binned_lead_out(row: LeadRow) -> dict[str, Any]:
    """A lead of the bin: the list form, and when it was deleted."""
    return {**lead_out(row), "deleted_at": format_datetime(row["deleted_at"])}


# --- Who may see this lead, and why ---------------------------------------------------------


class VerdictOut(Out):
    allowed: bool
    reasons: list[Reason] = Field(description="The rules that grant it (see the reason codes)")


class AccessOut(Out):
    lead_id: int
    user_id: int | None = Field(description="null for an account API key")
    see: VerdictOut
    edit: VerdictOut
    assign: VerdictOut
    place: VerdictOut = Field(
        description="Allowed when the lead can be placed in another team or taken out of its own"
    )


class LeadAccessOut(AccessOut):
    users: list[AccessOut] | None = Field(
        None, description="Admins and account keys only: every active user of the account"
    )


@cache
def _verdict_out(verdict: Verdict) -> dict[str, Any]:
    """One dict per verdict, shared by every user who has it (they are few, and only ever
    read: the answer is written as JSON as it is)."""
    return {"allowed": verdict.allowed, "reasons": [str(reason) for reason in verdict.reasons]}


def access_out(explanation: Explanation) -> dict[str, Any]:
    return {
        "lead_id": explanation.lead_id,
        "user_id": explanation.user_id,
        "see": _verdict_out(explanation.see),
        "edit": _verdict_out(explanation.edit),
        "assign": _verdict_out(explanation.assign),
        "place": _verdict_out(explanation.place),
    }


def lead_access_out(access: LeadAccess) -> dict[str, Any]:
    """The caller's rights; `users` is present only in an admin's answer."""
    data = access_out(access.caller)
    if access.users is not None:
        data["users"] = [access_out(explanation) for explanation in access.users]
    return data
