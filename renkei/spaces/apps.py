from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "renkei.spaces"
    label = "spaces"
