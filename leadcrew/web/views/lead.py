"""One lead: its page, creating one, and the forms of its page (fields, owner, team, step,
comments, deletion)."""

from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadcrew.access import explain
from leadcrew.access.actor import Actor
from leadcrew.access.policy import Action, Reason, can, team_managers_edit
from leadcrew.activities.selectors import activity_types
from leadcrew.activities.services import FollowUp, activity_log
from leadcrew.contacts.selectors import lead_contact_card, lead_field_defs, lead_values_by_key
from leadcrew.contacts.services import lead_fields_set
from leadcrew.contacts.vocabulary import predefined_tag_list
from leadcrew.core.errors import ApiError, Code, Forbidden, PreconditionFailed
from leadcrew.leads import services
from leadcrew.leads.models import CLOSED_STATUSES, Lead
from leadcrew.leads.selectors import (
    TimelineCursor,
    TimelineShown,
    filtered_leads,
    lead_page_lead,
    lead_timeline,
)
from leadcrew.leads.services import LeadWrite
from leadcrew.web import labels
from leadcrew.web.choices import Directory
from leadcrew.web.field_forms import LeadValuesForm, suggest_tags, watch_duplicates
from leadcrew.web.forms import (
    NOBODY,
    OWNER_MENU_MAX,
    CommentForm,
    LeadDatesForm,
    LeadFilterForm,
    LeadForm,
    NewLeadForm,
    OwnerForm,
    OwnerPickerForm,
    QuickStatusForm,
    StepForm,
    TeamForm,
    person_option,
    show_domain_error,
)
from leadcrew.web.paging import neighbours
from leadcrew.web.views.base import (
    WebRequest,
    actor_of,
    directory_of,
    done,
    render_page,
    safe_next,
)
from leadcrew.web.views.leads import lead_query

OPENED = "opened-"  # the prefix of the hidden inputs that carry a field's value at opening
# The timeline shows this many entries, then "Show more" (the next ones, older).
TIMELINE_SHOWN = 50
SHOWN, BEFORE = "timeline", "before"  # the timeline's query parameters
TIMELINE_FILTERS = {
    TimelineShown.ALL: pgettext_lazy("timeline", "All"),
    TimelineShown.ACTIVITIES: pgettext_lazy("timeline", "Activities"),
    TimelineShown.COMMENTS: pgettext_lazy("timeline", "Comments"),
    TimelineShown.CHANGES: pgettext_lazy("timeline", "Changes"),
}


def _visible_lead(request: WebRequest, lead_id: int) -> Lead:
    """The lead with what its page shows, if the reader may see it; else it does not exist."""
    lead = lead_page_lead(actor_of(request), lead_id)
    if lead is None:
        raise Http404
    return lead


def _lead_url(lead_id: int) -> str:
    return reverse("web:lead", args=[lead_id])


def _initial(lead: Lead) -> dict[str, Any]:
    return {
        "title": lead.title,
        "description": lead.description,
        "amount": lead.amount,
        "currency": lead.currency,
        "probability": lead.probability,
        "status": lead.status,
        "remind_date": lead.remind_date,
        "remind_time": lead.remind_time,
        "step": str(lead.step_id),
        "tags": ", ".join(tag.name for tag in lead.tag_rows.all()),
        "starred": lead.starred,
        "estimated_closing_date": lead.estimated_closing_date,
        "created_at": _to_the_minute(lead.created_at),
        "closed_at": _to_the_minute(lead.closed_at),
    }


def _to_the_minute(value: datetime | None) -> datetime | None:
    """As the date inputs show it (local time, to the minute), so that an untouched input
    compares equal and leaves the stored value alone."""
    if value is None:
        return None
    return value.astimezone(timezone.get_current_timezone()).replace(second=0, microsecond=0)


