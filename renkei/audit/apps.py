from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "renkei.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from renkei.audit.guard import restore_after_migrate

        # A later migration that alters the audit table rebuilds it on SQLite, dropping the
        # trigger that refuses changes to its rows; it comes back after every migrate.
        post_migrate.connect(restore_after_migrate, sender=self)
