from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "renkei.audit"
    label = "audit"
    verbose_name = "Audit trail"