class EditLeadForm(LeadForm, LeadDatesForm):
    """The lead's fields. The page also carries, hidden, the value each field had when it was
    opened (`opened_inputs`), so that a lead someone else changed meanwhile is told, not
    overwritten."""

    def opened_inputs(self) -> SafeString:
        # Safe to join as markup: each widget escapes the value it renders.
        return mark_safe(
            "".join(
                field.hidden_widget().render(OPENED + name, field.prepare_value(self[name].initial))
                for name, field in self.fields.items()
            )
        )

    def changed_since_opened(self, current: dict[str, Any]) -> list[str]:
        """The labels of the fields whose stored value is no longer the one the page showed
        (a field the request carries no opening value for is taken as unchanged)."""
        changed = []
        for name, field in self.fields.items():
            if OPENED + name not in self.data:
                continue
            opened = field.hidden_widget().value_from_datadict(self.data, self.files, OPENED + name)
            if field.has_changed(current.get(name), opened):
                changed.append(str(field.label))
        return changed

    def lead_data(self) -> LeadWrite:
        data = super().lead_data()
        # The inputs show dates to the minute: sent back untouched, they are left alone rather
        # than rounded. A closing date belongs to a closed lead; left empty, the service sets it.
        if "created_at" in self.changed_data:
            data["created_at"] = self.cleaned_data["created_at"]
        closed_at = self.cleaned_data.get("closed_at")
        if "closed_at" in self.changed_data and data.get("status") in CLOSED_STATUSES and closed_at:
            data["closed_at"] = closed_at
        return data


def _read_only_reason(request: WebRequest, lead: Lead, see: tuple[Reason, ...]) -> str:
    """Why the reader sees the lead, and who may change it: "You can see this lead because you
    are in its team; only its owner and the team's managers can change it." """
    actor = actor_of(request)
    because = "; ".join(str(labels.CALLER_REASONS[r]) for r in see) or _("of your role")
    who = (
        _("only its owner, the team's managers and admins can change it")
        if team_managers_edit(actor, lead)
        else _("only its owner and admins can change it")
    )
    return _("You can see this lead because %(because)s; %(who)s.") % {
        "because": because,
        "who": who,
    }


def _reach(lead: Lead) -> dict[str, str]:
    """The lead's phone and e-mail (its fields `phone` and `email`), as call and mail links."""
    values = lead_values_by_key(lead.pk)
    phone = values.get("phone", "").strip()
    email = values.get("email", "").strip()
    dial = "".join(c for c in phone if c.isascii() and (c.isdigit() or c == "+"))
    return {
        "phone": phone if dial else "",
        "phone_url": f"tel:{dial}" if dial else "",
        "email": email if "@" in email else "",
        "email_url": f"mailto:{quote(email, safe='@')}" if "@" in email else "",
    }


def _list_around(request: WebRequest, lead: Lead) -> dict[str, str]:
    """The list the reader came from (its filters ride along in the lead's URL): the way back
    to it, and its previous and next leads, which keep the same filters."""
    actor = actor_of(request)
    filters = LeadFilterForm(request.GET, directory=directory_of(request))
    filters.is_valid()
    order, direction = filters.ordering
    leads = filtered_leads(actor, filters.lead_filter(actor.user_id))
    near = neighbours(leads, lead.pk, order, direction)
    query = lead_query(filters)
    return {
        "list_back_url": reverse("web:leads") + query,
        "previous_lead_url": _lead_url(near.previous) + query if near.previous else "",
        "next_lead_url": _lead_url(near.next) + query if near.next else "",
        "lead_query": query,
    }


def _owner_form(directory: Directory, lead: Lead) -> OwnerForm | OwnerPickerForm | None:
    """How the reader gives the lead to someone else: a menu of the people it may go to, or in
    an account of many people a picker of them; None when they may give it to no one."""
    may_unassign = directory.may_unassign(lead)
    if directory.active_count > OWNER_MENU_MAX:
        if not (may_unassign or directory.may_give_to_someone(lead)):
            return None
        return OwnerPickerForm(lead_id=lead.pk, owner=lead.owner)
    owners = directory.owners_for(lead)
    if not (owners or may_unassign):
        return None
    initial = {"user_id": str(lead.owner_id or NOBODY)}
    return OwnerForm(initial=initial, owners=owners, may_unassign=may_unassign)


