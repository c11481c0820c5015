"""Every page of the web app, as an admin and as a plain member, under hostile input
(leadcrew/testing/hostile.py): each URL of leadcrew/web/urls.py by GET and POST with every
parameter name the pages use (and a few they do not) set to a hostile value, then every form
the pages show, posted back field by field with one hostile value in an otherwise valid form.
The answer is a page, a form error, a redirect, a 400, 403, 404 or 405: never a 500.

Each request runs in a savepoint rolled back after it, so a value a form rightly takes (a title
"²") or an action it rightly does (delete a step) leaves the cast as it was for the next one."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, resolve, reverse
from django.utils.timezone import now

from leadcrew.accounts.models import ApiKey, User
from leadcrew.bulk.services import Selection, bulk_apply
from leadcrew.contacts.client_folder_services import client_folder_create
from leadcrew.events.models import Delivery, Event, Notification, Webhook
from leadcrew.leads.models import Lead, Pipeline, Step
from leadcrew.testing.cast import Cast
from leadcrew.testing.hostile import HOSTILE_TEXT, Hostile
from leadcrew.web import urls

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
PERSONAS = ("admin", "member")
ROUTES = [
    pattern.name
    for pattern in urls.urlpatterns
    if isinstance(pattern, URLPattern) and pattern.name is not None
]
# Parameters the views read outside any form, and names no page uses.
LOOSE_NAMES = [
    "after", "before", "bulk", "pipeline", "mine", "page", "next", "ids", "scope", "version",
    "move", "active", "default", "is_manager", "round_robin", "preview", "save", "whose",
    "unknown", "ids[]", "opened-title", "opened-amount", "opened-created_at",
]  # fmt: skip
# Every value on every URL and in every field of every form is the full walk (`make test`);
# `make test-fast` sends these, the ones that broke pages before (a form post renders a page:
# a value across every field of every form is seconds).
QUICK_URL = {"superscript two", "NUL byte", "digits beyond a bigint"}
QUICK_FORM = {"superscript two"}


@dataclass
class Form:
    """A form as a browser would post it: its action and the values its fields show."""

    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)

    def key(self) -> tuple[str | None, str, tuple[str, ...]]:
        """The same form for another record (each step's, each member's) is walked once."""
        route = resolve(urlsplit(self.action).path).url_name
        return (route, self.method, tuple(sorted(re.sub(r"\d+", "#", n) for n in self.fields)))


class FormParser(HTMLParser):
    """The forms of a page with their current values: a text input's value, a checked box,
    a select's selected option (else its first), a textarea's text. Inputs outside a form
    that name it (`form="bulk-form"`) belong to it; disabled fields are left out."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.current: Form | None = None
        self.select: tuple[Form, str] | None = None
        self.first_option: str | None = None
        self.textarea: tuple[Form, str] | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = attr.get("action") or self.page_url
            self.current = Form(action, (attr.get("method") or "get").lower())
            self.forms.append(self.current)
            if "id" in attr:
                self.by_id[attr["id"]] = self.current
            return
        if tag == "option" and self.select is not None:
            form, select = self.select
            value = attr.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attr:
                form.fields[select] = [value]
            return
        owner = self.by_id.get(attr["form"]) if "form" in attr else self.current
        name = attr.get("name")
        if owner is None or not name or "disabled" in attr:
            return
        if tag == "input":
            kind = attr.get("type", "text")
            if kind in {"checkbox", "radio"}:
                values = owner.fields.setdefault(name, [])
                if "checked" in attr:
                    values.append(attr.get("value") or "on")
            elif kind not in {"submit", "button", "image", "reset", "file"}:
                owner.fields.setdefault(name, []).append(attr.get("value", ""))
        elif tag == "select":
            self.select, self.first_option = (owner, name), None
            owner.fields.setdefault(name, [])
        elif tag == "textarea":
            self.textarea, self.text = (owner, name), ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None:
            form, select = self.select
            if not form.fields[select] and self.first_option is not None:
                form.fields[select] = [self.first_option]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            form, name = self.textarea
            form.fields[name] = [self.text.removeprefix("\n")]
            self.textarea = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


