"""Writes on pipelines and steps: admins only, one transaction each.

Two invariants hold after every write: an account has exactly one default pipeline, and that
pipeline has at least one step (a new lead without a step goes to its first step). Steps of a
pipeline are numbered 0, 1, 2… without gaps.
"""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max, ProtectedError, QuerySet

from leadcrew.access.actor import Actor
from leadcrew.access.policy import account_leads
from leadcrew.accounts.models import Account
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.core.errors import AlreadyExists, Code, Forbidden, InvalidParameter, NotFound
from leadcrew.core.lookups import pipeline_lookup
from leadcrew.events.models import EventName
from leadcrew.events.recording import record_config_event
from leadcrew.leads.models import Pipeline, Step

MAX_STEPS = 100


def _lock(actor: Actor) -> None:
    """Admin check, then the account row locked until the transaction ends: pipeline and step
    writes of one account apply one after the other, so the invariants are checked on settled
    data."""
    ensure_admin(actor)
    Account.objects.select_for_update(no_key=True).filter(pk=actor.account_id).first()


def _pipelines(actor: Actor) -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(account_id=actor.account_id)


def _pipeline(actor: Actor, pipeline_id: int) -> Pipeline:
    pipeline = _pipelines(actor).filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFound("Pipeline")
    return pipeline


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("name", Code.BLANK)
    return name


def _ensure_pipeline_name_free(actor: Actor, name: str, except_id: int | None = None) -> None:
    same = _pipelines(actor).filter(name__iexact=name)
    if except_id is not None:
        same = same.exclude(pk=except_id)
    existing = same.first()
    if existing is not None:
        raise AlreadyExists(Code.PIPELINE_NAME_TAKEN, existing_id=existing.pk, field="name")


def _ensure_step_name_free(pipeline: Pipeline, name: str, except_id: int | None = None) -> None:
    same = Step.objects.filter(pipeline=pipeline, name__iexact=name)
    if except_id is not None:
        same = same.exclude(pk=except_id)
    existing = same.first()
    if existing is not None:
        raise AlreadyExists(Code.STEP_NAME_TAKEN, existing_id=existing.pk, field="name")


def _make_default(actor: Actor, pipeline: Pipeline) -> None:
    if not pipeline.steps.exists():
        raise Forbidden(Code.EMPTY_PIPELINE_DEFAULT)
    # The old default is cleared first: the database allows one default per account at a time.
    _pipelines(actor).filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    pipeline.is_default = True


def _ensure_no_leads(leads: int) -> None:
    if leads:
        raise Forbidden(Code.STILL_HAS_LEADS, count=leads)


def _delete(instance: Pipeline | Step) -> None:
    try:
        instance.delete()
    except ProtectedError:
        # Live leads were counted before; these are leads in the bin, which still point here.
        raise Forbidden(Code.STILL_HAS_BINNED_LEADS) from None


def _renumber(steps: Sequence[Step]) -> None:
    """Positions 0, 1, 2… in the given order, writing only the steps whose position moved."""
    moved = []
    for position, step in enumerate(steps):
        if step.position != position:
            step.position = position
            moved.append(step)
    Step.objects.bulk_update(moved, ["position"])


def _siblings(pipeline: Pipeline, *, without: Step | None = None) -> list[Step]:
    steps = Step.objects.filter(pipeline=pipeline).order_by("position", "id")
    if without is not None:
        steps = steps.exclude(pk=without.pk)
    return list(steps)


# --- Pipelines ---------------------------------------------------------------------------------


@transaction.atomic
def pipeline_create(
    *,
    actor: Actor,
    name: str,
    is_default: bool = False,
    step_names: Sequence[str] = (),
) -> Pipeline:
    """A new pipeline, last in order, optionally with its steps (in the given order)."""
    _lock(actor)
    name = _clean_name(name)
    _ensure_pipeline_name_free(actor, name)
    names = [step_name.strip() for step_name in step_names]
    if any(not step_name for step_name in names):
        raise InvalidParameter("steps", Code.STEP_NAMES_BLANK)
    if len({step_name.lower() for step_name in names}) != len(names):
        raise InvalidParameter("steps", Code.STEP_NAMES_REPEATED)
    if len(names) > MAX_STEPS:
        raise InvalidParameter("steps", Code.TOO_MANY_STEPS, max=MAX_STEPS)
    last = _pipelines(actor).aggregate(last=Max("position"))["last"]
    pipeline = Pipeline.objects.create(
        account_id=actor.account_id, name=name, position=0 if last is None else last + 1
    )
    Step.objects.bulk_create(
        Step(account_id=actor.account_id, pipeline=pipeline, name=step_name, position=position)
        for position, step_name in enumerate(names)
    )
    if is_default:
        _make_default(actor, pipeline)
        pipeline.save(update_fields=["is_default", "updated_at"])
    _pipeline_event(actor, pipeline, "created")
    return pipeline


