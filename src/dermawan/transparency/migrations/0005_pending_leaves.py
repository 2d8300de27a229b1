"""Leaves encoded in an engine batch's transaction, appended to the tree after
it commits (decision 0041)."""

from typing import Any

from django.db import migrations, models


def _store_uncompressed(apps: Any, schema_editor: Any) -> None:
    # Leaf bytes are mostly ids and hashes: compressing them on the hot path
    # costs the database CPU and saves little.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE transparency_pendingleaves ALTER COLUMN data SET STORAGE EXTERNAL"
        )


class Migration(migrations.Migration):
    dependencies = [("transparency", "0004_sources_and_salts_append_only")]

    operations = [
        migrations.CreateModel(
            name="PendingLeaves",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("leaf_count", models.IntegerField()),
                ("data", models.BinaryField()),
            ],
            options={"verbose_name_plural": "pending leaves"},
        ),
        migrations.RunPython(_store_uncompressed, migrations.RunPython.noop),
    ]
