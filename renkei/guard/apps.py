from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GuardConfig(AppConfig):
    name = "renkei.guard"
    label = "guard"

    def ready(self) -> None:
        from renkei.guard.triggers import restore_after_migrate

        # A later migration that rebuilds a table the guard reads drops its triggers on
        # SQLite; they come back after every migrate, or a changed patient would go unseen.
        post_migrate.connect(restore_after_migrate, sender=self)
