"""The audit log's one table: append-only, so an entry once written stays as written."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    """One action by a person or a key: settlement approvals, catalog changes, key revocations.

    ``actor`` names who acted in a stable, readable form (``user:ayu``,
    ``api-key:12``, ``cli``); ``subject`` names what was acted on
    (``settlement-run:7``, ``charity:CH-001``); ``details`` holds the rest.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(max_length=200, db_index=True)
    details = models.JSONField(default=dict)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.subject}"