@transaction.atomic
def pipeline_update(
    *, actor: Actor, pipeline_id: int, name: str | None = None, is_default: bool | None = None
) -> Pipeline:
    """Renames the pipeline and/or makes it the default; None leaves a field as it is. The
    default is changed by making another pipeline the default, never by unsetting it."""
    _lock(actor)
    pipeline = _pipeline(actor, pipeline_id)
    if name is not None:
        name = _clean_name(name)
        _ensure_pipeline_name_free(actor, name, except_id=pipeline.pk)
        pipeline.name = name
    if is_default is True and not pipeline.is_default:
        _make_default(actor, pipeline)
    if is_default is False and pipeline.is_default:
        raise Forbidden(Code.DEFAULT_PIPELINE_REQUIRED)
    pipeline.save()
    _pipeline_event(actor, pipeline, "updated")
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor: Actor, pipeline_id: int) -> None:
    """Deletes a pipeline and its steps, only when no lead sits in it and it is not the
    default."""
    _lock(actor)
    pipeline = _pipeline(actor, pipeline_id)
    if pipeline.is_default:
        raise Forbidden(Code.DEFAULT_PIPELINE_UNDELETABLE)
    _ensure_no_leads(account_leads(actor).filter(step__pipeline=pipeline).count())
    _pipeline_event(actor, pipeline, "deleted")
    _delete(pipeline)


# --- Steps -------------------------------------------------------------------------------------


@transaction.atomic
def step_create(*, actor: Actor, pipeline_id: int, name: str, position: int | None = None) -> Step:
    """A new step of the pipeline, at `position` (0 is first; none or past the end: last)."""
    _lock(actor)
    pipeline = pipeline_lookup(actor, pipeline_id)
    name = _clean_name(name)
    _ensure_step_name_free(pipeline, name)
    siblings = _siblings(pipeline)
    if len(siblings) >= MAX_STEPS:
        raise Forbidden(Code.TOO_MANY_STEPS, max=MAX_STEPS)
    index = len(siblings) if position is None else min(position, len(siblings))
    step = Step.objects.create(
        account_id=actor.account_id, pipeline=pipeline, name=name, position=index
    )
    # The new step already holds its position; the ones after it shift by one.
    _renumber([*siblings[:index], step, *siblings[index:]])
    _step_event(actor, step, EventName.STEP_CREATED)
    return step


@transaction.atomic
def step_update(
    *,
    actor: Actor,
    step_id: int,
    name: str | None = None,
    pipeline_id: int | None = None,
    position: int | None = None,
) -> Step:
    """Renames, reorders or moves the step to another pipeline (its leads move with it);
    None leaves a field as it is. Moved to another pipeline without a position, it goes last."""
    _lock(actor)
    step = Step.objects.filter(account_id=actor.account_id, pk=step_id).first()
    if step is None:
        raise NotFound("Step")
    source = _pipelines(actor).get(pk=step.pipeline_id)
    target = source if pipeline_id is None else pipeline_lookup(actor, pipeline_id)
    moving = target.pk != source.pk
    new_name = step.name if name is None else _clean_name(name)
    if moving or new_name.lower() != step.name.lower():
        _ensure_step_name_free(target, new_name, except_id=step.pk)
    step.name = new_name

    if moving:
        remaining = _siblings(source, without=step)
        if source.is_default and not remaining:
            raise Forbidden(Code.DEFAULT_PIPELINE_LAST_STEP)
        target_siblings = _siblings(target)
        if len(target_siblings) >= MAX_STEPS:
            raise Forbidden(Code.TOO_MANY_STEPS, max=MAX_STEPS)
        _renumber(remaining)
        step.pipeline = target
        if position is None:
            position = len(target_siblings)
    else:
        target_siblings = _siblings(target, without=step)
        if position is None:
            position = step.position
    index = min(position, len(target_siblings))
    ordered = [*target_siblings[:index], step, *target_siblings[index:]]
    step.position = index
    step.save()
    _renumber(ordered)
    _step_event(actor, step, EventName.STEP_UPDATED)
    if moving:
        _step_event(actor, step, EventName.STEP_PIPELINE_UPDATED)
    return step


@transaction.atomic
def step_delete(*, actor: Actor, step_id: int) -> None:
    """Deletes a step in which no lead sits; the steps after it move up one position."""
    _lock(actor)
    step = Step.objects.filter(account_id=actor.account_id, pk=step_id).first()
    if step is None:
        raise NotFound("Step")
    pipeline = _pipelines(actor).get(pk=step.pipeline_id)
    remaining = _siblings(pipeline, without=step)
    if pipeline.is_default and not remaining:
        raise Forbidden(Code.DEFAULT_PIPELINE_LAST_STEP)
    _ensure_no_leads(account_leads(actor).filter(step=step).count())
    _step_event(actor, step, EventName.STEP_DELETED)
    _delete(step)
    _renumber(remaining)


# --- Events ------------------------------------------------------------------------------------


def _pipeline_out(pipeline: Pipeline) -> dict[str, object]:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "created_at": pipeline.created_at.isoformat(),
        "updated_at": pipeline.updated_at.isoformat() if pipeline.updated_at else None,
    }


def _pipeline_event(actor: Actor, pipeline: Pipeline, change: str) -> None:
    """`account.pipeline.updated` for any change to a pipeline (the reference has no created
    or deleted event for pipelines); `change` says which."""
    record_config_event(
        actor=actor,
        name=EventName.PIPELINE_UPDATED,
        subject_id=pipeline.pk,
        data={**_pipeline_out(pipeline), "change": change},
    )


def _step_event(actor: Actor, step: Step, name: EventName) -> None:
    record_config_event(
        actor=actor,
        name=name,
        subject_id=step.pk,
        data={
            "id": step.pk,
            "name": step.name,
            "position": step.position,
            "pipeline_id": step.pipeline_id,
            "created_at": step.created_at.isoformat(),
            "updated_at": step.updated_at.isoformat() if step.updated_at else None,
            "pipeline": _pipeline_out(step.pipeline),
        },
    )
