"""No index of its own: a buyer's history reads through the API's ``api_orderline_buyer``.

This migration first made the same partial index on ``donations_orderline
(buyer_id, paid_at_us)``; the API's migration 0002 already has it, so it now
only drops a copy an earlier run may have made (each index costs every insert).
"""

from django.db import migrations

DROP = "DROP INDEX IF EXISTS accounts_orderline_buyer_donations"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("donations", "0004_line_fillfactor"),
        ("api", "0002_read_side"),
    ]

    operations = [migrations.RunSQL(DROP, migrations.RunSQL.noop)]