def _page(
    request: WebRequest,
    lead: Lead,
    *,
    form: LeadForm | None = None,
    owner_form: OwnerForm | OwnerPickerForm | None = None,
    team_form: TeamForm | None = None,
    comment_form: CommentForm | None = None,
    values_form: LeadValuesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    directory = directory_of(request)
    moves = explain.place_destinations(lead, directory.destinations)
    access = explain.explain(actor, lead.pk, lead, moves)
    may_edit = access.edit.allowed
    teams = directory.teams_for(lead)
    may_take_out = directory.may_take_out_of_team(lead)
    if form is None:
        form = EditLeadForm(initial=_initial(lead), directory=directory)
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "tag_suggestions": suggest_tags(form, predefined_tag_list(actor)) if may_edit else [],
        "lead": lead,
        "lead_version": services.lead_version(lead.updated_at),
        "form": form,
        "may_edit": may_edit,
        "read_only_reason": ""
        if may_edit
        else _read_only_reason(request, lead, access.see.reasons),
        "may_delete": may_edit and directory.may_delete,
        "owner_form": owner_form or _owner_form(directory, lead),
        "team_form": team_form
        or (
            TeamForm(
                initial={"team_id": str(lead.team_id or NOBODY)},
                teams=teams,
                may_take_out=may_take_out,
            )
            if teams or may_take_out
            else None
        ),
        "teams_on": actor.settings.teams_on,
        "comment_form": comment_form or CommentForm(types=_activity_choices(actor)),
        **_timeline(request, lead),
        "access": access,
        "see_reasons": [labels.CALLER_REASONS[r] for r in access.see.reasons],
        "edit_reasons": [labels.CALLER_REASONS[r] for r in access.edit.reasons],
        "assign_reasons": [labels.CALLER_REASONS[r] for r in access.assign.reasons],
        "is_admin": actor.is_admin,
        "now": timezone.now(),
        "status_form": QuickStatusForm(
            initial={"status": lead.status, "remind_date": lead.remind_date}
        ),
        "step_form": StepForm(initial={"step": str(lead.step_id)}, directory=directory),
        **_list_around(request, lead),
        "contact": lead_contact_card(actor, lead),
        "values_form": values_form or (_values_form(actor, lead) if may_edit else None),
        **_reach(lead),
    }
    return render_page(
        request,
        "web/leads/detail.html",
        context,
        regions=("comments", "timeline", "timeline-more"),
        status=status,
    )


def _timeline(request: WebRequest, lead: Lead) -> dict[str, Any]:
    """One page of the lead's timeline, its filter links and its "Show more" link; each link
    keeps the rest of the page's query (the list the lead was opened from)."""
    wanted = request.GET.get(SHOWN, "")
    shown = TimelineShown(wanted) if wanted in TimelineShown else TimelineShown.ALL
    before = TimelineCursor.parse(request.GET.get(BEFORE, ""))
    page = lead_timeline(lead, shown=shown, before=before, limit=TIMELINE_SHOWN)
    kept = request.GET.copy()
    for key in (SHOWN, BEFORE):
        kept.pop(key, None)

    def url(**extra: str) -> str:
        query = kept.copy()
        query.update({key: value for key, value in extra.items() if value})
        return _lead_url(lead.pk) + ("?" + query.urlencode() if query else "")

    filters = [
        {"value": value, "label": label, "url": url(timeline=value if value != "all" else "")}
        for value, label in TIMELINE_FILTERS.items()
    ]
    return {
        "timeline": page.entries,
        "timeline_shown": shown.value,
        "timeline_filters": filters,
        "timeline_newest_url": url(timeline=_shown_param(shown)) if before else "",
        "timeline_more_url": url(timeline=_shown_param(shown), before=str(page.more))
        if page.more
        else "",
    }


