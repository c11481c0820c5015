"""A page of a lead's likely duplicates, as lead rows (contacts.selectors.lead_duplicates says
which leads they are), and the first ones of a lead still being written."""

from leadcrew.access.actor import Actor
from leadcrew.contacts.selectors import lead_draft_duplicates, lead_duplicates
from leadcrew.leads.models import Lead
from leadcrew.leads.selectors import LeadRow, lead_rows


def lead_duplicate_page(
    actor: Actor, lead_id: int, *, offset: int, limit: int
) -> tuple[list[LeadRow], int]:
    """One page of the duplicates the actor may see, newest first, and how many there are."""
    duplicates = lead_duplicates(actor, lead_id)
    total = duplicates.count()
    return (lead_rows(duplicates[offset : offset + limit]) if total > offset else []), total


def draft_duplicates(
    actor: Actor, *, title: str, values: dict[str, str], limit: int
) -> tuple[list[Lead], int]:
    """The first `limit` leads (newest first) the actor may see that a lead with this title
    and these key-field values would likely duplicate, and how many there are."""
    duplicates = lead_draft_duplicates(actor, title=title, values=values)
    total = duplicates.count()
    return (list(duplicates.only("pk", "title")[:limit]) if total else []), total
