"""The posting table becomes a view of the transactions' transfers (decision 0050).

Every posting is now in its transaction's row (0005); settlement, which kept
posting ids, has translated them to transaction ids before this runs. A
posting's id in the view is twice its transaction's (plus one for the
credit), so ordering by id still orders by transaction, debit first.
Irreversible: the posting rows are gone.
"""

from django.db import migrations

VIEW = """
CREATE VIEW ledger_posting AS
SELECT 2 * id AS id, id AS transaction_id, debit_account_id AS account_id, amount_minor
FROM ledger_transaction
UNION ALL
SELECT 2 * id + 1, id, credit_account_id, -amount_minor FROM ledger_transaction
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_transfer_rows")]

    operations = [
        migrations.AlterModelOptions(name="posting", options={"managed": False}),
        migrations.RunSQL(["DROP TABLE ledger_posting", VIEW]),
    ]
