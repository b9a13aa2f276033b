from django.apps import AppConfig


class GuardConfig(AppConfig):
    name = "renkei.guard"
    label = "guard"
