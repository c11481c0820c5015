from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "leadcrew.contacts"
    label = "contacts"
