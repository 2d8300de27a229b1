"""``dermawan migrate``: Django's migrate, plus the spec's ``--json``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands import migrate

from dermawan.core.output import emit_json


class Command(migrate.Command):
    help = "Create or upgrade the database schema (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--json", action="store_true", help='print {"ok": true}')

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options.pop("json")
        if as_json:
            options["verbosity"] = 0
        super().handle(*args, **options)
        if as_json:
            emit_json({"ok": True})
