from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "renkei.guide"
    label = "guide"
