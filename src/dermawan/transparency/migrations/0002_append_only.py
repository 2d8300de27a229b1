"""The log is append-only: the database itself refuses UPDATE and DELETE.

A leaf, a node or a signed tree head, once written, never changes; the
Merkle tree would expose a change anyway, and the triggers stop one early.
"""

from django.db import migrations

TABLES = ("transparency_entry", "transparency_node", "transparency_treehead")


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: "
        f"{op} on {table} refused'); END"
        for op in ("update", "delete")
    ]


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION transparency_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the transparency log is append-only: %% on %% refused',
        TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql
"""


def _postgres(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION transparency_append_only()"
    ]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    statements: list[str] = []
    if vendor == "sqlite":
        for table in TABLES:
            statements += _sqlite(table)
    elif vendor == "postgresql":
        statements.append(POSTGRES_FUNCTION)
        for table in TABLES:
            statements += _postgres(table)
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
