from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "renkei.backups"
    label = "backups"

    def ready(self) -> None:
        from renkei.backups import checks  # noqa: F401  (registers the system check)
