from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "renkei.console"
    label = "console"
