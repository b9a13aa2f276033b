from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "renkei.notifications"
    label = "notifications"
