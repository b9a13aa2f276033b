from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "renkei.pledges"
    default_auto_field = "django.db.models.BigAutoField"
