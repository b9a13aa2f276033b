from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "renkei.realtime"
    label = "realtime"
    verbose_name = "Live updates"
