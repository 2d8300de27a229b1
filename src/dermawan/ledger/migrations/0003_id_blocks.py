"""PostgreSQL: reserve ledger transaction ids in blocks (dermawan.core.bulk.ID_BLOCK)."""

from django.db import migrations

from dermawan.core.bulk import id_blocks_sql


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(id_blocks_sql("ledger_transaction"))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