@dataclass
class Walk:
    """The cast, a logged-in client, and the ids the URLs name."""

    cast: Cast
    client: Client
    ids: dict[str, int | str]
    failures: list[str] = field(default_factory=list)

    def url(self, route: str) -> str:
        pattern = next(p for p in urls.urlpatterns if getattr(p, "name", None) == route)
        return reverse(f"web:{route}", kwargs={k: self.ids[k] for k in pattern.pattern.converters})

    def send(self, method: str, url: str, data: Any, what: str) -> Any:
        """One request, undone after; a 500 (or an exception) is noted, not raised, so that
        one walk reports every failure."""
        try:
            with _rolled_back():
                response = getattr(self.client, method)(url, data)
        except Exception as error:  # the test client re-raises what the view raised
            self.failures.append(f"{what}: {type(error).__name__}: {error}"[:300])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        return response


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _walk(cast: Cast, login: Login, persona: str) -> Walk:
    pipeline = Pipeline.objects.get(account=cast.account, is_default=True)
    step = Step.objects.filter(pipeline=pipeline).order_by("position")[0]
    # A bulk action of the member's, so that the undo URL names one they may undo.
    bulk = bulk_apply(
        actor=cast.actor(cast.nils),
        action="star",
        selection=Selection(ids=[cast.leads.nils_north.pk]),
        params={},
    )
    ids: dict[str, int | str] = {
        "lead_id": cast.leads.nils_north.pk,
        "team_id": cast.north.pk,
        "user_id": cast.nils.pk if persona == "member" else cast.mona.pk,
        "pipeline_id": pipeline.pk,
        "step_id": step.pk,
        "key_id": ApiKey.objects.filter(account=cast.account).order_by("pk")[0].pk,
        "bulk_id": bulk.bulk_action.pk,
        # A password link's page, with a token that is not (or no longer) good.
        "uidb64": "MQ",
        "token": "set-password",
        # A client folder the member created, so that both personas see it.
        "folder_id": client_folder_create(actor=cast.actor(cast.nils), name="Novak & Co").pk,
        **_notified(cast, cast.nils if persona == "member" else cast.admin),
    }
    client = login(cast.admin if persona == "admin" else cast.nils)
    client.raise_request_exception = True
    return Walk(cast, client, ids)


def _notified(cast: Cast, user: User) -> dict[str, int]:
    """A notification of the persona's, and a webhook of the account with a delivery."""
    notification = Notification.objects.create(
        account=cast.account, user=user, kind="reminder", lead_id=cast.leads.nils_north.pk
    )
    webhook = Webhook.objects.create(
        account=cast.account, event="lead.creation", target_type="url", target="https://h.test"
    )
    event = Event.objects.create(account=cast.account, name="lead.creation", dispatched_at=now())
    delivery = Delivery.objects.create(
        account=cast.account, webhook=webhook, event=event, event_name=webhook.event
    )
    return {
        "notification_id": notification.pk,
        "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
    }


