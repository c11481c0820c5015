"""The admin panel: roles & privacy (with the preview of a change), teams, users, pipelines,
API keys and the sensitive-actions log. Admins only; every write goes through its service."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadcrew.access.preview import settings_preview
from leadcrew.accounts import data_export, deletion_services, password_links
from leadcrew.accounts import selectors as account_selectors
from leadcrew.accounts import services as account_services
from leadcrew.accounts.models import Edition, User
from leadcrew.accounts.services import SettingsChange
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.selectors import sensitive_action_list
from leadcrew.core.errors import ApiError
from leadcrew.core.lookups import PATH_RECORDS, ensure_in_account
from leadcrew.leads import pipeline_services
from leadcrew.leads import selectors as lead_selectors
from leadcrew.teams import selectors as team_selectors
from leadcrew.teams import services as team_services
from leadcrew.web import admin_labels
from leadcrew.web.admin_forms import (
    PEOPLE_LIST,
    ApiKeyForm,
    LogFilterForm,
    MemberAddForm,
    PipelineCreateForm,
    PipelineNameForm,
    SettingsForm,
    StepNameForm,
    TeamNameForm,
    UserCreateForm,
    UserDeleteForm,
    UserEditForm,
    UserSearchForm,
    show_admin_error,
)
from leadcrew.web.choices import by_name, user_label
from leadcrew.web.forms import person_option
from leadcrew.web.views.base import WebRequest, actor_of, directory_of, render_page

LOG_PAGE_SIZE = 50
USERS_PAGE_SIZE = 50

View = Callable[..., HttpResponseBase]


def admin_required(view: View) -> View:
    """Logged in and admin; anyone else gets the 403 page (the panel's links are not shown
    to them, so only a typed or shared URL leads here). The ids the URL names (`team_id`,
    `user_id`, ...) must be of the admin's account, or the answer is the 404 page, whatever the
    method: before any form is read or any service called, so another account's id changes
    nothing and reads exactly like an id that does not exist."""

    @login_required
    @wraps(view)
    def checked(request: WebRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_admin:
            message = _("Only admins may open the admin panel.")
            return render(request, "403.html", {"message": message}, status=403)
        ids = {name: value for name, value in kwargs.items() if name in PATH_RECORDS}
        ensure_in_account(actor_of(request), **ids)
        return view(request, *args, **kwargs)

    return checked


def _again(name: str, *args: Any, anchor: str = "") -> HttpResponse:
    """After a successful post: back to the page with a GET (303), at the changed item."""
    return HttpResponseRedirect(reverse(name, args=args) + anchor, status=303)


def _refused(request: WebRequest, error: ApiError) -> None:
    messages.error(request, error.text())


@admin_required
@require_GET
def settings_home(request: WebRequest) -> HttpResponse:
    return _again("web:settings_privacy")


# --- Roles & privacy ---------------------------------------------------------------------------


def _preview_rows(request: WebRequest, change: SettingsChange) -> list[dict[str, Any]]:
    """Per user whose access would change, what they gain and lose, the largest change first."""
    actor = actor_of(request)
    names = {user.pk: user for user in directory_of(request).users}
    found: list[tuple[int, str, dict[str, Any]]] = []
    for access in settings_preview(actor=actor, change=change):
        total = access.see_gained + access.see_lost + access.edit_gained + access.edit_lost
        if total:
            user = names.get(access.user_id)
            row = {"user": user, "change": access, "total": total}
            found.append((-total, user_label(user).casefold(), row))
    found.sort(key=lambda item: item[:2])
    return [row for _total, _name, row in found]


def _changed_settings(form: SettingsForm, initial: dict[str, Any]) -> list[dict[str, str]]:
    """The settings the form changes, as "name: old → new"."""
    rows = []
    for name, label in admin_labels.SETTING_LABELS.items():
        new = form.cleaned_data.get(name)
        old = initial.get(name)
        if name in form.cleaned_data and new != old:
            rows.append(
                {
                    "label": str(label),
                    "old": admin_labels.setting_value(name, old),
                    "new": admin_labels.setting_value(name, new),
                }
            )
    return rows


@admin_required
@require_http_methods(["GET", "POST"])
def settings_privacy(request: WebRequest) -> HttpResponse:
    """The account's settings. "Preview the effect" checks them as saving would and shows, per
    user, the leads they would start or stop seeing and editing; nothing is saved until "Save"."""
    actor = actor_of(request)
    account = account_selectors.account_settings(actor=actor)
    initial = SettingsForm.initial_of(account)
    form = SettingsForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"section": "privacy", "form": form, "account": account}
    if request.method == "POST" and form.is_valid():
        try:
            if "preview" in request.POST:
                context["preview"] = _preview_rows(request, form.change())
                context["changed"] = _changed_settings(form, initial)
            else:
                account_services.account_settings_update(actor=actor, change=form.change())
        except ApiError as error:
            show_admin_error(form, error)
        else:
            if "preview" not in request.POST:
                messages.success(request, _("Settings saved. They apply from the next page on."))
                return _again("web:settings_privacy")
    context["dream_team"] = (
        form.data.get("edition") if form.is_bound else account.edition
    ) == Edition.DREAM_TEAM
    return render_page(request, "web/settings/privacy.html", context)


# --- Teams -------------------------------------------------------------------------------------


def _teams_page(request: WebRequest, *, create_form: TeamNameForm | None = None) -> HttpResponse:
    """Every team in one table (its members, managers, leads and dispatch), each leading to
    its own page. Every team's members and forms on one page took most of a second and
    megabytes of HTML in an account of 100 teams of 20 people."""
    actor = actor_of(request)
    context: dict[str, Any] = {"section": "teams", "teams_on": actor.settings.teams_on}
    if actor.settings.teams_on:
        lead_counts = lead_selectors.lead_counts_per_team(actor)
        rows = []
        for team in team_selectors.team_list(actor=actor):
            members = list(team.memberships.all())
            rows.append(
                {
                    "team": team,
                    "members": len(members),
                    "managers": [m.user for m in members if m.is_manager],
                    "leads": lead_counts.get(team.pk, 0),
                }
            )
        context["rows"] = rows
        context["create_form"] = create_form or TeamNameForm(prefix="new")
    return render_page(request, "web/settings/teams.html", context)


def _team_page(
    request: WebRequest, team_id: int, *, bound: dict[str, Any] | None = None
) -> HttpResponse:
    """One team: its members and their roles, and the forms that change them; `bound` carries
    a form back with its errors ("member" or "rename")."""
    actor = actor_of(request)
    if not actor.settings.teams_on:
        return _again("web:settings_teams")
    bound = bound or {}
    team = team_selectors.team_get(actor=actor, team_id=team_id)
    members = list(team.memberships.all())
    users = directory_of(request).active_users
    context: dict[str, Any] = {
        "section": "teams",
        "team": team,
        "members": members,
        "managers": sum(1 for m in members if m.is_manager),
        "leads": lead_selectors.lead_count_in_team(actor, team.pk),
        "rename_form": bound.get("rename")
        or TeamNameForm(initial={"name": team.name}, prefix=f"team{team.pk}"),
        "member_form": bound.get("member")
        or MemberAddForm(candidates=users, prefix=f"member{team.pk}"),
        "has_candidates": len(members) < len(users),
        "people": [person_option(user) for user in users],
        "people_list": PEOPLE_LIST,
    }
    return render_page(request, "web/settings/team.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def settings_teams(request: WebRequest) -> HttpResponse:
    if request.method == "GET":
        return _teams_page(request)
    form = TeamNameForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            team = team_services.team_create(
                actor=actor_of(request), name=form.cleaned_data["name"]
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Team “%(name)s” created.") % {"name": team.name})
            return _again("web:settings_team", team.pk)
    return _teams_page(request, create_form=form)


@admin_required
@require_GET
def settings_team(request: WebRequest, team_id: int) -> HttpResponse:
    return _team_page(request, team_id)


@admin_required
@require_POST
def team_rename(request: WebRequest, team_id: int) -> HttpResponse:
    form = TeamNameForm(request.POST, prefix=f"team{team_id}")
    if form.is_valid():
        try:
            team_services.team_update(
                actor=actor_of(request), team_id=team_id, name=form.cleaned_data["name"]
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Team renamed."))
            return _again("web:settings_team", team_id)
    return _team_page(request, team_id, bound={"rename": form})


@admin_required
@require_POST
def team_delete(request: WebRequest, team_id: int) -> HttpResponse:
    try:
        moved = team_services.team_delete(actor=actor_of(request), team_id=team_id)
    except ApiError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "Team deleted; %(count)s lead kept its owner and left the team.",
                "Team deleted; %(count)s leads kept their owner and left the team.",
                moved,
            )
            % {"count": moved},
        )
    return _again("web:settings_teams")


@admin_required
@require_POST
def team_member_add(request: WebRequest, team_id: int) -> HttpResponse:
    users = directory_of(request).active_users
    form = MemberAddForm(request.POST, candidates=users, prefix=f"member{team_id}")
    if form.is_valid():
        try:
            team_services.team_member_add(
                actor=actor_of(request),
                team_id=team_id,
                user_ref=form.cleaned_data["user_id"],
                is_manager=form.cleaned_data["is_manager"],
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Member added."))
            return _again("web:settings_team", team_id)
    return _team_page(request, team_id, bound={"member": form})


@admin_required
@require_POST
def team_member_remove(request: WebRequest, team_id: int, user_id: int) -> HttpResponse:
    try:
        team_services.team_member_remove(actor=actor_of(request), team_id=team_id, user_ref=user_id)
    except ApiError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Member removed; their leads stay in the team."))
    return _again("web:settings_team", team_id)


@admin_required
@require_POST
def team_member_manager(request: WebRequest, team_id: int, user_id: int) -> HttpResponse:
    is_manager = request.POST.get("is_manager") == "1"
    try:
        team_services.team_member_add(
            actor=actor_of(request), team_id=team_id, user_ref=user_id, is_manager=is_manager
        )
    except ApiError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Now a manager of the team.") if is_manager else _("Now a plain member.")
        )
    return _again("web:settings_team", team_id)


@admin_required
@require_POST
def team_round_robin(request: WebRequest, team_id: int) -> HttpResponse:
    on = request.POST.get("round_robin") == "1"
    try:
        team_services.team_settings_update(actor=actor_of(request), team_id=team_id, round_robin=on)
    except ApiError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Round-robin dispatch turned on.") if on else _("Round-robin dispatch turned off."),
        )
    return _again("web:settings_team", team_id)


# --- Users -------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def settings_users(request: WebRequest) -> HttpResponse:
    actor = actor_of(request)
    form = UserCreateForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_create(actor=actor, **form.user_data())
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(
                request, _("%(name)s can now be given leads.") % {"name": user_label(user)}
            )
            if form.cleaned_data["invite"]:
                _invite(request, user.pk)
            # The list found by the new user's address: their row, whichever page it is on.
            query = urlencode({"q": user.email})
            return _again("web:settings_users", anchor=f"?{query}#user-{user.pk}")
    return _users_page(request, form)


def _users_page(request: WebRequest, form: UserCreateForm) -> HttpResponse:
    """The users by name, a page at a time, found by part of their name or e-mail; and the
    form that creates one."""
    actor = actor_of(request)
    search = UserSearchForm(request.GET)
    words = search.words()
    ids = account_selectors.user_ids_by_name(actor, words)
    page = Paginator(ids, USERS_PAGE_SIZE).get_page(request.GET.get("page"))
    # With their teams and roles, which the page lists (the directory has only team ids).
    found = account_selectors.account_users(actor).in_bulk(page.object_list)
    context = {
        "section": "users",
        "users": [found[user_id] for user_id in page.object_list if user_id in found],
        "page": page,
        "search": search,
        "words": words,
        "query": f"{urlencode({'q': words})}&" if words else "",
        "form": form,
        "teams_on": actor.settings.teams_on,
        "me": request.user,
    }
    return render_page(request, "web/settings/users.html", context)


def _invite(request: WebRequest, user_id: int) -> None:
    """E-mails the user the link to set their password, and says whether it left."""
    try:
        user = password_links.invitation_send(actor=actor_of(request), user_id=user_id)
    except ApiError as error:
        _refused(request, error)
    except OSError:
        messages.error(
            request,
            _(
                "The invitation could not be e-mailed: check the server's e-mail settings "
                "(LEADCREW_EMAIL_URL), then send it again from the list of users."
            ),
        )
    else:
        messages.success(
            request,
            _("An invitation to set a password was e-mailed to %(email)s.") % {"email": user.email},
        )


@admin_required
@require_POST
def user_invite(request: WebRequest, user_id: int) -> HttpResponse:
    """Sends the invitation e-mail, or sends it again when the first one got lost or its link
    expired."""
    _invite(request, user_id)
    return _again("web:settings_users", anchor=f"#user-{user_id}")


def _delete_form(request: WebRequest, user_id: int, data: Any = None) -> UserDeleteForm:
    """Who may take a deleted user's leads: any other active user (Assign 1, as an admin)."""
    candidates = [u for u in directory_of(request).active_users if u.pk != user_id]
    return UserDeleteForm(data, candidates=by_name(candidates), prefix="delete")


