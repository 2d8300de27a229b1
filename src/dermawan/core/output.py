"""What every command prints: one JSON object with --json, human text without.

Exit codes follow spec section 5: 0 success, 1 a check failed, 2 bad input.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


class BadInput(CommandError):
    """Bad input or usage: exit status 2 with a message naming what and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_BAD_INPUT)


def emit_json(document: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(document) + b"\n")
    sys.stdout.flush()


class DermawanCommand(BaseCommand):
    """A management command with --json and the spec's exit codes.

    Subclasses implement ``run(**options)`` returning the JSON document and
    ``render(document)`` returning the human text.
    """

    requires_system_checks: list[str] = []
    # Commands that read or write the database refuse to run on one that
    # ``dermawan migrate`` has not prepared, rather than fail half-way.
    needs_schema = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def run(self, **options: Any) -> Any:
        raise NotImplementedError

    def render(self, document: Any) -> str:
        return str(document)

    def exit_code(self, document: Any) -> int:
        return EXIT_OK

    def handle(self, *args: Any, **options: Any) -> None:
        if self.needs_schema:
            ensure_migrated()
        document = self.run(**options)
        if options["json"]:
            emit_json(document)
        else:
            self.stdout.write(self.render(document))
        code = self.exit_code(document)
        if code:
            raise SystemExit(code)


def ensure_migrated() -> None:
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        where = connection.settings_dict["NAME"]
        raise BadInput(f"the database {where} is not prepared: run 'dermawan migrate' first")
