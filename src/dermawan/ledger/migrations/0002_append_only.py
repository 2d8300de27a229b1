"""The ledger is append-only: corrections are new reversing transactions."""

from django.db import migrations

from dermawan.core.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [refuse_changes("ledger", "ledger", ("ledger_transaction", "ledger_posting"))]
