"""Append-only tables: the database itself refuses UPDATE and DELETE.

Liberapay-style: a rule the database enforces cannot be broken by a bug or a
hand-written query; corrections are new rows. Used by the migrations of the
ledger and of the transparency log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations


def _triggers(prefix: str, noun: str, tables: tuple[str, ...]) -> tuple[Callable[..., None], ...]:
    """(add, remove): migration functions adding the triggers on ``tables``, dropping them."""
    function = f"{prefix}_append_only"

    def add(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            # %% because the schema editor formats the statement.
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION 'the {noun} is append-only: %% on %% refused', "
                "TG_OP, TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
            )
        for table in tables:
            if vendor == "sqlite":
                for op in ("update", "delete"):
                    schema_editor.execute(
                        f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, 'the {noun} is append-only: "
                        f"{op} on {table} refused'); END"
                    )
            elif vendor == "postgresql":
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_append_only "
                    f"BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )

    def remove(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            if vendor == "sqlite":
                for op in ("update", "delete"):
                    schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            elif vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")

    return add, remove


def refuse_changes(prefix: str, noun: str, tables: tuple[str, ...]) -> migrations.RunPython:
    """A migration operation adding the triggers on ``tables`` (and removing them back)."""
    add, remove = _triggers(prefix, noun, tables)
    return migrations.RunPython(add, remove)


def allow_changes(prefix: str, noun: str, tables: tuple[str, ...]) -> migrations.RunPython:
    """The inverse of ``refuse_changes``: for a migration that must rewrite rows it
    keeps, between the two (the same ``prefix`` and ``noun`` as when refused)."""
    add, remove = _triggers(prefix, noun, tables)
    return migrations.RunPython(remove, add)
