"""Each order line carries its confirmation (decision 0032): the ledger
transaction, when it occurred, and the amount; filled here for the lines
confirmed before, set-based from the ledger.
"""

from django.db import migrations, models

# A confirmation moves the outstanding donation from the project's pending
# (its one debit, amount > 0) to the charity's payable.
FILL = (
    "UPDATE donations_orderline SET confirmed_txn_id = c.id, "
    "confirmed_at_us = c.occurred_at_us, confirmed_minor = c.amount_minor "
    "FROM (SELECT t.order_line_id, t.id, t.occurred_at_us, p.amount_minor "
    "FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id "
    "WHERE t.kind = 'confirmed' AND p.amount_minor > 0) AS c "
    "WHERE c.order_line_id = donations_orderline.id"
)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0004_line_fillfactor"),
        ("ledger", "0004_effects_by_line"),
    ]
    operations = [
        migrations.AddField("orderline", "confirmed_txn_id", models.BigIntegerField(null=True)),
        migrations.AddField("orderline", "confirmed_at_us", models.BigIntegerField(null=True)),
        migrations.AddField("orderline", "confirmed_minor", models.BigIntegerField(null=True)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
