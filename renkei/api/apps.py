from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "renkei.api"
    label = "api"
