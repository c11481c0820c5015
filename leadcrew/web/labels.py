"""What the pages call the domain's codes, in the reader's language.

The domain speaks English to API clients and stores codes; the web app shows people words. A
refusal's words come from its code (`leadcrew.core.errors.MESSAGES`), so that it reads in French
to a French-speaking user while the API keeps its English contract.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadcrew.access.policy import Reason
from leadcrew.bulk.models import BulkActionType
from leadcrew.leads.models import HistoryAction, Status

STATUS_LABELS = {
    Status.TODO: pgettext_lazy("lead status", "To do"),
    Status.STANDBY: pgettext_lazy("lead status", "Standby"),
    Status.WON: pgettext_lazy("lead status", "Won"),
    Status.LOST: pgettext_lazy("lead status", "Lost"),
    Status.CANCELLED: pgettext_lazy("lead status", "Cancelled"),
}

HISTORY_LABELS = {
    HistoryAction.CREATED: _("Created"),
    HistoryAction.OWNER: _("Owner changed"),
    HistoryAction.TEAM: _("Team changed"),
    HistoryAction.STATUS: _("Status changed"),
    HistoryAction.STEP: _("Step changed"),
    HistoryAction.AMOUNT: _("Amount changed"),
    HistoryAction.DELETED: _("Deleted"),
    HistoryAction.RESTORED: _("Restored"),
    HistoryAction.TAGS: _("Tags changed"),
    HistoryAction.STARRED: _("Star changed"),
}

# Why the reader has a right, completing "You can see this lead because …".
CALLER_REASONS = {
    Reason.ADMIN: _("you are an admin of the account"),
    Reason.OWNER: _("you own it"),
    Reason.ACCOUNT_SHARED: _("every lead of the account is shared with everyone"),
    Reason.TEAM_SHARED: _("you are in its team, and the team's leads are shared between members"),
    Reason.TEAM_MANAGER: _("you manage its team"),
    Reason.TEAM_MEMBER: _("you are in its team, and team members may assign its leads"),
    Reason.UNASSIGNED_POOL: _("it is unassigned and you may hand it out"),
    Reason.OPEN_ASSIGNMENT: _("it is in no team, and anyone may assign such leads"),
    Reason.TARGET_TEAM_MEMBER: _("you may change it and belong to a team it can move to"),
}

# The same reasons, short, for the table of everyone's access.
SHORT_REASONS = {
    Reason.ADMIN: _("admin"),
    Reason.OWNER: _("owner"),
    Reason.ACCOUNT_SHARED: _("account shared"),
    Reason.TEAM_SHARED: _("team shared"),
    Reason.TEAM_MANAGER: _("team manager"),
    Reason.TEAM_MEMBER: _("team member"),
    Reason.UNASSIGNED_POOL: _("unassigned pool"),
    Reason.OPEN_ASSIGNMENT: _("open assignment"),
    Reason.TARGET_TEAM_MEMBER: _("member of a destination team"),
}

BULK_ACTION_LABELS = {
    BulkActionType.ASSIGN: _("Assign to…"),
    BulkActionType.PLACE_IN_TEAM: _("Place in team…"),
    BulkActionType.SET_STATUS: _("Change status…"),
    BulkActionType.MOVE_TO_STEP: _("Move to step…"),
    BulkActionType.ADD_TAGS: _("Add tags…"),
    BulkActionType.REMOVE_TAGS: _("Remove tags…"),
    BulkActionType.STAR: _("Star"),
    BulkActionType.UNSTAR: _("Remove star"),
    BulkActionType.DELETE: _("Delete (to the bin)"),
    BulkActionType.RESTORE: _("Restore"),
    BulkActionType.EXPORT: _("Export as CSV"),
    BulkActionType.IMPORT: _("Import"),
}

# What a finished bulk action did, for its summary ("12 leads assigned").
BULK_DONE_LABELS = {
    BulkActionType.ASSIGN: _("assigned"),
    BulkActionType.PLACE_IN_TEAM: _("moved to the team"),
    BulkActionType.SET_STATUS: _("given the new status"),
    BulkActionType.MOVE_TO_STEP: _("moved to the step"),
    BulkActionType.ADD_TAGS: _("tagged"),
    BulkActionType.REMOVE_TAGS: _("untagged"),
    BulkActionType.STAR: _("starred"),
    BulkActionType.UNSTAR: _("unstarred"),
    BulkActionType.DELETE: _("sent to the bin"),
    BulkActionType.RESTORE: _("restored"),
    BulkActionType.IMPORT: _("imported"),
    BulkActionType.EXPORT: _("exported"),
}

SKIP_REASONS = {
    "not_allowed": _("you may not change them"),
    "unchanged": _("they already had that value"),
    "user_not_in_team": _("the new owner is not a member of their team"),
    "owner_not_in_team": _("their owner is not a member of that team"),
    "unassigned": _("they are unassigned: assign them before moving them to a step"),
}

# The rule behind "not allowed" for the actions with a rule of their own (docs/access-rules.md).
SKIP_REASONS_BY_ACTION = {
    BulkActionType.ASSIGN: {
        "not_allowed": _("the assignment rules do not let you reassign them"),
    },
    BulkActionType.PLACE_IN_TEAM: {
        "not_allowed": _("the team rules do not let you move them to another team"),
    },
    BulkActionType.DELETE: {
        "not_allowed": _("you may not change them, and only who may change a lead may delete it"),
    },
    BulkActionType.RESTORE: {
        "not_allowed": _("only who could change them may restore them"),
    },
}

FIELD_LABELS = {
    "title": _("Title"),
    "description": _("Description"),
    "amount": _("Amount"),
    "probability": _("Probability"),
    "currency": _("Currency"),
    "status": _("Status"),
    "step": _("Step"),
    "tags": _("Tags"),
    "starred": _("Starred"),
    "remind_date": _("Reminder date"),
    "remind_time": _("Reminder time"),
    "estimated_closing_date": _("Estimated closing date"),
    "created_at": _("Created on"),
    "closed_at": _("Closed on"),
    "user_id": _("Owner"),
    "team_id": _("Team"),
    "content": _("Comment"),
    "ids": _("Selection"),
}


# The lead fields a spreadsheet's column may fill, as the import page names them.
IMPORT_FIELD_LABELS = {
    "title": _("Title"),
    "description": _("Description"),
    "user_id": _("Owner"),
    "team_id": _("Team"),
    "pipeline_id": _("Pipeline"),
    "step": _("Step"),
    "status": _("Status"),
    "amount": _("Amount"),
    "probability": _("Probability"),
    "currency": _("Currency"),
    "tags": _("Tags"),
    "starred": _("Starred"),
    "remind_date": _("Reminder date"),
    "remind_time": _("Reminder time"),
    "estimated_closing_date": _("Estimated closing date"),
    "created_at": _("Created at"),
    "closed_at": _("Closed at"),
}
