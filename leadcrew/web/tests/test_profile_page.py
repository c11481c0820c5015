"""The user's own profile page: the reference's profile fields, in English and French."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db


def test_a_user_edits_their_own_profile(login: Callable[[User], Client], cast: Cast) -> None:
    client = login(cast.nils)
    page = client.get("/profile")
    assert page.status_code == 200 and b"Job title" in page.content
    saved = client.post(
        "/profile",
        {"phone": " 01 23 ", "mobile_phone": "06", "job_title": "Seller",
         "time_zone": "Europe/Paris", "avatar_url": "https://cdn.acme.test/n.png"},
    )  # fmt: skip
    assert saved.status_code == 303 and saved["Location"] == "/profile"
    nils = User.objects.get(pk=cast.nils.pk)
    assert (nils.phone, nils.job_title, nils.time_zone) == ("01 23", "Seller", "Europe/Paris")
    assert b"Your profile was saved." in client.get("/profile").content


def test_a_bad_value_is_shown_on_its_field_and_saves_nothing(
    login: Callable[[User], Client], cast: Cast
) -> None:
    client = login(cast.nils)
    page = client.post("/profile", {"job_title": "Seller", "time_zone": "Mars/Olympus"})
    assert page.status_code == 200
    assert b"Not a known time zone" in page.content
    assert User.objects.get(pk=cast.nils.pk).job_title == ""


def test_the_profile_page_speaks_french(login: Callable[[User], Client], cast: Cast) -> None:
    User.objects.filter(pk=cast.nils.pk).update(locale="fr")
    client = login(User.objects.get(pk=cast.nils.pk))
    page = client.get("/profile", headers={"Accept-Language": "fr"})
    assert b"Mon profil" in page.content
    assert b"Fonction" in page.content
