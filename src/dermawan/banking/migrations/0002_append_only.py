"""Reconciled statement lines are append-only: what settled a payout stays on record."""

from django.db import migrations

from dermawan.core.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("banking", "0001_initial")]
    operations = [refuse_changes("banking", "reconciliation record", ("banking_reconciledline",))]
