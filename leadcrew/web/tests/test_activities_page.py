"""Logging an activity from the lead page, with its follow-up, and the to-do list showing what
is planned."""

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from leadcrew.accounts.models import User
from leadcrew.activities.models import ActivityType
from leadcrew.leads.models import Comment, Lead
from leadcrew.testing.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_log_an_activity_with_a_follow_up_in_one_step(login: Login, cast: Cast) -> None:
    call = ActivityType.objects.get(account=cast.nils.account, name="Call")
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    page = client.get(f"/leads/{lead.pk}").content.decode()
    assert "Log an activity" in page and ">Call<" in page.replace("</label>", "<")
    response = client.post(
        f"/leads/{lead.pk}/comments",
        {
            "activity": str(call.pk),
            "content": "Talked about the quote",
            "remind_date": "2031-05-06",
            "remind_activity": str(call.pk),
            "remind_note": "Send the signed quote",
        },
    )
    assert response.status_code == 303, response.content[:500]
    comment = Comment.objects.get(lead=lead)
    assert comment.activity_id == call.pk and comment.author_id == cast.nils.pk
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.remind_date == date(2031, 5, 6) and lead.remind_activity_id == call.pk
    todo = client.get("/todo").content.decode()
    assert "Send the signed quote" in todo
    shown = client.get(f"/leads/{lead.pk}").content.decode()
    assert 'class="badge activity">Call<' in shown


def test_a_refused_follow_up_logs_nothing(login: Login, cast: Cast) -> None:
    call = ActivityType.objects.get(account=cast.nils.account, name="Call")
    lead = cast.leads.nils_solo
    client = login(cast.nils)
    response = client.post(
        f"/leads/{lead.pk}/comments",
        {"activity": str(call.pk), "content": "Called", "remind_date": "2031-05-06",
         "remind_time": "09:10"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "15-minute" in response.content.decode()
    assert not Comment.objects.filter(lead=lead).exists()


def test_french_labels(login: Login, cast: Cast) -> None:
    cast.nils.locale = "fr"
    cast.nils.save()

    page = login(cast.nils).get(f"/leads/{cast.leads.nils_solo.pk}").content.decode()
    assert "Consigner une activité" in page
