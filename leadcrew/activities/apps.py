from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "leadcrew.activities"
    label = "activities"