def _known_names(walk: Walk) -> list[str]:
    """Every field name of every form of every page the persona can open, and LOOSE_NAMES."""
    names = dict.fromkeys(LOOSE_NAMES)
    for route in ROUTES:
        url = walk.url(route)
        response = walk.client.get(url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for form in forms_of(response.text, url):
                names |= dict.fromkeys(form.fields)
    return list(names)


def wire(value: object) -> list[str | bytes]:
    """The value as a form or a query string carries it. A lone surrogate has no UTF-8: a
    browser sends the bytes Python's "surrogatepass" gives (%ED%A0%80), which Django reads as
    U+FFFD."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return [text.encode("utf-8", "surrogatepass")]
    return [text]


def _as_query(value: object, names: list[str]) -> dict[str, list[str | bytes]]:
    return dict.fromkeys(names, wire(value))


def _walk_urls(walk: Walk, values: list[Hostile]) -> None:
    """GET and POST on every URL, with every known parameter set to one hostile value (past
    a few thousand characters only the first names get it: the forms' own lengths are walked
    field by field, and a query of a hundred 100 kB values only measures the parser)."""
    names = _known_names(walk)
    for route in ROUTES:
        if route == "logout":
            continue
        url = walk.url(route)
        for hostile in values:
            long = len(str(hostile.value)) > 5000
            data = _as_query(hostile.value, names[:5] if long else names)
            walk.send("get", url, data, f"GET {url} ={hostile!r}")
            walk.send("post", url, data, f"POST {url} ={hostile!r}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_takes_hostile_parameters(cast: Cast, login: Login, persona: str) -> None:
    walk = _walk(cast, login, persona)
    _walk_urls(walk, [hostile for hostile in HOSTILE_TEXT if hostile.name in QUICK_URL])
    assert not walk.failures, "\n".join(walk.failures)


@pytest.mark.slow
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_takes_every_hostile_parameter(cast: Cast, login: Login, persona: str) -> None:
    walk = _walk(cast, login, persona)
    _walk_urls(walk, [hostile for hostile in HOSTILE_TEXT if hostile.name not in QUICK_URL])
    assert not walk.failures, "\n".join(walk.failures)


def test_the_login_page_takes_hostile_values(client: Client) -> None:
    """Logged out: the login form and the language switch."""
    walk = Walk(cast=None, client=client, ids={})  # type: ignore[arg-type]
    client.raise_request_exception = True
    names = ["email", "password", "next", "locale", "unknown"]
    for url in ("/login", "/language", "/leads", "/"):
        for hostile in HOSTILE_TEXT:
            data = _as_query(hostile.value, names)
            walk.send("get", url, data, f"GET {url} ={hostile!r}")
            walk.send("post", url, data, f"POST {url} ={hostile!r}")
    assert not walk.failures, "\n".join(walk.failures)


def _forms(walk: Walk) -> list[Form]:
    """Every form of every page, once (the layout's language switch shows on every page)."""
    found: dict[tuple[str | None, str, tuple[str, ...]], Form] = {}
    for route in ROUTES:
        url = walk.url(route)
        response = walk.client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_of(response.text, url):
            found.setdefault(form.key(), form)
    return [form for form in found.values() if not form.action.endswith("/logout")]


def _walk_forms(walk: Walk, values: list[Hostile]) -> int:
    posted = 0
    for form in _forms(walk):
        for name in form.fields:
            for hostile in values:
                data = {**form.fields, name: wire(hostile.value)}
                what = f"{form.method.upper()} {form.action} {name}={hostile!r}"
                walk.send(form.method, form.action, data, what)
                posted += 1
    return posted


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_form_takes_a_hostile_value_in_each_field(
    cast: Cast, login: Login, persona: str
) -> None:
    walk = _walk(cast, login, persona)
    posted = _walk_forms(walk, [hostile for hostile in HOSTILE_TEXT if hostile.name in QUICK_FORM])
    assert posted > (100 if persona == "admin" else 30)  # the pages' forms were found
    assert not walk.failures, "\n".join(walk.failures)


@pytest.mark.slow
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_form_takes_every_hostile_value_in_each_field(
    cast: Cast, login: Login, persona: str
) -> None:
    walk = _walk(cast, login, persona)
    _walk_forms(walk, [hostile for hostile in HOSTILE_TEXT if hostile.name not in QUICK_FORM])
    assert not walk.failures, "\n".join(walk.failures)


def test_the_form_parser_reads_what_a_browser_would_send() -> None:
    html = """
      <form method="post" action="/x" id="f">
        <input name="title" value="Deal"><input type="checkbox" name="starred" checked>
        <input type="checkbox" name="off"><input type="submit" name="go" value="1">
        <select name="step"><option value="1">A</option><option value="2" selected>B</option>
        </select><select name="team"><option value="">-</option><option value="3">N</option>
        </select><textarea name="description">
Line</textarea><input name="gone" disabled>
      </form>
      <input type="checkbox" name="ids" value="7" form="f" checked>
      <form><input name="q"></form>"""
    first, second = forms_of(html, "/page")
    assert (first.action, first.method) == ("/x", "post")
    assert first.fields == {
        "title": ["Deal"],
        "starred": ["on"],
        "off": [],
        "step": ["2"],
        "team": [""],
        "description": ["Line"],
        "ids": ["7"],
    }
    assert (second.action, second.method, second.fields) == ("/page", "get", {"q": [""]})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "١٢"),
        ("amount", "１２"),
        ("probability", "١٢"),
        ("probability", "²"),
        ("remind_date", "٢٠٣٠-٠١-٠١"),
        ("remind_time", "٠٩:١٥"),
    ],
)
def test_numbers_and_dates_take_ascii_digits_only(
    cast: Cast, login: Login, field: str, value: str
) -> None:
    """Python reads "١٢" as 12 (int, Decimal, strptime); the API refuses it, so do the pages:
    a form error on the field, and no lead."""
    client = login(cast.nils)
    page = client.get("/leads/new")
    [form] = [f for f in forms_of(page.text, "/leads/new") if f.action.endswith("/leads/new")]
    data = {**form.fields, "title": "Ascii only", field: [value]}
    if field == "remind_time":
        data["remind_date"] = ["2030-01-01"]
    response = client.post("/leads/new", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Lead.objects.filter(account=cast.account, title="Ascii only").exists()
