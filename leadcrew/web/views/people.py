"""The people a person picker offers for what is typed (forms.PersonInput): the options of its
<datalist>, so that no page lists a large account's thousand people in full."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leadcrew.access.actor import Actor
from leadcrew.access.policy import lead_for
from leadcrew.accounts.models import User
from leadcrew.accounts.selectors import account_users, user_search
from leadcrew.contacts.search import search_words
from leadcrew.core.errors import NotFound
from leadcrew.web.choices import Directory, by_name
from leadcrew.web.forms import PICKER_MATCHES, UNASSIGN_LABEL, person_option, picked_text
from leadcrew.web.views.base import WebRequest, directory_of, int_or_none, render_page

# picker -> the form field whose value is what is typed
PICKERS = {"owner": "owner", "assign": "user_id", "lead": "user_id", "new": "user_id"}


def matching_people(actor: Actor, typed: str) -> list[User]:
    """The account's people whose names or e-mail hold every word typed (a picked "Name
    (e-mail)" is read as its e-mail), by name; the first ones of all when nothing is."""
    typed = picked_text(typed)
    people = user_search(actor, typed) if search_words(typed) else account_users(actor)
    # A few more than shown: the assign picker leaves out whom nothing could be given to.
    return by_name(people[: PICKER_MATCHES * 5])


def _offered(
    request: WebRequest, picker: str, directory: Directory, people: list[User]
) -> tuple[list[str], list[str]]:
    """(the picker's own words, the people) it offers."""
    if picker == "owner":
        return [_("Me"), _("Unassigned only")], [person_option(u) for u in people]
    if picker == "lead":  # whom one lead the reader sees could be given to
        lead_id = int_or_none(request.GET.get("lead"))
        try:
            lead = lead_for(directory.actor, lead_id) if lead_id is not None else None
        except NotFound:
            lead = None
        if lead is None:
            raise Http404("No such lead.")
        words = [str(UNASSIGN_LABEL)] if directory.may_unassign(lead) else []
        return words, [person_option(u) for u in directory.owners_among(lead, people)]
    if picker == "new":  # whom a new lead may go to, in the team chosen on its form
        team_id = int_or_none(request.GET.get("team_id"))
        allowed = {team.pk for team in directory.new_lead_teams}
        place = team_id if team_id in allowed else None
        return [], [person_option(u) for u in directory.new_lead_owners_among(people, [place])]
    words = [_("Nobody (unassign)")] if directory.bulk_may_unassign else []
    assignable = list(directory.bulk_owners_among(people))
    return words, [person_option(u) for u in assignable]


@login_required
@require_GET
def people_options(request: WebRequest) -> HttpResponse:
    picker = request.GET.get("for", "")
    if picker not in PICKERS:
        raise Http404("No such picker.")
    directory = directory_of(request)
    typed = request.GET.get(PICKERS[picker], "")
    people = matching_people(directory.actor, typed)
    words, offered = _offered(request, picker, directory, people)
    context = {"words": words, "people": offered[:PICKER_MATCHES]}
    return render_page(request, "web/_people_options.html", context)
