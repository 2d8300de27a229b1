"""What each pledge made; filled once from the order lines already there.

After this, the engine's batches keep it (dermawan.backoffice.pledge_totals):
the one-time scan here is why the back office never scans donations again.
A line's net is its donation less its reversals; confirmed and pending split
that net by the line's status (a cancelled line's net is 0).
"""

from django.db import migrations, models

BACKFILL = """
INSERT INTO backoffice_pledgetotals
    (pledge_id, currency, donations, pledged_minor, reversed_minor, confirmed_minor, pending_minor)
SELECT pledge_id, currency, COUNT(*), SUM(donation_minor), SUM(reversed_minor),
    SUM(CASE WHEN status = 'completed' THEN donation_minor - reversed_minor ELSE 0 END),
    SUM(CASE WHEN status = 'pending' THEN donation_minor - reversed_minor ELSE 0 END)
FROM donations_orderline
WHERE donation_minor > 0 AND pledge_id IS NOT NULL
GROUP BY pledge_id, currency
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [("donations", "0004_line_fillfactor")]

    operations = [
        migrations.CreateModel(
            name="PledgeTotals",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pledge_id", models.CharField(max_length=100)),
                ("currency", models.CharField(max_length=3)),
                ("donations", models.BigIntegerField(default=0)),
                ("pledged_minor", models.BigIntegerField(default=0)),
                ("reversed_minor", models.BigIntegerField(default=0)),
                ("confirmed_minor", models.BigIntegerField(default=0)),
                ("pending_minor", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name_plural": "pledge totals",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("pledge_id", "currency"), name="one_pledge_total"
                    )
                ],
            },
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
