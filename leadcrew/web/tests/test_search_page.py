"""The search box at the top of every page: leads found by any word of their title, contact
fields, client folder or comments (case and accents aside), client folders and people, never
anything the reader may not see, as one types (htmx) and on the full page (Enter, no JavaScript)."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.contacts.models import ClientFolder
from leadcrew.leads.services import comment_create, lead_update
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
AS_YOU_TYPE = {"HX-Request": "true", "HX-Target": "topsearch-results"}


def _as_you_type(client: Client, q: str) -> str:
    response = client.get("/search", {"q": q}, headers=AS_YOU_TYPE)
    assert response.status_code == 200
    assert "<html" not in response.text  # only the results, under the box
    return response.text


def test_every_page_has_the_search_box_with_a_label(login: Login, cast: Cast) -> None:
    text = login(cast.nils).get("/todo").text
    assert '<label for="topsearch-q" class="visually-hidden">' in text
    assert 'type="search" id="topsearch-q" name="q"' in text
    assert 'hx-trigger="keyup changed delay:250ms, search"' in text
    assert 'action="/search"' in text


def test_a_lead_is_found_by_a_contact_e_mail_and_by_a_comment_word_with_accents(
    login: Login, cast: Cast
) -> None:
    admin = cast.actor(cast.admin)
    lead = cast.leads.nils_solo
    lead_update(actor=admin, lead_id=lead.pk, data={"fields": {"email": "sara@novak.test"}})
    comment_create(actor=admin, lead_id=lead.pk, data={"content": "Réunion à Genève jeudi"})
    client = login(cast.nils)
    for q in ("sara@novak.test", "GENEVE", "réunion genève"):
        assert "Acme nils_solo" in _as_you_type(client, q), q
    assert "Acme nils_solo" not in _as_you_type(client, "zurich")


def test_a_search_never_shows_a_lead_folder_or_account_the_reader_may_not_see(
    login: Login, cast: Cast
) -> None:
    admin = cast.actor(cast.admin)
    for lead in (cast.leads.nils_solo, cast.leads.sam_south):
        comment_create(actor=admin, lead_id=lead.pk, data={"content": "Budget signé"})
    ClientFolder.objects.create(account=cast.account, name="Budget Secret")
    ClientFolder.objects.create(account=cast.rival.account, name="Budget Rival")
    for lead in (cast.rival.leads.rex_solo,):
        lead_update(
            actor=cast.rival.actor(cast.rival.admin),
            lead_id=lead.pk,
            data={"title": "Budget rival"},
        )
    client = login(cast.nils)
    for text in (_as_you_type(client, "budget"), client.get("/search", {"q": "budget"}).text):
        assert "Acme nils_solo" in text
        assert "Acme sam_south" not in text
        assert "Budget Secret" not in text and "Budget Rival" not in text
        assert "Budget rival" not in text
    admin_text = login(cast.admin).get("/search", {"q": "budget"}).text
    assert "Acme sam_south" in admin_text and "Budget Secret" in admin_text
    assert "Budget Rival" not in admin_text and "Budget rival" not in admin_text


def test_client_folders_the_reader_sees_are_found_and_link_to_their_page(
    login: Login, cast: Cast
) -> None:
    novak = ClientFolder.objects.create(account=cast.account, name="Société Novak")
    lead_update(
        actor=cast.actor(cast.admin),
        lead_id=cast.leads.nils_solo.pk,
        data={"client_folder_id": novak.pk},
    )
    text = _as_you_type(login(cast.nils), "societe")
    assert f'href="/clients/{novak.pk}"' in text
    assert "Acme nils_solo" in text  # found by its folder's name too


def test_people_of_the_account_are_found_by_name_or_e_mail(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    text = _as_you_type(client, cast.sam.first_name)
    assert cast.sam.email in text
    assert f'href="/leads?owner={cast.sam.pk}"' in text
    assert cast.rival.rex.email not in _as_you_type(client, cast.rival.rex.first_name)


def test_enter_opens_the_full_page_with_the_same_groups(login: Login, cast: Cast) -> None:
    client = login(cast.nils)
    page = client.get("/search", {"q": "nils_solo"})
    assert page.status_code == 200
    assert "<html" in page.text
    assert "<h1>Search</h1>" in page.text
    assert "Acme nils_solo" in page.text
    for group in ("Leads", "Client folders", "People"):
        assert f">{group}" in page.text
    empty = client.get("/search")
    assert empty.status_code == 200 and "No lead found." not in empty.text
    assert _as_you_type(client, "   ").strip() == ""
