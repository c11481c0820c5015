"""API shapes of pipelines and steps (docs/api.md), and the functions that render them."""

from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from leadcrew.core.api_types import Direction, Id, Name, Timestamp, format_datetime
from leadcrew.leads.models import Pipeline, Step

# Steps are numbered from 0 within their pipeline.
Position = Annotated[int, Field(ge=0, le=10_000)]


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    created_at: Timestamp
    updated_at: Timestamp


class PipelineIn(Schema):
    name: Name
    is_default: bool = False
    steps: Annotated[list[Name], Field(max_length=100)] = []


class PipelineUpdateIn(Schema):
    """A missing or null field is left as it is."""

    name: Name | None = None
    is_default: bool | None = None


class StepOut(Schema):
    id: int
    name: str
    position: int
    pipeline_id: int
    pipeline: PipelineOut
    created_at: Timestamp
    updated_at: Timestamp


class StepFilters(Schema):
    pipeline_id: Id | None = None
    direction: Direction = Field(
        "asc", description="By position (pipeline by pipeline); asc or desc, any case"
    )


class StepIn(Schema):
    name: Name
    pipeline_id: Id
    position: Position | None = None


class StepUpdateIn(Schema):
    """A missing or null field is left as it is."""

    name: Name | None = None
    pipeline_id: Id | None = None
    position: Position | None = None


class DeletedOut(Schema):
    id: int


def pipeline_out(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "created_at": format_datetime(pipeline.created_at),
        "updated_at": format_datetime(pipeline.updated_at),
    }


def step_out(step: Step) -> dict[str, Any]:
    """Needs the step's pipeline loaded (see pipeline_selectors.step_list)."""
    return {
        "id": step.pk,
        "name": step.name,
        "position": step.position,
        "pipeline_id": step.pipeline_id,
        "pipeline": pipeline_out(step.pipeline),
        "created_at": format_datetime(step.created_at),
        "updated_at": format_datetime(step.updated_at),
    }
