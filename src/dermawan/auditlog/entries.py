"""Writing and reading the audit log.

``record`` joins the caller's transaction: an action and its entry commit or
roll back together, so the log never shows an action that did not happen.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dermawan.auditlog.models import AuditEntry


def record(actor: str, action: str, subject: str, **details: Any) -> AuditEntry:
    """Append one entry; ``details`` must be JSON-serialisable (ids, amounts, reasons)."""
    if not actor or not action or not subject:
        raise ValueError("an audit entry needs an actor, an action and a subject")
    return AuditEntry.objects.create(
        at=timezone.now(), actor=actor, action=action, subject=subject, details=details
    )


def cli_actor(name: str = "") -> str:
    """The actor of a command: ``cli:<name>``, by default the operating-system user."""
    try:
        who = name or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        who = "unknown"
    return f"cli:{who}"


def entries(*, action_prefix: str = "", subject: str = "", actor: str = "") -> QuerySet[AuditEntry]:
    """Newest first, narrowed by any of an action prefix (``settlement.``), a subject, an actor."""
    found = AuditEntry.objects.all()
    if action_prefix:
        found = found.filter(action__startswith=action_prefix)
    if subject:
        found = found.filter(subject=subject)
    if actor:
        found = found.filter(actor=actor)
    return found
