"""Small helpers for tests that go through the HTTP API: an account with its admin key, users
and teams made directly in the database, and a JSON client acting with one credential."""

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from leadcrew.accounts.models import Account, Edition, User
from leadcrew.accounts.services import account_create, user_token_issue
from leadcrew.leads.models import Lead, Pipeline, Step
from leadcrew.teams.models import Membership, Team

PASSWORD = "correct-horse-battery"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
BASE = "/api/v2"


class Api:
    """A django.test.Client that speaks JSON to /api/v2 with one credential."""

    def __init__(self, *, key: str | None = None, token: str | None = None) -> None:
        headers = {}
        if key is not None:
            headers["X-API-KEY"] = key
        if token is not None:
            headers["X-USER-TOKEN"] = token
        self.client = Client(headers=headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            BASE + path, json.dumps(body or {}), content_type="application/json"
        )

    def put(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.put(BASE + path, json.dumps(body or {}), content_type="application/json")

    def delete(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.delete(
            BASE + path, json.dumps(body or {}), content_type="application/json"
        )


@dataclass
class World:
    """One account seen through the API."""

    account: Account
    admin: User
    api_key: str

    @property
    def key(self) -> Api:
        return Api(key=self.api_key)

    def user(self, email: str, *, is_admin: bool = False, **fields: Any) -> User:
        user = User(account=self.account, email=email, is_admin=is_admin, **fields)
        user.set_password(PASSWORD)
        user.save()
        return user

    def team(
        self, name: str, *, members: tuple[User, ...] = (), managers: tuple[User, ...] = ()
    ) -> Team:
        team = Team.objects.create(account=self.account, name=name)
        for user in members:
            Membership.objects.create(account=self.account, team=team, user=user)
        for user in managers:
            Membership.objects.create(account=self.account, team=team, user=user, is_manager=True)
        return team

    def default_pipeline(self) -> Pipeline:
        return Pipeline.objects.get(account=self.account, is_default=True)

    def first_step(self) -> Step:
        return self.default_pipeline().steps.order_by("position").first()  # type: ignore[return-value]

    def lead(self, title: str, *, step: Step | None = None, **fields: Any) -> Lead:
        """A lead written directly (creation is allowed outside the access policy)."""
        return Lead.objects.create(
            account=self.account,
            title=title,
            currency=self.account.currency,
            step=step or self.first_step(),
            **fields,
        )


def as_user(user: User) -> Api:
    return Api(token=user_token_issue(user=user))


def make_world(
    name: str,
    admin_email: str,
    *,
    edition: str = Edition.DREAM_TEAM,
    teams_enabled: bool = True,
) -> World:
    new = account_create(
        name=name,
        admin_email=admin_email,
        admin_password=PASSWORD,
        edition=edition,
        admin_first_name="Ada",
        admin_last_name=name,
    )
    if teams_enabled and edition == Edition.DREAM_TEAM:
        Account.objects.filter(pk=new.account.pk).update(teams_enabled=True)
        new.account.refresh_from_db()
    return World(account=new.account, admin=new.admin, api_key=new.api_key)


def error_type(response: Any) -> str:
    """The error's stable type, after checking the response is a JSON error of the right form."""
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert body["error"] == response.status_code, body
    return str(body["type"])
