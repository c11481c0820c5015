"""The lead page's contact card: the contact fields as links, the client folder with its other
leads, and the likely duplicates, never naming a lead the reader may not see."""

import pytest
from django.test import Client

from leadcrew.accounts.models import Account, Privacy
from leadcrew.contacts.models import ClientFolder
from leadcrew.testing.api_world import make_world

pytestmark = pytest.mark.django_db


def test_the_card_links_the_contact_and_shows_only_visible_leads(client: Client) -> None:
    acme = make_world("Acme", "admin@acme.test")
    Account.objects.filter(pk=acme.account.pk).update(privacy=Privacy.ADMINS_ONLY)
    sam, kim = acme.user("sam@acme.test"), acme.user("kim@acme.test")
    novak = ClientFolder.objects.create(account=acme.account, name="Novak & Co")
    body = {
        "description": "Met at the fair",
        "client_folder_id": novak.pk,
        "fields": {"email": "sara@novak.test", "phone": "+33 1 23 45", "web": "novak.test"},
    }
    lead = acme.key.post("/leads", {"title": "Renewal", "user_id": sam.pk, **body}).json()
    acme.key.post("/leads", {"title": "Sam's other", "user_id": sam.pk, **body})
    acme.key.post("/leads", {"title": "Kim's secret", "user_id": kim.pk, **body})
    client.force_login(sam, backend="leadcrew.accounts.backends.EmailBackend")
    page = client.get(f"/leads/{lead['id']}")
    assert page.status_code == 200
    text = page.text
    assert 'href="mailto:sara@novak.test"' in text
    assert 'href="tel:+331 2345"'.replace(" ", "") in text.replace(" ", "")
    assert 'href="https://novak.test"' in text
    assert "Novak &amp; Co" in text
    assert text.count("Sam&#x27;s other") == 2  # in the folder, and as a likely duplicate
    assert "Kim" not in text
