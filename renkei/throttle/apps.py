from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    name = "renkei.throttle"
    label = "throttle"
