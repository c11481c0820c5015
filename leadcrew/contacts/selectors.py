"""Reads of fields, client folders and the tag vocabulary: each starts from the actor's
account; anything about leads starts from the access policy."""

from dataclasses import dataclass
from typing import Any

from django.db import router
from django.db.models import Count, F, Func, Q, QuerySet

from leadcrew.access.actor import Actor
from leadcrew.access.policy import lead_for, leads_for, live_leads_of
from leadcrew.accounts.models import Privacy
from leadcrew.accounts.selectors import ensure_admin
from leadcrew.contacts.models import ClientFolder, Field, FieldType, LeadFieldValue, ParentType
from leadcrew.contacts.search import MATCHES_READ_FIRST, Matches, search_words
from leadcrew.contacts.values import clean_value, fold, match_key
from leadcrew.core.compiled import CompiledValues, marker
from leadcrew.core.errors import Code, InvalidParameter, NotFound
from leadcrew.leads.models import Lead


@dataclass(frozen=True)
class FieldDef:
    """What a lead's answer and its writes need to know of a field."""

    id: int
    key: str
    name: str
    type: str
    choices: tuple[str, ...]
    is_key: bool

    @property
    def is_email(self) -> bool:
        return self.type == FieldType.EMAIL


def field_list(actor: Actor, parent_type: str | None = None) -> QuerySet[Field]:
    """The account's fields, lead fields first, each kind in its order."""
    return _fields_of(actor.account_id, parent_type)


def _fields_of(account_id: int, parent_type: str | None) -> QuerySet[Field]:
    fields = Field.objects.filter(account_id=account_id)
    if parent_type is not None:
        fields = fields.filter(parent_type=parent_type)
    return fields.order_by("parent_type", "position", "id")


def field_get(actor: Actor, field_id: int) -> Field:
    field = Field.objects.filter(account_id=actor.account_id, pk=field_id).first()
    if field is None:
        raise NotFound("Field")
    return field


# Read by every answer that shows leads: compiled once.
_LEAD_FIELD_DEFS = CompiledValues(
    lambda: _fields_of(marker("ACCOUNT"), ParentType.LEAD).values(
        "id", "key", "name", "type", "choices", "is_key"
    )
)


def lead_field_defs(actor: Actor) -> list[FieldDef]:
    """The account's lead fields in their order: one query, read once per request."""
    return account_lead_field_defs(actor.account_id)


def account_lead_field_defs(account_id: int) -> list[FieldDef]:
    """`lead_field_defs` of an account, for what runs for no user (a webhook's delivery)."""
    return [
        FieldDef(
            id=row["id"],
            key=row["key"],
            name=row["name"],
            type=row["type"],
            choices=tuple(str(choice) for choice in row["choices"] or ()),
            is_key=row["is_key"],
        )
        for row in _LEAD_FIELD_DEFS.rows(router.db_for_read(Field), ACCOUNT=account_id)
    ]


