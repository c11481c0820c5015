from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from leadcrew.accounts.models import Account, Edition, User
from leadcrew.accounts.services import account_create, user_token_issue


@dataclass
class ApiAccount:
    """An account seen through the API: its admin key, and clients acting as its users."""

    account: Account
    admin: User
    key_client: Client

    def client_for(self, user: User) -> Client:
        return Client(HTTP_X_USER_TOKEN=user_token_issue(user=user))

    def add_user(self, email: str, **fields: Any) -> User:
        return User.objects.create(account=self.account, email=email, **fields)


def make_api_account(name: str, email: str, **account_fields: Any) -> ApiAccount:
    new = account_create(
        name=name, admin_email=email, admin_password="secret-pass", edition=Edition.DREAM_TEAM
    )
    Account.objects.filter(pk=new.account.pk).update(**account_fields)
    new.account.refresh_from_db()
    return ApiAccount(new.account, new.admin, Client(HTTP_X_API_KEY=new.api_key))


@pytest.fixture
def acme(db: None) -> ApiAccount:
    return make_api_account("Acme", "admin@acme.test", time_zone="Europe/Paris")


@pytest.fixture
def rival(db: None) -> ApiAccount:
    return make_api_account("Rival", "admin@rival.test")
