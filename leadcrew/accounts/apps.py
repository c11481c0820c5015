from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "leadcrew.accounts"
    label = "accounts"
