"""The new-lead form's warning: as the title or a key field (e-mail, phone…) is typed, the
leads it would likely duplicate, among those the writer may see."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from leadcrew.contacts.duplicates import draft_duplicates
from leadcrew.contacts.selectors import lead_field_defs
from leadcrew.web.field_forms import LeadValuesForm
from leadcrew.web.views.base import WebRequest, actor_of, render_page

SHOWN = 5


def _typed(request: WebRequest, name: str, limit: int) -> str:
    """What is typed so far in one input. A NUL character (which no stored text can hold) reads
    as a space rather than failing the search."""
    return request.GET.get(name, "")[:limit].replace("\x00", " ")


@login_required
@require_GET
def new_lead_duplicates(request: WebRequest) -> HttpResponse:
    """The "Possible duplicates" region of the new-lead form (htmx swaps it in); empty when
    nothing matches. The lead can be created all the same."""
    actor = actor_of(request)
    prefix = LeadValuesForm.prefix
    values = {
        field.key: _typed(request, f"{prefix}-{field.key}", 1000)
        for field in lead_field_defs(actor)
        if field.is_key
    }
    title = _typed(request, "title", 255)
    leads, total = draft_duplicates(actor, title=title, values=values, limit=SHOWN)
    context = {"duplicates": leads, "duplicates_total": total}
    return render_page(request, "web/leads/_duplicates.html", context)
