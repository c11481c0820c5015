"""Writes on client folders (companies), one transaction each. Who sees a folder is decided by
its leads (selectors.client_folders_for); deleting and exporting follow the account's security
toggles and are written to the sensitive-actions log."""

from django.db import transaction
from django.db.models import QuerySet

from leadcrew.access.actor import Actor
from leadcrew.access.policy import account_leads, ensure_may_export
from leadcrew.audit.models import SensitiveActionType
from leadcrew.audit.services import sensitive_action_record
from leadcrew.contacts.models import ClientFolder
from leadcrew.contacts.selectors import client_folder_get, client_folder_leads, client_folder_list
from leadcrew.core.errors import Code, Forbidden, InvalidParameter
from leadcrew.events.models import EventName
from leadcrew.events.recording import record_config_event
from leadcrew.leads.models import Lead
from leadcrew.leads.services import lead_update, lock_for_write, updated_at_moved_to

MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 100_000


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidParameter("name", Code.BLANK)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidParameter("name", Code.TOO_LONG, max=MAX_NAME_LENGTH)
    return name


@transaction.atomic
def client_folder_create(*, actor: Actor, name: str, description: str = "") -> ClientFolder:
    """A new client folder, created by the actor (who then sees it, even before it holds a
    lead). Any user may create one. The one place folders are created: what must happen on
    every creation (an event to deliver) belongs here."""
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidParameter("description", Code.TOO_LONG, max=MAX_DESCRIPTION_LENGTH)
    folder = ClientFolder.objects.create(
        account_id=actor.account_id,
        name=_clean_name(name),
        description=description,
        user_id=actor.user_id,
    )
    record_config_event(
        actor=actor,
        name=EventName.CLIENT_FOLDER_CREATED,
        subject_id=folder.pk,
        data={
            "id": folder.pk,
            "name": folder.name,
            "description": folder.description,
            "is_active": folder.is_active,
            "user_id": folder.user_id,
            "created_at": folder.created_at.isoformat(),
        },
    )
    return folder


@transaction.atomic
def client_folder_update(
    *,
    actor: Actor,
    folder_id: int,
    name: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> ClientFolder:
    """Whoever sees a folder may rename, describe, or (de)activate it."""
    folder = client_folder_get(actor, folder_id)
    folder = ClientFolder.objects.select_for_update().get(pk=folder.pk)
    if name is not None:
        folder.name = _clean_name(name)
    if description is not None:
        if len(description) > MAX_DESCRIPTION_LENGTH:
            raise InvalidParameter("description", Code.TOO_LONG, max=MAX_DESCRIPTION_LENGTH)
        folder.description = description
    if is_active is not None:
        folder.is_active = is_active
    folder.save()
    return folder


def ensure_may_delete_client_folders(actor: Actor) -> None:
    if actor.settings.only_admins_delete_client_folders and not actor.is_admin:
        raise Forbidden(Code.ONLY_ADMINS_DELETE_CLIENT_FOLDERS)


def ensure_may_export_client_folders(actor: Actor) -> None:
    if actor.settings.only_admins_export_client_folders and not actor.is_admin:
        raise Forbidden(Code.ONLY_ADMINS_EXPORT_CLIENT_FOLDERS)


@transaction.atomic
def client_folder_delete(*, actor: Actor, folder_id: int) -> int:
    """Deletes a folder the actor sees (admins only under `only_admins_delete_client_folders`).
    Its leads, seen by the actor or not, stay and leave the folder; their updated_at moves, so
    that a sync by `updated_after` sees the change. Logged; answers how many leads left it."""
    folder = client_folder_get(actor, folder_id)
    ensure_may_delete_client_folders(actor)
    held = account_leads(actor).filter(client_folder_id=folder.pk)
    now = lock_for_write(held)
    count = held.update(client_folder=None, updated_at=updated_at_moved_to(now))
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.CLIENT_FOLDER_DELETED,
        details={"client_folder_id": folder.pk, "name": folder.name, "leads": count},
    )
    folder.delete()
    return count


@transaction.atomic
def client_folders_export(*, actor: Actor) -> list[ClientFolder]:
    """The folders the actor sees, to export (admins only under
    `only_admins_export_client_folders`); the export is logged."""
    ensure_may_export_client_folders(actor)
    folders = list(client_folder_list(actor))
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.CLIENT_FOLDERS_EXPORTED,
        count=len(folders),
        details={"what": "client_folders"},
    )
    return folders


@transaction.atomic
def client_folder_leads_export(*, actor: Actor, folder_id: int) -> QuerySet[Lead]:
    """The leads of a folder the actor sees, only those they may see, to export as CSV. An
    export of client folders and an export of leads alike: admins only under
    `only_admins_export_client_folders` or `only_admins_export_leads`. Logged as an export of
    client folders, naming the folder and how many leads left with it."""
    folder = client_folder_get(actor, folder_id)
    ensure_may_export_client_folders(actor)
    ensure_may_export(actor)
    leads = client_folder_leads(actor, folder)
    sensitive_action_record(
        actor=actor,
        action=SensitiveActionType.CLIENT_FOLDERS_EXPORTED,
        count=leads.count(),
        details={"what": "client_folder_leads", "client_folder_id": folder.pk, "name": folder.name},
    )
    return leads


def lead_add_to_client(*, actor: Actor, lead_id: int, folder_id: int | None) -> None:
    """Puts a lead in a folder the actor sees (None takes it out), as PUT /leads/{id} with
    `client_folder_id` does: it needs the right to edit the lead."""
    lead_update(actor=actor, lead_id=lead_id, data={"client_folder_id": folder_id})
