from django.apps import AppConfig


class AuditLogConfig(AppConfig):
    name = "dermawan.auditlog"
    label = "auditlog"
    verbose_name = "audit log"
