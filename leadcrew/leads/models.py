from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils import timezone

from leadcrew.core.models import TenantModel

LIVE = Q(deleted_at__isnull=True)


class Status(models.TextChoices):
    TODO = "todo", "To do"
    STANDBY = "standby", "Standby"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (Status.TODO, Status.STANDBY)
CLOSED_STATUSES = (Status.WON, Status.LOST, Status.CANCELLED)


class Pipeline(TenantModel):
    """An ordered list of steps; every account has exactly one default pipeline."""

    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="pipeline_name_unique"),
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_default=True), name="one_default_pipeline"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Step(TenantModel):
    name = models.CharField(max_length=100)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pipeline_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "name"], name="step_name_unique_in_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


# A lead's weighted amount (the `probalized_amount` order of GET /leads): its amount times its
# probability, as the lists sort on it and as their index holds it.
WEIGHTED_AMOUNT = ExpressionWrapper(
    F("amount") * F("probability"), output_field=models.DecimalField()
)


class Lead(TenantModel):
    """A sales opportunity. Who may see, edit, assign or place it is decided by leadcrew.access."""

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    probability = models.PositiveSmallIntegerField(default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="leads")
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    starred = models.BooleanField(default=False)
    remind_date = models.DateField(null=True, blank=True)
    remind_time = models.TimeField(null=True, blank=True)
    # What is planned for the reminder ("call back on Tuesday"): an activity type and a note.
    remind_activity = models.ForeignKey(
        "activities.ActivityType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # db_default too: set-based inserts that name no column for it (the benchmark's
    # generator, imports) still write a row.
    remind_note = models.CharField(max_length=255, blank=True, default="", db_default="")
    # The reminder as an instant in the account's time zone: what the to-do list sorts on and
    # what the scheduler compares with the clock.
    next_action_at = models.DateTimeField(null=True, blank=True)
    estimated_closing_date = models.DateField(null=True, blank=True)
    created_from = models.CharField(max_length=50, blank=True, default="")
    client_folder = models.ForeignKey(
        "contacts.ClientFolder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Every list is "live leads of one account, in some order", optionally narrowed to an
            # owner or a team: each index below answers one of those as an ordered range scan.
            models.Index(fields=["account", "-id"], condition=LIVE, name="lead_live_by_id"),
            # It carries the other orders' columns: one owner's leads in any order are sorted
            # from the index alone, without reading a table row per lead (PostgreSQL).
            models.Index(
                fields=["account", "owner", "-id"],
                include=["created_at", "amount", "probability", "title", "next_action_at"],
                condition=LIVE,
                name="lead_live_owner_by_id",
            ),
            models.Index(
                fields=["account", "team", "-id"], condition=LIVE, name="lead_live_team_by_id"
            ),
            models.Index(
                fields=["account", "-updated_at", "-id"], condition=LIVE, name="lead_live_updated"
            ),
            # An admin's list in the other orders of GET /leads (creation date, amount,
            # probability, title) reads one of these in order, either way, instead of sorting
            # the whole account. A user who sees little sorts only their branches' leads. The
            # owner and team they carry let a team's branch skip the other teams' leads in the
            # index, without reading their rows (PostgreSQL).
            models.Index(
                fields=["account", "created_at", "id"],
                include=["owner", "team"],
                condition=LIVE,
                name="lead_live_created",
            ),
            models.Index(
                fields=["account", "amount", "id"],
                include=["owner", "team"],
                condition=LIVE,
                name="lead_live_amount",
            ),
            models.Index(
                fields=["account", "probability", "id"],
                include=["owner", "team"],
                condition=LIVE,
                name="lead_live_probability",
            ),
            models.Index(
                fields=["account", "title", "id"],
                include=["owner", "team"],
                condition=LIVE,
                name="lead_live_title",
            ),
            # By next action: only leads that have one (nulls come last in both directions, and
            # are read in id order by the indexes above), so that one index serves both.
            models.Index(
                fields=["account", "next_action_at", "id"],
                include=["owner", "team"],
                condition=LIVE & Q(next_action_at__isnull=False),
                name="lead_live_next_action",
            ),
            # By weighted amount: the expression the list sorts on (WEIGHTED_AMOUNT).
            models.Index(
                "account",
                WEIGHTED_AMOUNT,
                "id",
                include=["owner", "team"],
                condition=LIVE,
                name="lead_live_weighted",
            ),
            # The newest-first list of a user who sees little is one ordered scan per branch of
            # the visibility rule (their own leads, each visible team), merged: these two keep
            # each branch an ordered range scan (docs/architecture.md). The team one ends with the
            # owner so that "assigned leads of these teams" is counted from the index alone.
            models.Index(
                fields=["account", "owner", "-updated_at", "-id"],
                condition=LIVE,
                name="lead_live_owner_updated",
            ),
            models.Index(
                fields=["account", "team", "-updated_at", "-id", "owner"],
                condition=LIVE,
                name="lead_live_team_updated",
            ),
            # The unassigned pool, newest first, with its teams: the pool's page and the pool
            # branch of a list that includes unassigned leads read it alone, without the heap.
            models.Index(
                fields=["account", "-updated_at", "-id", "team"],
                condition=LIVE & Q(owner__isnull=True),
                name="lead_pool_updated",
            ),
            # The pool page, newest first by creation (its default order): a reader's part of
            # the pool is found in this order, the team checked in the index.
            models.Index(
                fields=["account", "-created_at", "-id"],
                include=["team"],
                condition=LIVE & Q(owner__isnull=True),
                name="lead_pool_created",
            ),
            # Statistics of a team read only these columns, the owner included for the
            # visibility rule: answered from the index alone.
            models.Index(
                fields=[
                    "account",
                    "team",
                    "status",
                    "created_at",
                    "closed_at",
                    "step",
                    "amount",
                    "probability",
                    "owner",
                ],
                condition=LIVE,
                name="lead_live_team_stats",
            ),
            models.Index(
                fields=["status", "next_action_at"],
                condition=Q(status="standby", deleted_at__isnull=True),
                name="lead_standby_due",
            ),
            models.Index(fields=["account", "deleted_at"], name="lead_bin"),
            # The reminders falling due now, in every account (events/periodic.py).
            models.Index(
                fields=["next_action_at"],
                condition=Q(deleted_at__isnull=True, owner__isnull=False),
                name="lead_reminder_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="probability_percent"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="amount_not_negative"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("created_at")),
                name="closed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LeadTally(models.Model):
    """How many live leads an account has, and how many of them have an owner.

    Kept by the database itself: triggers on the lead table (migration 0004) add every insert,
    update and delete to it in the same transaction, whatever code writes, so it is always
    exact. The total of a list that is "every lead of the account" (an admin's, with no filter)
    is then one row instead of a count of a million (docs/architecture.md)."""

    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    live = models.BigIntegerField(default=0)
    assigned = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.live} live leads, {self.assigned} assigned"


class PlaceTally(models.Model):
    """How many live leads of an account are in one place (a team or none, an owner or none)
    with one status.

    Kept by the database as LeadTally is (triggers of migration 0010). Its columns are named as
    the lead's, so a condition on a lead's team, owner and status (a branch of the visibility
    rule, a list's filters) selects the tally rows of exactly the leads it selects: the total of
    such a list is the sum of a few rows instead of a count of the leads (`leads.selectors`).
    Team and owner are not foreign keys in the database: a row may stay, at zero, after its
    team or owner is deleted."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    live = models.BigIntegerField(default=0)

    class Meta:
        # Unique on (account, team, owner, status), an absent team or owner included: made by
        # the migration (NULLS NOT DISTINCT on PostgreSQL), which Django cannot say for SQLite.
        indexes = [
            models.Index(fields=["account", "owner"], name="place_tally_owner"),
            models.Index(fields=["account", "team"], name="place_tally_team"),
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} owner {self.owner_id} {self.status}: {self.live}"


class LeadTag(TenantModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="tag_rows")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "name"], name="tag_once_per_lead")]
        indexes = [models.Index(fields=["account", "name"])]


class Comment(TenantModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.TextField()
    # A comment with a type is an activity (a call, a meeting...), as in the reference API.
    activity = models.ForeignKey(
        "activities.ActivityType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The team an activity counts for in activity reports: the lead's team when it was logged,
    # if its author was a member of that team then. Kept as it was, so that a member who
    # leaves a team leaves their past activities in its reports, and adds no new ones.
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-created_at", "-id"], name="comment_lead_newest"),
            # Activity reports read a period of an account's activities, or of its teams'.
            models.Index(
                fields=["account", "created_at", "activity", "author", "team", "lead"],
                condition=Q(activity__isnull=False),
                name="activity_account_time",
            ),
            models.Index(
                fields=["account", "team", "created_at", "activity", "author", "lead"],
                condition=Q(activity__isnull=False),
                name="activity_team_time",
            ),
        ]


class HistoryAction(models.TextChoices):
    CREATED = "created", "Created"
    OWNER = "owner", "Owner changed"
    TEAM = "team", "Team changed"
    STATUS = "status", "Status changed"
    STEP = "step", "Step changed"
    AMOUNT = "amount", "Amount changed"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"
    TAGS = "tags", "Tags changed"
    STARRED = "starred", "Star changed"


class LeadHistory(TenantModel):
    """One change that matters on a lead: who, when, what it was and what it became."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=HistoryAction.choices)
    old_value = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 (null: no value)
    new_value = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)
    bulk_action = models.ForeignKey(
        "bulk.BulkAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["lead", "-created_at", "-id"])]
