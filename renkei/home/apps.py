from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "renkei.home"
    label = "home"
