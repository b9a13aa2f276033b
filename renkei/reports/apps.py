from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "renkei.reports"
    label = "reports"
