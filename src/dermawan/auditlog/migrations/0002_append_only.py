"""The audit log is append-only: an entry is never edited or removed."""

from django.db import migrations

from dermawan.core.append_only import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0001_initial")]
    operations = [refuse_changes("auditlog", "audit log", ("auditlog_auditentry",))]