def _user_page(
    request: WebRequest,
    user: User,
    form: UserEditForm | None = None,
    delete_form: UserDeleteForm | None = None,
) -> HttpResponse:
    context = {
        "section": "users",
        "person": user,
        "form": form or UserEditForm(initial=_user_initial(user)),
        "delete_form": delete_form or _delete_form(request, user.pk),
        "me": request.user,
    }
    return render_page(request, "web/settings/user.html", context)


def _user_initial(user: User) -> dict[str, Any]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "locale": user.locale,
        "is_admin": user.is_admin,
    }


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: WebRequest, user_id: int) -> HttpResponse:
    actor = actor_of(request)
    user = account_selectors.user_get(actor=actor, user_id=user_id)
    form = UserEditForm(request.POST or None, initial=_user_initial(user))
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_update(actor=actor, user_id=user.pk, **form.user_data())
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return _again("web:settings_users", anchor=f"#user-{user.pk}")
    return _user_page(request, user, form=form)


@admin_required
@require_POST
def user_delete(request: WebRequest, user_id: int) -> HttpResponse:
    """Deletes the user for good, their leads going to the chosen user or to the pool."""
    actor = actor_of(request)
    form = _delete_form(request, user_id, request.POST)
    if form.is_valid():
        try:
            deleted = deletion_services.user_delete(
                actor=actor, user_id=user_id, reassign_to=form.new_owner()
            )
        except ApiError as error:
            if error.field not in form.fields:  # yourself, the last admin: no field to show it on
                _refused(request, error)
                return _again("web:user_edit", user_id)
            show_admin_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "The user is deleted; %(count)s of their leads was handed over.",
                    "The user is deleted; %(count)s of their leads were handed over.",
                    deleted.leads,
                )
                % {"count": deleted.leads},
            )
            return _again("web:settings_users")
    user = account_selectors.user_get(actor=actor, user_id=user_id)
    return _user_page(request, user, delete_form=form)


