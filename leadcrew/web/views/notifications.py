"""The bell: the reader's own notifications (a lead assigned to them, a reminder due, their
daily digest, a webhook disabled), opened one at a time or all marked read; and the profile's
choice of which of them also come by e-mail."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from leadcrew.accounts.models import User
from leadcrew.events import selectors, services
from leadcrew.events.notify import settings_for
from leadcrew.web.views.base import WebRequest, actor_of, int_or_none, render_page


@login_required
@require_GET
def notification_list(request: WebRequest) -> HttpResponse:
    """A page of the reader's notifications, newest first; `?before=<id>` the older ones."""
    actor = actor_of(request)
    before = int_or_none(request.GET.get("before"))
    page = selectors.notification_list(actor, before=before)
    context = {
        "notifications": page.shown,
        "older_than": page.older_than,
        "newer": before is not None,
    }
    return render_page(request, "web/pages/notifications.html", context)


@login_required
@require_GET
def notification_open(request: WebRequest, notification_id: int) -> HttpResponse:
    """Marks it read and goes where it points (the lead, the to-do…); the list when nowhere.
    Another user's notification, or one whose lead is now out of sight, is the 404 page."""
    actor = actor_of(request)
    shown = selectors.notification_get(actor, notification_id)
    services.notifications_mark_read(actor=actor, notification_id=shown.id)
    return HttpResponseRedirect(shown.url or reverse("web:notifications"))


@login_required
@require_POST
def notifications_read(request: WebRequest) -> HttpResponse:
    services.notifications_mark_read(actor=actor_of(request))
    messages.success(request, _("All your notifications are marked as read."))
    return HttpResponseRedirect(reverse("web:notifications"), status=303)


class NotificationSettingsForm(forms.Form):
    email_assigned = forms.BooleanField(
        label=gettext_lazy("A lead assigned to me by someone else"), required=False
    )
    email_reminder = forms.BooleanField(label=gettext_lazy("My reminder falls due"), required=False)
    email_digest = forms.BooleanField(
        label=gettext_lazy("A daily digest of my to-do, in the morning"), required=False
    )


def notification_settings_form(user: User) -> NotificationSettingsForm:
    """The profile page's form, filled with the user's current choices."""
    prefs = settings_for(user)
    return NotificationSettingsForm(
        initial={
            "email_assigned": prefs.email_assigned,
            "email_reminder": prefs.email_reminder,
            "email_digest": prefs.email_digest,
        },
        prefix="notify",
    )


@login_required
@require_POST
def notification_settings(request: WebRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST, prefix="notify")
    form.is_valid()  # unchecked boxes are simply False: nothing to refuse
    services.notification_settings_set(
        user=request.user,
        email_assigned=bool(form.cleaned_data.get("email_assigned")),
        email_reminder=bool(form.cleaned_data.get("email_reminder")),
        email_digest=bool(form.cleaned_data.get("email_digest")),
    )
    messages.success(request, _("Your notification choices were saved."))
    return HttpResponseRedirect(reverse("web:profile") + "#notifications", status=303)
