"""Reads on pipelines and steps. Every query starts from the actor's account; every user may
read them (they place leads in steps)."""

from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.core.errors import NotFound
from leadcrew.leads.models import Pipeline, Step


def pipeline_list(*, actor: Actor) -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(account_id=actor.account_id).order_by("position", "id")


def pipeline_get(*, actor: Actor, pipeline_id: int) -> Pipeline:
    pipeline = pipeline_list(actor=actor).filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFound("Pipeline")
    return pipeline


STEP_ORDER = ("pipeline__position", "pipeline_id", "position", "id")


def step_list(
    *, actor: Actor, pipeline_id: int | None = None, direction: str = "asc"
) -> QuerySet[Step]:
    """Steps in pipeline order, then in their order within the pipeline; `desc` reverses it."""
    order = STEP_ORDER if direction == "asc" else tuple(f"-{column}" for column in STEP_ORDER)
    steps = (
        Step.objects.filter(account_id=actor.account_id).select_related("pipeline").order_by(*order)
    )
    if pipeline_id is not None:
        steps = steps.filter(pipeline_id=pipeline_id)
    return steps


def step_get(*, actor: Actor, step_id: int) -> Step:
    step = step_list(actor=actor).filter(pk=step_id).first()
    if step is None:
        raise NotFound("Step")
    return step