@admin_required
@require_POST
def user_active(request: WebRequest, user_id: int) -> HttpResponse:
    """Disables (`active=0`) or enables (`active=1`) a user."""
    actor = actor_of(request)
    enable = request.POST.get("active") == "1"
    try:
        if enable:
            user = account_services.user_enable(actor=actor, user_id=user_id)
        else:
            user = account_services.user_disable(actor=actor, user_id=user_id)
    except ApiError as error:
        _refused(request, error)
    else:
        text = _("%(name)s is enabled.") if enable else _("%(name)s is disabled.")
        messages.success(request, text % {"name": user_label(user)})
    return _again("web:settings_users", anchor=f"#user-{user_id}")


# --- Pipelines ---------------------------------------------------------------------------------


def _pipelines_page(
    request: WebRequest,
    *,
    create_form: PipelineCreateForm | None = None,
    bound: dict[tuple[str, int], Any] | None = None,
) -> HttpResponse:
    actor = actor_of(request)
    bound = bound or {}
    pipelines = directory_of(request).pipelines
    per_step = lead_selectors.lead_counts_per_step(actor)
    cards = []
    for pipeline in pipelines:
        steps = pipeline.ordered_steps  # type: ignore[attr-defined]
        rows = [
            {
                "step": step,
                "leads": per_step.get(step.pk, 0),
                "form": bound.get(("step", step.pk))
                or StepNameForm(initial={"name": step.name}, prefix=f"step{step.pk}"),
                "first": index == 0,
                # The service refuses the rest; a step in the bin's leads is its to explain.
                "deletable": not per_step.get(step.pk)
                and not (pipeline.is_default and len(steps) == 1),
                "last": index == len(steps) - 1,
            }
            for index, step in enumerate(steps)
        ]
        cards.append(
            {
                "pipeline": pipeline,
                "steps": rows,
                "leads": sum(row["leads"] for row in rows),
                "rename_form": bound.get(("pipeline", pipeline.pk))
                or PipelineNameForm(
                    initial={"name": pipeline.name}, prefix=f"pipeline{pipeline.pk}"
                ),
                "step_form": bound.get(("new_step", pipeline.pk))
                or StepNameForm(prefix=f"newstep{pipeline.pk}"),
            }
        )
    context = {
        "section": "pipelines",
        "cards": cards,
        "create_form": create_form or PipelineCreateForm(prefix="new"),
    }
    return render_page(request, "web/settings/pipelines.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def settings_pipelines(request: WebRequest) -> HttpResponse:
    if request.method == "GET":
        return _pipelines_page(request)
    form = PipelineCreateForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            pipeline = pipeline_services.pipeline_create(
                actor=actor_of(request),
                name=form.cleaned_data["name"],
                is_default=form.cleaned_data["is_default"],
                step_names=form.step_names(),
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Pipeline “%(name)s” created.") % {"name": pipeline.name})
            return _again("web:settings_pipelines", anchor=f"#pipeline-{pipeline.pk}")
    return _pipelines_page(request, create_form=form)


@admin_required
@require_POST
def pipeline_edit(request: WebRequest, pipeline_id: int) -> HttpResponse:
    """Renames the pipeline, or (`default=1`) makes it the default."""
    actor = actor_of(request)
    if request.POST.get("default") == "1":
        try:
            pipeline_services.pipeline_update(actor=actor, pipeline_id=pipeline_id, is_default=True)
        except ApiError as error:
            _refused(request, error)
        else:
            messages.success(request, _("New leads now go to this pipeline by default."))
        return _again("web:settings_pipelines", anchor=f"#pipeline-{pipeline_id}")
    form = PipelineNameForm(request.POST, prefix=f"pipeline{pipeline_id}")
    if form.is_valid():
        try:
            pipeline_services.pipeline_update(
                actor=actor, pipeline_id=pipeline_id, name=form.cleaned_data["name"]
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Pipeline renamed."))
            return _again("web:settings_pipelines", anchor=f"#pipeline-{pipeline_id}")
    return _pipelines_page(request, bound={("pipeline", pipeline_id): form})


@admin_required
@require_POST
def pipeline_delete(request: WebRequest, pipeline_id: int) -> HttpResponse:
    try:
        pipeline_services.pipeline_delete(actor=actor_of(request), pipeline_id=pipeline_id)
    except ApiError as error:
        _refused(request, error)
        return _again("web:settings_pipelines", anchor=f"#pipeline-{pipeline_id}")
    messages.success(request, _("Pipeline deleted."))
    return _again("web:settings_pipelines")


@admin_required
@require_POST
def step_add(request: WebRequest, pipeline_id: int) -> HttpResponse:
    form = StepNameForm(request.POST, prefix=f"newstep{pipeline_id}")
    if form.is_valid():
        try:
            pipeline_services.step_create(
                actor=actor_of(request), pipeline_id=pipeline_id, name=form.cleaned_data["name"]
            )
        except ApiError as error:
            show_admin_error(form, error, aliases={"pipeline_id": "name"})
        else:
            messages.success(request, _("Step added."))
            return _again("web:settings_pipelines", anchor=f"#pipeline-{pipeline_id}")
    return _pipelines_page(request, bound={("new_step", pipeline_id): form})


@admin_required
@require_POST
def step_edit(request: WebRequest, step_id: int) -> HttpResponse:
    """Renames the step, or moves it one place (`move=up` / `move=down`)."""
    actor = actor_of(request)
    step = next(
        (s for p in directory_of(request).pipelines for s in p.ordered_steps if s.pk == step_id),  # type: ignore[attr-defined]
        None,
    )
    anchor = f"#pipeline-{step.pipeline_id}" if step is not None else ""
    move = request.POST.get("move")
    if move in ("up", "down"):
        position = (step.position if step else 0) + (-1 if move == "up" else 1)
        try:
            pipeline_services.step_update(actor=actor, step_id=step_id, position=max(position, 0))
        except ApiError as error:
            _refused(request, error)
        return _again("web:settings_pipelines", anchor=anchor)
    form = StepNameForm(request.POST, prefix=f"step{step_id}")
    if form.is_valid():
        try:
            pipeline_services.step_update(
                actor=actor, step_id=step_id, name=form.cleaned_data["name"]
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(request, _("Step renamed."))
            return _again("web:settings_pipelines", anchor=anchor)
    return _pipelines_page(request, bound={("step", step_id): form})


@admin_required
@require_POST
def step_delete(request: WebRequest, step_id: int) -> HttpResponse:
    try:
        pipeline_services.step_delete(actor=actor_of(request), step_id=step_id)
    except ApiError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Step deleted."))
    return _again("web:settings_pipelines")


# --- API keys ----------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def settings_api_keys(request: WebRequest) -> HttpResponse:
    """The account's keys. A new key's secret is in this one answer only: it is never stored in
    clear, so it is shown here, once, and never put in a session or a URL."""
    actor = actor_of(request)
    form = ApiKeyForm(request.POST or None, prefix="new")
    context: dict[str, Any] = {"section": "api_keys"}
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = account_services.api_key_create(
                actor=actor, name=form.cleaned_data["name"]
            )
        except ApiError as error:
            show_admin_error(form, error)
        else:
            context |= {"new_key": key, "secret": secret}
            form = ApiKeyForm(prefix="new")
    context |= {
        "form": form,
        "keys": list(account_selectors.api_key_list(actor=actor)),
    }
    response = render_page(request, "web/settings/api_keys.html", context)
    if "secret" in context:
        response["Cache-Control"] = "no-store"
    return response


@admin_required
@require_POST
def api_key_revoke(request: WebRequest, key_id: int) -> HttpResponse:
    try:
        key = account_services.api_key_revoke(actor=actor_of(request), key_id=key_id)
    except ApiError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Key “%(name)s” revoked: it no longer works.") % {"name": key.name}
        )
    return _again("web:settings_api_keys")


# --- Your data ---------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def settings_data(request: WebRequest) -> HttpResponseBase:
    """The account's data as one archive: what it holds, and (POST) the download itself,
    logged as an export."""
    if request.method == "POST":
        actor = actor_of(request)
        try:
            archive = data_export.account_export(actor=actor)
        except ApiError as error:
            _refused(request, error)
            return _again("web:settings_data")
        return FileResponse(
            archive,
            as_attachment=True,
            filename=data_export.archive_name(actor),
            content_type="application/zip",
        )
    return render_page(request, "web/settings/data.html", {"section": "data"})


# --- The sensitive-actions log -----------------------------------------------------------------


@admin_required
@require_GET
def settings_log(request: WebRequest) -> HttpResponse:
    """Newest first, 50 a page, filtered by action."""
    actor = actor_of(request)
    form = LogFilterForm(request.GET)
    action = None
    if form.is_valid() and form.cleaned_data.get("action"):
        action = SensitiveActionType(form.cleaned_data["action"])
    entries = sensitive_action_list(actor=actor, action=action)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"action={action.value}&" if action else ""
    context = {
        "section": "log",
        "form": form,
        "page": page,
        "rows": [{"entry": e, "details": admin_labels.log_details(e)} for e in page.object_list],
        "query": query,
    }
    return render_page(request, "web/settings/log.html", context, regions=("log",))