def _shown_param(shown: TimelineShown) -> str:
    return "" if shown == TimelineShown.ALL else shown.value


@login_required
@require_http_methods(["GET", "POST"])
def lead_detail(request: WebRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    if request.method == "GET":
        return _page(request, lead)
    directory = directory_of(request)
    form = EditLeadForm(request.POST, initial=_initial(lead), directory=directory)
    status = 200
    if form.is_valid():
        try:
            conflicts = _save(request, lead, form)
        except ApiError as error:
            show_domain_error(form, error)
            # Seen but not theirs to change: the page again, with the refusal, as a 403.
            if not can(actor_of(request), Action.EDIT, lead):
                status = 403
        else:
            if not conflicts:
                messages.success(request, _("Changes saved."))
                return done(request, _lead_url(lead.pk) + _query_of(request))
            form.add_error(
                None,
                _(
                    "Someone changed this lead since you opened it (%(fields)s). Your changes "
                    "are below and were not saved: check them against the lead as it is now, "
                    "then save again."
                )
                % {"fields": ", ".join(conflicts)},
            )
            status = 409
    return _page(request, lead, form=form, status=status)


def _save(request: WebRequest, lead: Lead, form: EditLeadForm) -> list[str]:
    """Saves the form unless someone changed a field it shows since it was opened; then
    answers which (and saves nothing). A change elsewhere (owner, team) is no conflict."""
    actor = actor_of(request)
    opened_at = request.POST.get("version")
    guard = services.Precondition(versions=frozenset({opened_at})) if opened_at else None
    try:
        services.lead_update(
            actor=actor, lead_id=lead.pk, data=form.lead_data(), precondition=guard
        )
    except PreconditionFailed:
        conflicts = form.changed_since_opened(_initial(lead))
        if conflicts:
            return conflicts
        services.lead_update(actor=actor, lead_id=lead.pk, data=form.lead_data())
    return []


# The refusals of lead_create that name no parameter, shown on the new lead form's field
# they are about.
NEW_LEAD_REFUSALS = {Code.ASSIGNEE_FORBIDDEN: "user_id", Code.CREATE_IN_TEAM_FORBIDDEN: "team_id"}


@login_required
@require_http_methods(["GET", "POST"])
def lead_new(request: WebRequest) -> HttpResponse:
    actor = actor_of(request)
    directory = directory_of(request)
    me = request.user
    teams = directory.new_lead_teams
    initial = {
        "currency": actor.account.currency,
        "user_id": str(me.pk),
        "step": str(_first_step_id(directory)),
        "status": "todo",
    }
    # Who the new lead may go to, in no team or in any team the creator may put it in: a menu,
    # or in an account of many people a picker that asks for the team chosen.
    offered: list[Any] | None = None
    if directory.active_count > OWNER_MENU_MAX:
        initial["user_id"] = person_option(me)
    else:
        places = [None, *(team.pk for team in teams)]
        owners = directory.new_lead_owners_among(directory.active_users, places)
        offered = [me, *(user for user in owners if user.pk != me.pk)]
    form = NewLeadForm(
        request.POST or None, initial=initial, directory=directory, owners=offered, teams=teams
    )
    values_form = LeadValuesForm(request.POST or None, defs=lead_field_defs(actor))
    watch_duplicates(form, values_form, reverse("web:lead_new_duplicates"))
    # Both forms checked, so that every mistake is shown at once.
    if request.method == "POST" and all([form.is_valid(), values_form.is_valid()]):
        data = form.lead_data()
        values = values_form.lead_values(filled_only=True)
        if values:  # else the description's header, if any, sets them
            data["fields"] = values
        try:
            lead = services.lead_create(actor=actor, data=data, created_from="web")
        except ApiError as error:
            if error.code in NEW_LEAD_REFUSALS:
                form.add_error(NEW_LEAD_REFUSALS[error.code], error.text())
            elif not values_form.show_error(error):
                show_domain_error(form, error)
        else:
            messages.success(request, _("Lead created."))
            if can(actor, Action.SEE, lead):
                return done(request, _lead_url(lead.pk))
            return done(request, reverse("web:leads"))
    context = {
        "form": form,
        "values_form": values_form,
        "tag_suggestions": suggest_tags(form, predefined_tag_list(actor)),
    }
    return render_page(request, "web/leads/new.html", context)


def _values_form(actor: Actor, lead: Lead) -> LeadValuesForm:
    """The lead's "Edit fields" form, showing its values."""
    defs = lead_field_defs(actor)
    initial = LeadValuesForm.initial_of(lead_values_by_key(lead.pk), defs)
    return LeadValuesForm(initial=initial, defs=defs)


@login_required
@require_POST
def lead_fields(request: WebRequest, lead_id: int) -> HttpResponse:
    """The lead page's "Edit fields": every value checked by the service the API uses, and
    either all saved or none."""
    lead = _visible_lead(request, lead_id)
    actor = actor_of(request)
    form = LeadValuesForm(request.POST, defs=lead_field_defs(actor))
    status = 200
    if form.is_valid():
        try:
            lead_fields_set(actor=actor, lead_id=lead.pk, values=form.lead_values())
        except ApiError as error:
            if not form.show_error(error):
                form.add_error(None, error.text())
            if not can(actor, Action.EDIT, lead):
                status = 403
        else:
            messages.success(request, _("Fields saved."))
            return done(request, _lead_url(lead.pk) + _query_of(request) + "#contact-title")
    return _page(request, lead, values_form=form, status=status)


def _first_step_id(directory: Directory) -> int | None:
    for pipeline in directory.pipelines:
        if pipeline.is_default and pipeline.ordered_steps:  # type: ignore[attr-defined]
            return pipeline.ordered_steps[0].pk  # type: ignore[attr-defined, no-any-return]
    return None


def _query_of(request: WebRequest) -> str:
    """The list's filters the lead's URL carries, kept across the lead page's own forms."""
    directory = directory_of(request)
    filters = LeadFilterForm(request.GET, directory=directory)
    filters.is_valid()
    return lead_query(filters)


@login_required
@require_POST
def lead_status(request: WebRequest, lead_id: int) -> HttpResponse:
    """The quick status change of the lead page (standby with the day it comes back)."""
    lead = _visible_lead(request, lead_id)
    form = QuickStatusForm(request.POST)
    if form.is_valid():
        data: LeadWrite = {"status": form.cleaned_data["status"]}
        if form.cleaned_data["remind_date"]:
            data["remind_date"] = form.cleaned_data["remind_date"]
        try:
            services.lead_update(actor=actor_of(request), lead_id=lead.pk, data=data)
        except ApiError as error:
            messages.error(request, error.text())
        else:
            messages.success(request, _("Status changed."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    return _after_write(request, lead.pk, _lead_url(lead.pk) + _query_of(request))


def _after_write(request: WebRequest, lead_id: int, default: str) -> HttpResponse:
    return done(request, safe_next(request, request.POST.get("next"), default))


@login_required
@require_POST
def lead_owner(request: WebRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    directory = directory_of(request)
    form = OwnerForm(
        request.POST,
        owners=directory.owners_for(lead),
        may_unassign=directory.may_unassign(lead),
        actor=actor_of(request),
    )
    if form.is_valid():
        try:
            services.lead_assign(
                actor=actor_of(request), lead_id=lead.pk, user_ref=form.owner_ref()
            )
        except ApiError as error:
            messages.error(request, error.text())
        else:
            messages.success(request, _("Owner changed."))
            return _after_write(request, lead.pk, _lead_url(lead.pk))
    elif not request.POST.get("user_id"):
        messages.error(request, _("Choose a person first."))
    else:
        messages.error(request, _("You may not give this lead to that user."))
    return _after_write(request, lead.pk, _lead_url(lead.pk))


@login_required
@require_POST
def lead_team(request: WebRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    directory = directory_of(request)
    form = TeamForm(
        request.POST,
        teams=directory.teams_for(lead),
        may_take_out=directory.may_take_out_of_team(lead),
    )
    if form.is_valid():
        try:
            services.lead_update(
                actor=actor_of(request), lead_id=lead.pk, data={"team_id": form.team_ref()}
            )
        except ApiError as error:
            messages.error(request, error.text())
        else:
            messages.success(request, _("Team changed."))
    elif not request.POST.get("team_id"):
        messages.error(request, _("Choose a team first."))
    else:
        messages.error(request, _("You may not move this lead to that team."))
    return _after_write(request, lead.pk, _lead_url(lead.pk))


@login_required
@require_POST
def lead_step(request: WebRequest, lead_id: int) -> HttpResponse:
    """Moves a lead to another step (the pipeline's drag-and-drop and its menu)."""
    lead = _visible_lead(request, lead_id)
    form = StepForm(request.POST, directory=directory_of(request))
    if form.is_valid():
        try:
            services.lead_update(
                actor=actor_of(request),
                lead_id=lead.pk,
                data={"step": int(form.cleaned_data["step"])},
            )
        except ApiError as error:
            messages.error(request, error.text())
    else:
        messages.error(request, _("No such step."))
    return _after_write(request, lead.pk, _lead_url(lead.pk) + _query_of(request))


@login_required
@require_POST
def lead_comment(request: WebRequest, lead_id: int) -> HttpResponse:
    """A comment, or "Log an activity" with its optional follow-up reminder, in one step."""
    lead = _visible_lead(request, lead_id)
    actor = actor_of(request)
    form = CommentForm(request.POST, types=_activity_choices(actor))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["activity"]:
                follow_up = None
                if data["remind_date"] is not None:
                    follow_up = FollowUp(
                        remind_date=data["remind_date"],
                        remind_time=data["remind_time"],
                        activity_id=data["remind_activity"] or None,
                        note=data["remind_note"],
                    )
                activity_log(
                    actor=actor,
                    lead_id=lead.pk,
                    activity_id=data["activity"],
                    content=data["content"],
                    follow_up=follow_up,
                )
            else:
                services.comment_create(
                    actor=actor, lead_id=lead.pk, data={"content": data["content"]}
                )
        except ApiError as error:
            show_domain_error(form, error)
        else:
            return done(request, _lead_url(lead.pk) + "#comments")
    return _page(request, lead, comment_form=form)


def _activity_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(kind.pk, kind.name) for kind in activity_types(actor, loggable_only=True)]


@login_required
@require_POST
def lead_delete(request: WebRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    try:
        services.lead_delete(actor=actor_of(request), lead_id=lead.pk)
    except Forbidden as error:
        messages.error(request, error.text())
        return done(request, _lead_url(lead.pk))
    messages.success(request, _("“%(title)s” was sent to the bin.") % {"title": lead.title})
    return done(request, reverse("web:leads"))


@login_required
@require_GET
def lead_access(request: WebRequest, lead_id: int) -> HttpResponse:
    """Who can see, edit and assign the lead, and why: the reader's own rights, and for an admin
    every active user's."""
    lead = _visible_lead(request, lead_id)
    actor = actor_of(request)
    access = explain.lead_access(actor, lead.pk)
    directory = directory_of(request)
    names = {user.pk: user for user in directory.users}
    rows = [
        {"user": names.get(row.user_id or 0), "access": row}
        for row in (access.users or [])
        if row.see.allowed
    ]
    context = {"lead": lead, "access": access, "rows": rows, "is_admin": actor.is_admin}
    return render_page(request, "web/leads/access.html", context, regions=("everyone",))
