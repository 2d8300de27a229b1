"""A buyer's donation history reads its lines by buyer, newest first, through this index.

A partial index (only lines with a buyer and a donation), so lines that
gave nothing cost no index entry; decision 0023.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS accounts_orderline_buyer_donations"
    " ON donations_orderline (buyer_id, paid_at_us)"
    " WHERE buyer_id IS NOT NULL AND donation_minor > 0"
)
DROP = "DROP INDEX IF EXISTS accounts_orderline_buyer_donations"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("donations", "0004_line_fillfactor"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
