"""A page of a lead's likely duplicates, as lead rows (contacts.selectors.lead_duplicates says
which leads they are)."""

from leadcrew.access.actor import Actor
from leadcrew.contacts.selectors import lead_duplicates
from leadcrew.leads.selectors import LeadRow, lead_rows


def lead_duplicate_page(
    actor: Actor, lead_id: int, *, offset: int, limit: int
) -> tuple[list[LeadRow], int]:
    """One page of the duplicates the actor may see, newest first, and how many there are."""
    duplicates = lead_duplicates(actor, lead_id)
    total = duplicates.count()
    return (lead_rows(duplicates[offset : offset + limit]) if total > offset else []), total
