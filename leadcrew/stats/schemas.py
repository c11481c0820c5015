"""API shapes of GET /statistics."""

from datetime import date
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, WithJsonSchema

from leadcrew.core.api_types import ApiDate, DateText, Id, UserRef, money
from leadcrew.stats.periods import Grouping
from leadcrew.stats.scope import ScopeKind
from leadcrew.stats.selectors import (
    Figures,
    GroupKey,
    Statistics,
    StatisticsRequest,
    StepFigures,
)

Amount = Annotated[float, Field(description="In the account's currency, to the cent")]
GroupKeyOut = Annotated[
    int | str | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "integer"},
                {"type": "null"},
            ],
            "description": (
                "The period's first day (YYYY-MM-DD), the owner's user id or the team's id; "
                "null for the leads without owner (or without team)"
            ),
        }
    ),
]


class StatisticsQuery(Schema):
    scope: ScopeKind | None = Field(
        None, description="By default the widest the caller has: account, teams_managed or user"
    )
    team_id: Id | None = Field(None, description="The team of `scope=team`; otherwise a filter")
    user_id: UserRef | None = Field(
        None, description="The member of `scope=user` (id or e-mail); otherwise a filter"
    )
    # `from` is a Python keyword, hence the alias.
    date_from: ApiDate | None = Field(
        None, alias="from", description="First day, in the account's time zone"
    )
    to: ApiDate | None = Field(None, description="Last day (included); default today")
    group_by: Grouping = Grouping.MONTH
    pipeline_id: Id | None = Field(
        None, description="Counts only this pipeline's leads; by default every pipeline's"
    )
    format: Literal["json", "csv"] = "json"

    def to_request(self) -> StatisticsRequest:
        return StatisticsRequest(
            scope=self.scope,
            team_id=self.team_id,
            user_ref=self.user_id,
            date_from=self.date_from,
            date_to=self.to,
            group_by=self.group_by,
            pipeline_id=self.pipeline_id,
        )


class FiguresOut(Schema):
    created_count: int
    created_amount: Amount
    won_count: int
    won_amount: Amount
    lost_count: int
    cancelled_count: int
    conversion_rate: float | None = Field(
        description="won / (won + lost + cancelled), from 0 to 1; null when nothing closed"
    )
    average_sales_cycle_days: float | None = Field(
        description="Days from creation to closing of the won leads; null when none was won"
    )


class GroupOut(FiguresOut):
    key: GroupKeyOut
    label: str


class PipelineStepOut(Schema):
    step_id: int
    step: str
    count: int
    amount: Amount
    weighted_amount: Amount = Field(description="Σ amount × probability / 100")


class StatisticsOut(Schema):
    scope: ScopeKind
    date_from: DateText = Field(alias="from")
    to: DateText
    group_by: Grouping
    totals: FiguresOut
    groups: list[GroupOut]
    pipeline: list[PipelineStepOut] = Field(description="Open leads per step now")


def _figures_out(figures: Figures) -> dict[str, Any]:
    cycle = figures.average_sales_cycle_days
    return {
        "created_count": figures.created_count,
        "created_amount": money(figures.created_amount),
        "won_count": figures.won_count,
        "won_amount": money(figures.won_amount),
        "lost_count": figures.lost_count,
        "cancelled_count": figures.cancelled_count,
        "conversion_rate": figures.conversion_rate,
        "average_sales_cycle_days": float(cycle) if cycle is not None else None,
    }


def _key_out(key: GroupKey) -> int | str | None:
    return key.isoformat() if isinstance(key, date) else key


def _step_out(step: StepFigures) -> dict[str, Any]:
    return {
        "step_id": step.step_id,
        "step": step.step,
        "count": step.count,
        "amount": money(step.amount),
        "weighted_amount": money(step.weighted_amount),
    }


def statistics_out(statistics: Statistics) -> dict[str, Any]:
    return {
        "scope": statistics.scope,
        "from": statistics.period.first.isoformat(),
        "to": statistics.period.last.isoformat(),
        "group_by": statistics.group_by,
        "totals": _figures_out(statistics.totals),
        "groups": [
            {"key": _key_out(group.key), "label": group.label, **_figures_out(group.figures)}
            for group in statistics.groups
        ],
        "pipeline": [_step_out(step) for step in statistics.pipeline],
    }
