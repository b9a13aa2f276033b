from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "renkei.timeline"
    label = "timeline"
