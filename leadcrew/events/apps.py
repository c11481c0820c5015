from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "leadcrew.events"
    label = "events"
