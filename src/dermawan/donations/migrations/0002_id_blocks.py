"""PostgreSQL: reserve engine ids in blocks (see dermawan.core.bulk.ID_BLOCK)."""

from django.db import migrations

from dermawan.core.bulk import id_blocks_sql

TABLES = ("donations_orderline", "donations_event")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(id_blocks_sql(table))


class Migration(migrations.Migration):
    dependencies = [("donations", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
