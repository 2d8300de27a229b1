"""PostgreSQL: leave room in order-line pages so status changes are HOT updates.

A completed, cancelled or refunded event rewrites its line's refunded,
reversed and status columns, none of them indexed; with free space on the
page PostgreSQL updates the row in place of its indexes (a heap-only tuple)
instead of adding an entry to every index of the table.
"""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE donations_orderline SET (fillfactor = 80)")


class Migration(migrations.Migration):
    dependencies = [("donations", "0003_event_id_constraints")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
