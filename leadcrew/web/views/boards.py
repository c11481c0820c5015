"""The pipeline board, the unassigned pool and the to-do list."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from leadcrew.access.policy import Action, can
from leadcrew.leads import selectors
from leadcrew.leads.models import Pipeline
from leadcrew.web.forms import StepForm
from leadcrew.web.paging import capped_count, keyset_page
from leadcrew.web.views.base import (
    WebRequest,
    actor_of,
    directory_of,
    int_or_none,
    pager_urls,
    render_page,
)

CARDS_PER_STEP = 20


def _chosen_pipeline(pipelines: list[Pipeline], wanted: int | None) -> Pipeline | None:
    for pipeline in pipelines:
        if pipeline.pk == wanted:
            return pipeline
    return next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)


@login_required
@require_GET
def pipeline_board(request: WebRequest) -> HttpResponse:
    """One column per step of the chosen pipeline: how many open leads and how much, and the
    most recently updated cards. Cards move by drag-and-drop or their menu, when the reader may
    edit the lead (and it has an owner: an unassigned lead keeps its step)."""
    actor = actor_of(request)
    directory = directory_of(request)
    pipeline = _chosen_pipeline(directory.pipelines, int_or_none(request.GET.get("pipeline")))
    mine = request.GET.get("mine") == "1"
    columns: list[dict[str, Any]] = []
    if pipeline is not None:
        steps = pipeline.ordered_steps  # type: ignore[attr-defined]
        board = selectors.pipeline_board(
            actor, pipeline, steps, mine=mine, cards_per_step=CARDS_PER_STEP
        )
        columns = [
            {
                "step": column.step,
                "count": column.count,
                "amount": column.amount,
                "cards": [
                    {
                        "lead": lead,
                        "movable": lead.owner_id is not None and can(actor, Action.EDIT, lead),
                    }
                    for lead in column.cards
                ],
            }
            for column in board
        ]
    step_form = StepForm(directory=directory)
    step_form.fields["step"].choices = [  # type: ignore[attr-defined]
        (str(step.pk), step.name)
        for step in (pipeline.ordered_steps if pipeline else [])  # type: ignore[attr-defined]
    ]
    context = {
        "pipelines": directory.pipelines,
        "pipeline": pipeline,
        "columns": columns,
        "mine": mine,
        "step_form": step_form,
        "currency": actor.account.currency,
        "cards_per_step": CARDS_PER_STEP,
    }
    return render_page(request, "web/pages/pipeline.html", context, regions=("board",))


@login_required
@require_GET
def unassigned_pool(request: WebRequest) -> HttpResponse:
    """The unassigned leads the reader may hand out (the pool is visible to whoever may
    dispatch it), newest first, each with "Take" and "Assign to…"."""
    actor = actor_of(request)
    directory = directory_of(request)
    leads = selectors.unassigned_pool_leads(actor)
    page = keyset_page(
        leads,
        "id",
        "desc",
        after=int_or_none(request.GET.get("after")),
        before=int_or_none(request.GET.get("before")),
    )
    me = request.user
    rows = []
    for lead in page.leads:
        owners = directory.owners_for(lead)
        rows.append(
            {
                "lead": lead,
                "may_take": any(user.pk == me.pk for user in owners),
                "owners": owners,
            }
        )
    count, capped = capped_count(leads)
    context = {
        "rows": rows,
        "page": page,
        "count": count,
        "capped": capped,
        **pager_urls(reverse("web:unassigned"), [], page),
    }
    return render_page(request, "web/pages/unassigned.html", context, regions=("pool",))


@login_required
@require_GET
def todo_list(request: WebRequest) -> HttpResponse:
    """The reader's open leads that have a reminder, the most overdue first; a standby lead
    whose reminder passed is back to "to do" and leads the list."""
    actor = actor_of(request)
    leads = selectors.todo_leads(actor)
    page = keyset_page(
        leads,
        "next_action",
        "asc",
        after=int_or_none(request.GET.get("after")),
        before=int_or_none(request.GET.get("before")),
    )
    count, capped = capped_count(leads)
    context = {
        "page": page,
        "count": count,
        "capped": capped,
        "now": timezone.now(),
        **pager_urls(reverse("web:todo"), [], page),
    }
    return render_page(request, "web/pages/todo.html", context, regions=("todo",))
