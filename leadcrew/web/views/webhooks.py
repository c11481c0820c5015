"""Admin › Webhooks: the account's webhooks, a new one, a test delivery, the delivery log (10
days) with each request and answer, a delivery sent again, a webhook turned off, on, or
deleted. Every rule is the webhook services' (leadcrew/events), the API's own."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadcrew.core.errors import AlreadyExists, ApiError
from leadcrew.events import selectors, services
from leadcrew.events.delivery import LOG_RETENTION
from leadcrew.events.models import Delivery, TargetType, Webhook
from leadcrew.web.admin_forms import show_admin_error
from leadcrew.web.forms import WebForm
from leadcrew.web.views.admin import admin_required
from leadcrew.web.views.base import WebRequest, actor_of, int_or_none, render_page

LOG_PAGE_SIZE = 50
# What the log shows of a request or an answer; the API's GET /webhook_events/{id} has it all.
EXCERPT = 2000


class WebhookForm(WebForm):
    event = forms.CharField(label=gettext_lazy("Event"), widget=forms.Select)
    target_type = forms.ChoiceField(
        label=gettext_lazy("Send to"),
        choices=[
            (TargetType.URL, gettext_lazy("A URL (an HTTPS POST of the event)")),
            (TargetType.EMAIL, gettext_lazy("An e-mail address")),
        ],
        widget=forms.RadioSelect,
        initial=TargetType.URL,
    )
    target = forms.CharField(
        label=gettext_lazy("URL or e-mail address"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    api_key = forms.CharField(
        label=gettext_lazy("API key for the signature"),
        required=False,
        help_text=gettext_lazy(
            "The body's “signature” is the SHA-1 of the delivery id followed by this key, as "
            "in the reference API. Paste one of the account's keys; left empty, the webhook "
            "signs with a secret of its own."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, events: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].widget.choices = [(name, name) for name in events]


def _again(name: str, *args: Any) -> HttpResponse:
    return HttpResponseRedirect(reverse(name, args=args), status=303)


@admin_required
@require_http_methods(["GET", "POST"])
def settings_webhooks(request: WebRequest) -> HttpResponse:
    actor = actor_of(request)
    form = WebhookForm(request.POST or None, events=services.event_names(actor), prefix="new")
    existing: Webhook | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhook = services.webhook_create(
                actor=actor,
                event=data["event"],
                target_type=data["target_type"],
                target=data["target"],
                name=data["name"],
                signing_key=services.signing_key_check(actor, data["api_key"]),
            )
        except AlreadyExists as error:
            show_admin_error(form, error)
            if error.existing_id is not None:
                existing = selectors.webhook_get(actor, error.existing_id)
        except ApiError as error:
            show_admin_error(form, error)
        else:
            messages.success(
                request,
                _("Webhook created: %(event)s → %(target)s.")
                % {
                    "event": webhook.event,
                    "target": webhook.target,
                },
            )
            return _again("web:webhook", webhook.pk)
    context = {
        "section": "webhooks",
        "form": form,
        "existing": existing,
        "webhooks": list(selectors.webhook_list(actor)),
        "log_days": LOG_RETENTION.days,
    }
    return render_page(request, "web/settings/webhooks.html", context)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def _row(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery": delivery,
        "request": _excerpt(delivery.request_body),
        "response": _excerpt(delivery.response_body),
    }


@admin_required
@require_GET
def webhook_detail(request: WebRequest, webhook_id: int) -> HttpResponse:
    """One webhook and its delivery log, newest first."""
    actor = actor_of(request)
    webhook = selectors.webhook_get(actor, webhook_id)
    paginator = Paginator(selectors.delivery_list(actor, webhook.pk), LOG_PAGE_SIZE)
    page = paginator.get_page(int_or_none(request.GET.get("page")) or 1)
    context = {
        "section": "webhooks",
        "webhook": webhook,
        "page": page,
        "rows": [_row(delivery) for delivery in page.object_list],
        "log_days": LOG_RETENTION.days,
    }
    return render_page(request, "web/settings/webhooks_detail.html", context)


def _act(request: WebRequest, done: str, action: Any) -> None:
    """Runs a service, then says how it went. The record was found first (404 otherwise)."""
    try:
        action()
    except ApiError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, done)


@admin_required
@require_POST
def webhook_test(request: WebRequest, webhook_id: int) -> HttpResponse:
    actor = actor_of(request)
    selectors.webhook_get(actor, webhook_id)  # another account's, or none: the 404 page
    _act(
        request,
        _("A test delivery is on its way: its request and answer show in the log below."),
        lambda: services.webhook_test_send(actor=actor, webhook_id=webhook_id),
    )
    return _again("web:webhook", webhook_id)


@admin_required
@require_POST
def webhook_disable(request: WebRequest, webhook_id: int) -> HttpResponse:
    actor = actor_of(request)
    selectors.webhook_get(actor, webhook_id)  # another account's, or none: the 404 page
    _act(
        request,
        _("Webhook turned off: nothing more is sent to it."),
        lambda: services.webhook_delete(actor=actor, webhook_id=webhook_id),
    )
    return _again("web:webhook", webhook_id)


@admin_required
@require_POST
def webhook_enable(request: WebRequest, webhook_id: int) -> HttpResponse:
    actor = actor_of(request)
    selectors.webhook_get(actor, webhook_id)  # another account's, or none: the 404 page
    _act(
        request,
        _("Webhook turned back on: the next events are sent to it."),
        lambda: services.webhook_activate(actor=actor, webhook_id=webhook_id),
    )
    return _again("web:webhook", webhook_id)


@admin_required
@require_POST
def webhook_remove(request: WebRequest, webhook_id: int) -> HttpResponse:
    actor = actor_of(request)
    webhook = selectors.webhook_get(actor, webhook_id)
    _act(
        request,
        _("Webhook deleted, with its delivery log: %(event)s → %(target)s.")
        % {"event": webhook.event, "target": webhook.target},
        lambda: services.webhook_remove(actor=actor, webhook_id=webhook_id),
    )
    return _again("web:settings_webhooks")


@admin_required
@require_POST
def delivery_resend(request: WebRequest, delivery_id: int) -> HttpResponse:
    actor = actor_of(request)
    delivery = selectors.delivery_get(actor, delivery_id)
    _act(
        request,
        _("Delivery %(id)s is sent again.") % {"id": delivery.pk},
        lambda: services.delivery_resend(actor=actor, delivery_id=delivery.pk),
    )
    return _again("web:webhook", delivery.webhook_id)
