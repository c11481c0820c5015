"""The pipeline board, the unassigned pool and the to-do list."""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET

from leadcrew.access.policy import Action, can
from leadcrew.leads import selectors
from leadcrew.leads.models import Pipeline
from leadcrew.teams.models import Team
from leadcrew.web.forms import NOBODY, LeadFilterForm, StepForm
from leadcrew.web.paging import capped_count, cursor_page, keyset_page
from leadcrew.web.views.base import (
    WebRequest,
    actor_of,
    directory_of,
    int_or_none,
    pager_urls,
    render_page,
)
from leadcrew.web.views.leads import list_ordering, sort_headers

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


# The pool's sortable columns (see leads.sort_headers), newest first until the reader sorts.
POOL_COLUMNS = {
    "title": ("alphabetically", "asc"),
    "step": ("sale_step", "asc"),
    "amount": ("amount", "desc"),
    "created": ("creation_date", "desc"),
}
POOL_ORDER = ("creation_date", "desc")


def _pool_filters(request: WebRequest) -> LeadFilterForm:
    """The lead list's filter form, always on unassigned leads: the pool's team, step, tags and
    words, and its sorting."""
    data = request.GET.copy()
    data.setlist("owner", [NOBODY])
    filters = LeadFilterForm(data, directory=directory_of(request))
    filters.is_valid()
    return filters


def _team_options(teams: list[Team], written: dict[tuple[int, ...], str]) -> str:
    """The <option>s of a "Send to a team" menu, written once per list of teams (`written`):
    a page of the pool repeats a few lists of up to every team of the account, which the
    template took a tenth of a second to write option by option."""
    key = tuple(team.pk for team in teams)
    if key not in written:
        written[key] = format_html_join(
            "", '<option value="{}">{}</option>', ((team.pk, team.name) for team in teams)
        )
    return written[key]


@login_required
@require_GET
def unassigned_pool(request: WebRequest) -> HttpResponse:
    """The unassigned leads the reader may hand out (the pool is visible to whoever may
    dispatch it), newest first or as sorted, filtered by team, step, tags and words, each with
    "Take", "Assign to…" and "Send to a team"; several at once from the lead list's bulk
    actions."""
    actor = actor_of(request)
    directory = directory_of(request)
    filters = _pool_filters(request)
    order, direction = list_ordering(filters, POOL_ORDER)
    found = cursor_page(
        actor,
        selectors.unassigned_pool_filter(filters.lead_filter(actor.user_id)),
        order,
        direction,
        after=int_or_none(request.GET.get("after")),
        before=int_or_none(request.GET.get("before")),
    )
    page = found.page
    rows = []
    options: dict[tuple[int, ...], str] = {}
    for lead in page.leads:
        # "Send to a team": the teams the policy lets the reader place it in, not its own.
        teams = [t for t in directory.teams_for(lead) if t.pk != lead.team_id]
        rows.append(
            {
                "lead": lead,
                "may_take": directory.may_give_to(lead, request.user.pk),
                # "Assign to…": a person typed, among those offered as one types.
                "may_assign": directory.may_give_to_someone(lead),
                "teams": teams,
                "team_options": _team_options(teams, options),
            }
        )
    params = [(k, v) for k, v in filters.active_params() if k != "owner"]
    pool_url = reverse("web:unassigned")
    context = {
        "rows": rows,
        "page": page,
        "count": found.count,
        "capped": found.capped,
        "filters": filters,
        "filter_params": params,
        "pool_url": pool_url,
        "sort_headers": sort_headers(
            filters, url=pool_url, columns=POOL_COLUMNS, default=POOL_ORDER
        ),
        # The lead list on the same leads, where bulk actions dispatch many at once.
        "dispatch_url": f"{reverse('web:leads')}?{urlencode(filters.active_params())}",
        **pager_urls(pool_url, params, page),
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
