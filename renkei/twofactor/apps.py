from django.apps import AppConfig


class TwofactorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "renkei.twofactor"
    verbose_name = "Two-factor sign-in"
