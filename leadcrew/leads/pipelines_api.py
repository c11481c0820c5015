"""/api/v2/pipelines and /api/v2/steps: everyone reads, admins write. Thin routes over
pipeline_services and pipeline_selectors."""

from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Status

from leadcrew.core.api_types import ApiRequest, Id, Paging, paginate
from leadcrew.leads import pipeline_selectors as selectors
from leadcrew.leads import pipeline_services as services
from leadcrew.leads.pipeline_schemas import (
    DeletedOut,
    PipelineIn,
    PipelineOut,
    PipelineUpdateIn,
    StepFilters,
    StepIn,
    StepOut,
    StepUpdateIn,
    pipeline_out,
    step_out,
)

router = Router(tags=["Pipelines and steps"])


# --- Pipelines ---------------------------------------------------------------------------------


@router.get("/pipelines", response=list[PipelineOut])
def list_pipelines(
    request: ApiRequest, response: HttpResponse, paging: Query[Paging]
) -> list[dict[str, Any]]:
    pipelines = selectors.pipeline_list(actor=request.auth)
    return [pipeline_out(pipeline) for pipeline in paginate(pipelines, paging, response)]


@router.get("/pipelines/{id}", response=PipelineOut)
def get_pipeline(request: ApiRequest, id: Id) -> dict[str, Any]:
    return pipeline_out(selectors.pipeline_get(actor=request.auth, pipeline_id=id))


@router.post("/pipelines", response={201: PipelineOut})
def create_pipeline(request: ApiRequest, payload: PipelineIn) -> Status[dict[str, Any]]:
    """`steps` (extension): the names of its steps, in order."""
    actor = request.auth
    pipeline = services.pipeline_create(
        actor=actor, name=payload.name, is_default=payload.is_default, step_names=payload.steps
    )
    return Status(201, pipeline_out(selectors.pipeline_get(actor=actor, pipeline_id=pipeline.pk)))


@router.put("/pipelines/{id}", response=PipelineOut)
def update_pipeline(request: ApiRequest, id: Id, payload: PipelineUpdateIn) -> dict[str, Any]:
    actor = request.auth
    services.pipeline_update(
        actor=actor, pipeline_id=id, name=payload.name, is_default=payload.is_default
    )
    return pipeline_out(selectors.pipeline_get(actor=actor, pipeline_id=id))


@router.delete("/pipelines/{id}", response=DeletedOut)
def delete_pipeline(request: ApiRequest, id: Id) -> dict[str, Any]:
    """Refused for the default pipeline and for a pipeline that still has leads."""
    services.pipeline_delete(actor=request.auth, pipeline_id=id)
    return {"id": id}


# --- Steps -------------------------------------------------------------------------------------


@router.get("/steps", response=list[StepOut])
def list_steps(
    request: ApiRequest,
    response: HttpResponse,
    filters: Query[StepFilters],
    paging: Query[Paging],
) -> list[dict[str, Any]]:
    steps = selectors.step_list(
        actor=request.auth, pipeline_id=filters.pipeline_id, direction=filters.direction
    )
    return [step_out(step) for step in paginate(steps, paging, response)]


@router.get("/steps/{id}", response=StepOut)
def get_step(request: ApiRequest, id: Id) -> dict[str, Any]:
    return step_out(selectors.step_get(actor=request.auth, step_id=id))


@router.post("/steps", response={201: StepOut})
def create_step(request: ApiRequest, payload: StepIn) -> Status[dict[str, Any]]:
    """`position` counts from 0; without it the step goes last."""
    actor = request.auth
    step = services.step_create(
        actor=actor, pipeline_id=payload.pipeline_id, name=payload.name, position=payload.position
    )
    return Status(201, step_out(selectors.step_get(actor=actor, step_id=step.pk)))


@router.put("/steps/{id}", response=StepOut)
def update_step(request: ApiRequest, id: Id, payload: StepUpdateIn) -> dict[str, Any]:
    """Renames, reorders (`position`) or moves the step to another pipeline (`pipeline_id`)."""
    actor = request.auth
    services.step_update(
        actor=actor,
        step_id=id,
        name=payload.name,
        pipeline_id=payload.pipeline_id,
        position=payload.position,
    )
    return step_out(selectors.step_get(actor=actor, step_id=id))


@router.delete("/steps/{id}", response=DeletedOut)
def delete_step(request: ApiRequest, id: Id) -> dict[str, Any]:
    """Refused while leads sit in the step, and for the default pipeline's last step."""
    services.step_delete(actor=request.auth, step_id=id)
    return {"id": id}
