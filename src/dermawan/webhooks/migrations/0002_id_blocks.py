"""PostgreSQL: reserve outbox message ids in blocks (see dermawan.core.bulk.ID_BLOCK)."""

from django.db import migrations

from dermawan.core.bulk import id_blocks_sql


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(id_blocks_sql("webhooks_message"))


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
