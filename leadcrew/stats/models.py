"""Statistics figures kept ahead of time, so that statistics read a few hundred rows instead of
every lead of the scope (docs/architecture.md, "Statistics figures").

Kept by the database itself: triggers on the lead table (migration 0001) add every insert,
update and delete to them in the same transaction, whatever code writes (bulk actions, imports,
undo, the bin and its purge, raw SQL), as the lead tally is kept.

Team and owner are plain numbers, not foreign keys: 0 stands for "no team" / "no owner", and
-1 for "every team" / "every owner". Each lead counts on four rows of each table, one per
level: (its team, its owner), (its team, every owner), (every team, its owner), (every team,
every owner), so that any scope reads one level only (`stats.figures`).
"""

from django.db import models

NONE = 0  # no team, no owner
EVERY = -1  # every team, every owner


class DayFigures(models.Model):
    """What happened on one day (in the account's time zone) to the leads of one step, team
    and owner: leads created (count, amount), and leads closed that day (by closed_at) won,
    lost or cancelled, with the amount won and the sales cycles of the won ones. Binned leads
    count nowhere, as in statistics."""

    account = models.ForeignKey("accounts.Account", on_delete=models.DB_CASCADE, related_name="+")
    team_id = models.BigIntegerField()
    owner_id = models.BigIntegerField()
    day = models.DateField()
    step_id = models.BigIntegerField()
    created_count = models.BigIntegerField(default=0)
    created_cents = models.BigIntegerField(default=0)
    won_count = models.BigIntegerField(default=0)
    won_cents = models.BigIntegerField(default=0)
    lost_count = models.BigIntegerField(default=0)
    cancelled_count = models.BigIntegerField(default=0)
    won_cycle_ms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "team_id", "owner_id", "day", "step_id"],
                name="day_figures_key",
            )
        ]
        indexes = [
            # The account's own rows (every team, every owner), read alone for its leads per
            # step: PostgreSQL, estimating them as if team and owner were unrelated, read the
            # whole table (0.56 s at ten million leads) rather than the key's range.
            models.Index(
                fields=["account", "step_id"],
                condition=models.Q(team_id=EVERY, owner_id=EVERY),
                name="day_figures_account_steps",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} owner {self.owner_id} step {self.step_id}"


class OpenFigures(models.Model):
    """The open leads (to do, standby) of one step, team and owner now: the open pipeline."""

    account = models.ForeignKey("accounts.Account", on_delete=models.DB_CASCADE, related_name="+")
    team_id = models.BigIntegerField()
    owner_id = models.BigIntegerField()
    step_id = models.BigIntegerField()
    count = models.BigIntegerField(default=0)
    cents = models.BigIntegerField(default=0)
    weighted = models.BigIntegerField(default=0)  # cents × probability, summed

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "team_id", "owner_id", "step_id"], name="open_figures_key"
            )
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} owner {self.owner_id} step {self.step_id}"


class FiguresRebuild(models.Model):
    """Asking the database to compute an account's figures again from its leads: inserting a
    row does it (a trigger) and removes the row. The account's time zone changing does it too."""

    account = models.ForeignKey("accounts.Account", on_delete=models.DB_CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"rebuild of account {self.account_id}"
