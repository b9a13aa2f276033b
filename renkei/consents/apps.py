from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "renkei.consents"
    label = "consents"