def field_value_counts(actor: Actor) -> dict[int, int]:
    """Per lead field of the account, how many leads hold a value of it (those in the bin
    included): what deleting the field would take away. Admins only, who see every lead."""
    ensure_admin(actor)
    rows = (
        LeadFieldValue.objects.filter(account_id=actor.account_id)
        .order_by()
        .values_list("field_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def client_field_defs(actor: Actor) -> list[FieldDef]:
    """The account's client-folder fields in their order. A folder's values live in its
    description, through the same convention as a lead's (leadcrew.contacts.description)."""
    return [
        FieldDef(
            id=field.pk,
            key=field.key,
            name=field.name,
            type=field.type,
            choices=tuple(str(choice) for choice in field.choices or ()),
            is_key=field.is_key,
        )
        for field in field_list(actor, ParentType.CLIENT)
    ]


def lead_values_by_key(lead_id: int) -> dict[str, str]:
    """The field values of a lead the caller already holds (read through the policy)."""
    rows = LeadFieldValue.objects.filter(lead_id=lead_id).values_list("field__key", "value")
    return dict(rows)


def lead_values_of(lead_ids: list[int], field_ids: list[int]) -> dict[tuple[int, int], str]:
    """The values of some fields on leads the caller already holds (read through the policy),
    by (lead id, field id): one query for a whole page of leads."""
    if not lead_ids or not field_ids:
        return {}
    rows = LeadFieldValue.objects.filter(lead_id__in=lead_ids, field_id__in=field_ids)
    return {
        (lead, field): value
        for lead, field, value in rows.values_list("lead_id", "field_id", "value")
    }


def leads_with_field_value(actor: Actor, key: str, value: str) -> QuerySet[LeadFieldValue, Any]:
    """The ids (`lead_id`) of the account's leads whose field `key` (or name) has `value`,
    compared as stored (the value made canonical for the field's type when it can be),
    ignoring case and accents: through the index on the folded value. Callers narrow leads
    they read through the policy with it."""
    defs = lead_field_defs(actor)
    field = next((f for f in defs if f.key == key), None) or next(
        (f for f in defs if fold(f.name) == fold(key.strip())), None
    )
    if field is None:
        raise InvalidParameter("field_key", Code.UNKNOWN_FIELD, key=key)
    try:
        wanted = clean_value(field.type, field.choices, value, field="field_value") or value
    except InvalidParameter:
        wanted = value
    return LeadFieldValue.objects.filter(
        account_id=actor.account_id, field_id=field.id, match=match_key(wanted)
    ).values("lead_id")


def leads_with_email(actor: Actor, email: str) -> QuerySet[LeadFieldValue, Any]:
    """The ids (`lead_id`) of the account's leads with this address in an e-mail field."""
    emails = [f.id for f in lead_field_defs(actor) if f.is_email]
    return LeadFieldValue.objects.filter(
        account_id=actor.account_id, field_id__in=emails, match=match_key(email)
    ).values("lead_id")


# --- Client folders -------------------------------------------------------------------------


def client_folders_for(actor: Actor) -> QuerySet[ClientFolder]:
    """The client folders the actor may see: every folder of the account for an admin, an API
    key or under `everything_shared`; otherwise the folders they created and those holding a
    lead they may see (the lead ids come from the access policy)."""
    folders = ClientFolder.objects.filter(account_id=actor.account_id)
    if actor.is_admin or actor.settings.privacy == Privacy.EVERYTHING_SHARED:
        return folders
    seen = leads_for(actor).filter(client_folder__isnull=False).values("client_folder_id")
    return folders.filter(Q(user_id=actor.user_id) | Q(pk__in=seen))


def client_folder_list(
    actor: Actor, *, order: str = "name", direction: str = "asc", q: str | None = None
) -> QuerySet[ClientFolder]:
    folders = client_folders_for(actor)
    if q:
        folders = folders.filter(name__icontains=q.strip())
    column = "name" if order == "name" else "id"
    prefix = "-" if direction == "desc" else ""
    return folders.order_by(f"{prefix}{column}", f"{prefix}id")


def client_folder_search(actor: Actor, q: str | None = None) -> QuerySet[ClientFolder]:
    """The folders the actor may see whose name holds every word of `q` (as the lead search
    finds words: whatever the case and the accents), by name; all of them when `q` has no
    word."""
    folders = client_folders_for(actor)
    for word in search_words(q):
        folders = folders.filter(Matches(word, "name"))
    return folders.order_by("name", "id")


def client_folder_get(actor: Actor, folder_id: int) -> ClientFolder:
    """A folder the actor may see; 404 as if it did not exist."""
    folder = client_folders_for(actor).filter(pk=folder_id).first()
    if folder is None:
        raise NotFound("Client folder")
    return folder


def client_folder_lookup(
    actor: Actor, ref: int, *, field: str = "client_folder_id"
) -> ClientFolder:
    """A folder named in a write: one the actor may see, or an invalid parameter."""
    folder = client_folders_for(actor).filter(pk=ref).first() if 0 < ref < 2**63 else None
    if folder is None:
        raise InvalidParameter(field, Code.UNKNOWN_CLIENT_FOLDER)
    return folder


def client_folder_leads(actor: Actor, folder: ClientFolder) -> QuerySet[Lead]:
    """The folder's leads the actor may see, newest first: never any other."""
    return leads_for(actor).filter(client_folder_id=folder.pk).order_by("-id")


def client_folder_lead_counts(actor: Actor, folder_ids: list[int]) -> dict[int, int]:
    """How many leads the actor sees in each folder."""
    rows = (
        leads_for(actor)
        .filter(client_folder_id__in=folder_ids)
        .order_by()
        .values_list("client_folder_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


# --- Duplicates -----------------------------------------------------------------------------


def lead_duplicates(actor: Actor, lead_id: int) -> QuerySet[Lead]:
    """The other leads the actor may see that are likely the same deal: one of the lead's key
    fields (`is_key`) has the same value (without case or accents), or the titles are the
    same once folded. 404 when the actor may not see the lead itself."""
    lead = lead_for(actor, lead_id)
    key_fields = [field.id for field in lead_field_defs(actor) if field.is_key]
    values = LeadFieldValue.objects.filter(lead_id=lead.pk, field_id__in=key_fields)
    sharing = [
        LeadFieldValue.objects.filter(account_id=actor.account_id, field_id=field_id, match=match)
        for field_id, match in values.values_list("field_id", "match")
    ]
    return _sharing(actor, fold(lead.title), sharing).exclude(pk=lead.pk)


def lead_draft_duplicates(actor: Actor, *, title: str, values: dict[str, str]) -> QuerySet[Lead]:
    """The leads the actor may see that a lead being written would likely duplicate, by the
    rule of `lead_duplicates`: the same title once folded, or the same value of a key field
    (`values` by key, as typed: a value that does not fit its field yet is left out)."""
    sharing: list[QuerySet[LeadFieldValue]] = []
    for field in lead_field_defs(actor):
        typed = (values.get(field.key) or "").strip()
        if not field.is_key or not typed:
            continue
        try:
            value = clean_value(field.type, field.choices, typed, field=field.key)
        except InvalidParameter:
            continue
        sharing.append(
            LeadFieldValue.objects.filter(
                account_id=actor.account_id, field_id=field.id, match=match_key(value)
            )
        )
    return _sharing(actor, fold(title.strip()), sharing)


def _sharing(
    actor: Actor, folded_title: str, sharing: list[QuerySet[LeadFieldValue]]
) -> QuerySet[Lead]:
    """The leads the actor may see whose title is `folded_title` once folded, or that hold
    one of the `sharing` values, newest first. The matches are read first (the index of
    folded titles, the values' index), then those leads: as one condition ORed over the
    account, PostgreSQL folded the title of every lead (a second at a million leads)."""
    visible = leads_for(actor)
    parts: list[QuerySet[Any]] = [values.values_list("lead_id", flat=True) for values in sharing]
    if folded_title:
        # The account's leads, not the visible ones: narrowed by the reader's branches first,
        # PostgreSQL folded the title of each of their leads (0.1 s for a member at a million).
        account = live_leads_of(actor.account_id)
        titled = account.annotate(folded_title=Func(F("title"), function="leadcrew_fold"))
        parts.insert(0, titled.filter(folded_title=folded_title).values_list("pk", flat=True))
    if not parts:
        return visible.none()
    # No member may keep an ordering: SQLite refuses ORDER BY inside a UNION.
    matches = parts[0].order_by().union(*(part.order_by() for part in parts[1:]))
    found = list(matches[: MATCHES_READ_FIRST + 1])
    if len(found) <= MATCHES_READ_FIRST:
        return visible.filter(pk__in=found).order_by("-id")
    return visible.filter(pk__in=matches).order_by("-id")


# --- The lead page's contact card -----------------------------------------------------------

CARD_LEADS = 5


@dataclass(frozen=True)
class ContactLine:
    name: str
    type: str
    value: str

    @property
    def href(self) -> str:
        """Where the value leads: mailto:, tel:, or the web address; "" for plain text."""
        if self.type == FieldType.EMAIL:
            return f"mailto:{self.value}"
        if self.type == FieldType.PHONE:
            return "tel:" + "".join(c for c in self.value if c.isdigit() or c == "+")
        if self.type == FieldType.URL:
            return self.value if "://" in self.value else f"https://{self.value}"
        return ""


@dataclass(frozen=True)
class ContactCard:
    """What the lead page shows of the people and the company behind a lead: only leads the
    reader may see."""

    lines: list[ContactLine]
    folder: ClientFolder | None
    folder_leads: list[Lead]
    duplicates: list[Lead]


def lead_contact_card(actor: Actor, lead: Lead) -> ContactCard:
    """The card of a lead the actor already reads through the policy."""
    values = dict(LeadFieldValue.objects.filter(lead_id=lead.pk).values_list("field_id", "value"))
    lines = [
        ContactLine(name=field.name, type=field.type, value=values[field.id])
        for field in lead_field_defs(actor)
        if values.get(field.id)
    ]
    folder = lead.client_folder
    folder_leads: list[Lead] = []
    if folder is not None:
        others = client_folder_leads(actor, folder).exclude(pk=lead.pk)
        folder_leads = list(others.only("pk", "title")[:CARD_LEADS])
    duplicates = list(lead_duplicates(actor, lead.pk).only("pk", "title")[:CARD_LEADS])
    return ContactCard(lines=lines, folder=folder, folder_leads=folder_leads, duplicates=duplicates)
