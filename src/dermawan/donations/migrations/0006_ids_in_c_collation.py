"""PostgreSQL: the marketplace's ids compare as bytes (collation "C"), decision 0044.

Every engine batch probes and extends the unique indexes on event ids and
on (order, line), and the parked events' ones: a few thousand index
operations per 1,000 events, each a dozen or more comparisons. Under a
linguistic collation (a database made with en_US.UTF-8, or even C.UTF-8
before PostgreSQL 17) each comparison is a strcoll() call; under "C" it is
a memcmp(). Ids are opaque: no one sorts them for a reader, and the spec's
ids are ASCII, where both orders agree anyway. SQLite compares bytes
already (BINARY). Changing a column's collation rebuilds its indexes, not
the table.
"""

from typing import Any

from django.db import migrations

COLUMNS = [
    ("donations_event", "event_id"),
    ("donations_orderline", "order_id"),
    ("donations_orderline", "line_id"),
    ("donations_orderline", "buyer_id"),
    ("donations_parkedevent", "event_id"),
    ("donations_parkedevent", "order_id"),
    ("donations_parkedevent", "line_id"),
]


def _collate(collation: str) -> Any:
    def change(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for table, column in COLUMNS:
                # The column's own type (varchar(n)), kept as it is.
                cursor.execute(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attname = %s",
                    [table, column],
                )
                (kind,) = cursor.fetchone()
                schema_editor.execute(
                    f'ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind} COLLATE "{collation}"'
                )

    return change


class Migration(migrations.Migration):
    dependencies = [("donations", "0005_line_confirmation")]
    operations = [migrations.RunPython(_collate("C"), _collate("default"))]
