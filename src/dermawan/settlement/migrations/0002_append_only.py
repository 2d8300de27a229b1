"""What a run settled is never rewritten: settled lines are append-only."""

from django.db import migrations

from dermawan.core.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]
    operations = [refuse_changes("settlement", "settlement record", ("settlement_settledline",))]
