"""The search box at the top of every page: leads (their title, description, contact fields,
client folder and comments), client folders and people, each group read through the access
policy and the selectors, so that a search never shows what the reader may not see.

As one types, htmx asks for the results under the box; Enter (or a browser without JavaScript)
opens the full page of the same groups, longer."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import User
from leadcrew.accounts.selectors import user_search
from leadcrew.contacts.models import ClientFolder
from leadcrew.contacts.search import search_words
from leadcrew.contacts.selectors import client_folder_search
from leadcrew.core.replicas import reads_from_replica
from leadcrew.leads.models import Lead
from leadcrew.leads.selectors import LeadFilter, filtered_leads, ordered, with_relations
from leadcrew.web.paging import capped_count
from leadcrew.web.views.base import WebRequest, actor_of

MAX_QUERY = 255
RESULTS_TARGET = "topsearch-results"  # the region under the header's box
SHOWN_AS_YOU_TYPE = 5
SHOWN_ON_THE_PAGE = 50


@dataclass
class Results:
    q: str
    leads: list[Lead] = field(default_factory=list)
    lead_count: int = 0
    lead_capped: bool = False
    folders: list[ClientFolder] = field(default_factory=list)
    more_folders: bool = False
    people: list[User] = field(default_factory=list)
    more_people: bool = False

    @property
    def searched(self) -> bool:
        return bool(search_words(self.q))

    @property
    def empty(self) -> bool:
        return not (self.leads or self.folders or self.people)

    @property
    def leads_url(self) -> str:
        """Every lead found, in the lead list (which searches the same way)."""
        return f"{reverse('web:leads')}?{urlencode([('q', self.q)])}"

    @property
    def folders_url(self) -> str:
        return f"{reverse('web:clients')}?{urlencode([('q', self.q)])}"


def search_results(actor: Actor, q: str, size: int) -> Results:
    """Up to `size` of each group: the leads the actor may see (unassigned ones included) with
    the most words of `q` in their title first, the folders they may see, the account's users."""
    results = Results(q=q)
    if not results.searched:
        return results
    leads = filtered_leads(actor, LeadFilter(q=q, include_unassigned=True))
    results.leads = list(with_relations(ordered(leads, "relevance", "desc", q))[:size])
    results.lead_count, results.lead_capped = capped_count(leads)
    folders = list(client_folder_search(actor, q)[: size + 1])
    results.folders, results.more_folders = folders[:size], len(folders) > size
    people = list(user_search(actor, q)[: size + 1])
    results.people, results.more_people = people[:size], len(people) > size
    return results


@login_required
@require_GET
@reads_from_replica
def search(request: WebRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    actor = actor_of(request)
    as_you_type = bool(request.htmx and request.htmx.target == RESULTS_TARGET)
    if as_you_type:
        template = "web/_search_results.html"
        results = search_results(actor, q, SHOWN_AS_YOU_TYPE)
    else:
        template = "web/search.html"
        results = search_results(actor, q, SHOWN_ON_THE_PAGE)
    context: dict[str, Any] = {"results": results, "q": q, "compact": as_you_type}
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
