"""A run's claw-backs are found by transaction id, not posting id (decision 0050).

The ledger stores a transaction's two postings in its own row now, so the
range a run's claw-backs lie in, and where the next run starts reading, are
transaction ids. Each posting id kept is translated to its transaction's id
while the posting table still exists (before ledger 0006 makes it a view).
Widening is safe: a run reads only effects in its rectangle and not in the
previous run's (decision 0014), so a range may hold other transactions too.
"""

from django.db import migrations

EVERY = 2**63 - 1  # a run made before ranges were kept: every posting


def _first_transaction_at_or_after(cursor, posting_id):  # type: ignore[no-untyped-def]
    # Concurrent writers interleave posting ids, so the postings from here on
    # belong to transactions no lower than the least of theirs.
    cursor.execute("SELECT min(transaction_id) FROM ledger_posting WHERE id >= %s", [posting_id])
    found = cursor.fetchone()[0]
    if found is not None:
        return int(found)
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM ledger_transaction")
    return int(cursor.fetchone()[0])


def _last_transaction_at_or_before(cursor, posting_id):  # type: ignore[no-untyped-def]
    cursor.execute(
        "SELECT coalesce(max(transaction_id), 0) FROM ledger_posting WHERE id <= %s",
        [posting_id],
    )
    return int(cursor.fetchone()[0])


def translate(apps, schema_editor):  # type: ignore[no-untyped-def]
    Run = apps.get_model("settlement", "Run")
    with schema_editor.connection.cursor() as cursor:
        for run in Run.objects.order_by("pk"):
            if run.first_transaction_id <= run.last_transaction_id < EVERY:
                run.first_transaction_id = _first_transaction_at_or_after(
                    cursor, run.first_transaction_id
                )
                run.last_transaction_id = _last_transaction_at_or_before(
                    cursor, run.last_transaction_id
                )
            if run.horizon > 0:
                run.horizon = _first_transaction_at_or_after(cursor, run.horizon)
            run.save(update_fields=["first_transaction_id", "last_transaction_id", "horizon"])


class Migration(migrations.Migration):
    dependencies = [("settlement", "0004_run_line_range"), ("ledger", "0005_transfer_rows")]
    run_before = [("ledger", "0006_posting_view")]

    operations = [
        migrations.RenameField("run", "first_posting_id", "first_transaction_id"),
        migrations.RenameField("run", "last_posting_id", "last_transaction_id"),
        migrations.RunPython(translate, migrations.RunPython.noop),
    ]
