"""Each transaction holds its transfer: debit account, credit account, amount (decision 0050).

The columns are filled from the two postings of each transaction written
before; 0006 then replaces the posting table by a view of them. Reversals
are indexed by the account they debit, for settlement's claw-backs. The triggers
of ledger_transaction are lifted for the fill only (on SQLite, making the
columns NOT NULL rebuilds the table, which would drop them anyway).
"""

from django.db import migrations, models

from dermawan.core.append_only import allow_changes, refuse_changes

# A transaction's debit is its first posting (the journal writes the debit,
# then the credit), its credit the last; they sum to zero, so the transfer's
# amount is the debit's and the view gives back the same two postings.
FILL = """
UPDATE ledger_transaction
SET debit_account_id = d.account_id, credit_account_id = c.account_id,
    amount_minor = d.amount_minor
FROM (
    SELECT transaction_id, min(id) AS first_id, max(id) AS last_id
    FROM ledger_posting GROUP BY transaction_id
) legs
JOIN ledger_posting d ON d.id = legs.first_id
JOIN ledger_posting c ON c.id = legs.last_id
WHERE ledger_transaction.id = legs.transaction_id
"""

# Transactions that are not a transfer: not two postings, or not summing to zero.
NOT_TRANSFERS = """
SELECT t.id FROM ledger_transaction t
LEFT JOIN ledger_posting p ON p.transaction_id = t.id
GROUP BY t.id
HAVING count(p.id) <> 2 OR coalesce(sum(p.amount_minor), 0) <> 0
ORDER BY t.id
"""


def fill_transfers(apps, schema_editor):  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(NOT_TRANSFERS)
        broken = [row[0] for row in cursor.fetchall()]
        if broken:
            raise RuntimeError(
                f"{len(broken)} ledger transactions are not two postings summing to zero "
                f"(ids {broken[:20]}); `dermawan check-ledger` counts them. Correct them "
                "before this migration: nothing was changed."
            )
        cursor.execute(FILL)


def _legs(operation, **null):  # type: ignore[no-untyped-def]
    """``operation`` (AddField or AlterField) on the debit and the credit account."""
    return [
        operation(
            model_name="transaction",
            name=name,
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name=related_name,
                to="ledger.account",
                **null,
            ),
        )
        for name, related_name in (("debit_account", "debits"), ("credit_account", "credits"))
    ]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_effects_by_line")]

    operations = [
        allow_changes("ledger", "ledger", ("ledger_transaction",)),
        # Nullable while they are filled, then NOT NULL.
        *_legs(migrations.AddField, null=True),
        migrations.AddField(
            model_name="transaction",
            name="amount_minor",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(fill_transfers, migrations.RunPython.noop),
        *_legs(migrations.AlterField),
        migrations.AlterField(
            model_name="transaction",
            name="amount_minor",
            field=models.BigIntegerField(),
        ),
        migrations.AddIndex(
            model_name="transaction",
            index=models.Index(
                condition=models.Q(kind="reversed"),
                fields=["debit_account", "id"],
                name="ledger_reversals_by_debit",
            ),
        ),
        refuse_changes("ledger", "ledger", ("ledger_transaction",)),
    ]
