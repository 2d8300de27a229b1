"""``dermawan revoke-api-key PREFIX``: the key stops working on its next request."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from dermawan.api.keys import revoke
from dermawan.auditlog.entries import cli_actor, record
from dermawan.core.output import BadInput, DermawanCommand


class Command(DermawanCommand):
    help = "Revoke an API key, named by its prefix (or the whole key)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("key", help="the key's prefix, as create-api-key printed it")

    def run(self, **options: Any) -> dict[str, Any]:
        with transaction.atomic():
            key = revoke(options["key"])
            if key is None:
                raise BadInput(f"no API key {options['key']!r}")
            record(cli_actor(), "api-key.revoke", f"api-key:{key.id}", prefix=key.prefix)
        assert key.revoked_at is not None
        return {"prefix": key.prefix, "kind": key.kind, "revoked_at": key.revoked_at.isoformat()}

    def render(self, document: dict[str, Any]) -> str:
        return f"API key {document['prefix']} ({document['kind']}) revoked."
