"""A run's watermark never passes an ingest transaction still in flight (PostgreSQL).

PostgreSQL reserves ids before commit, so a batch in flight may hold ledger
ids below the largest committed one; the run waits for the transactions of
its database in flight when it read the maximum (decision 0015).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES, run_dermawan
from tests.donations.builders import catalog, completed, paid, percent_pledge, write_jsonl


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time: none in flight")
def test_a_run_waits_for_a_transaction_in_flight(scratch_database_url: str, tmp_path: Path) -> None:
    import psycopg

    url = scratch_database_url
    (tmp_path / "catalog.json").write_text(json.dumps(catalog(percent_pledge("pl-a"))))
    run_dermawan(url, "load-catalog", str(tmp_path / "catalog.json"))
    write_jsonl(
        tmp_path / "events.jsonl",
        [
            paid("e1", "o-1", occurred_at="2026-09-02T10:00:00Z"),
            completed("e2", "o-1", occurred_at="2026-09-04T10:00:00Z"),
        ],
    )
    run_dermawan(url, "ingest", str(tmp_path / "events.jsonl"))
    with psycopg.connect(url) as other:
        other.execute("SELECT txid_current()")  # a writer in flight, with its transaction id
        settle = subprocess.Popen(
            [sys.executable, "-m", "dermawan", "settle", "--period", "2026-09", "--json"],
            env=dict(os.environ, DERMAWAN_DATABASE_URL=url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _waiting(url, settle.pid):
                assert settle.poll() is None, settle.communicate()
                time.sleep(0.2)
            time.sleep(1.0)
            assert settle.poll() is None, "the run did not wait for the transaction in flight"
            with psycopg.connect(url) as reader:
                assert reader.execute("SELECT count(*) FROM settlement_run").fetchone() == (0,)
        finally:
            other.commit()
        out, err = settle.communicate(timeout=120)
    assert settle.returncode == 0, err
    document = json.loads(out)
    assert (document["created"], document["lines"]) == (True, 1)


def _waiting(url: str, pid: int) -> bool:
    """Whether the settle process reached its wait (it polls pg_stat_activity)."""
    import psycopg

    with psycopg.connect(url) as reader:
        (count,) = reader.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE %s AND pid <> pg_backend_pid()",
            ("SELECT pid, backend_xid::text FROM pg_stat_activity WHERE pid = ANY%",),
        ).fetchone()
    return bool(count)


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time: none in flight")
@pytest.mark.django_db
def test_a_batch_has_its_transaction_id_before_it_holds_ledger_ids() -> None:
    """What the watermark's wait rests on: ledger ids are never held unseen.

    ``nextval`` alone assigns a transaction id only when it writes the
    sequence's WAL record (one call in 32), so another session takes one
    first: the batch's own ``nextval`` then writes nothing.
    """
    import psycopg
    from django.db import connection, transaction

    from dermawan.core import bulk

    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], host=settings["HOST"], port=settings["PORT"] or 5432,
        user=settings["USER"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT nextval(pg_get_serial_sequence('ledger_transaction', 'id'))")
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        cursor.execute("SELECT pg_current_xact_id_if_assigned()")
        assert cursor.fetchone()[0] is None  # nothing written yet: no xid
        ids = bulk.allocate_many(cursor, {"ledger_transaction": 3})
        assert len(ids["ledger_transaction"]) == 3
        cursor.execute("SELECT pg_current_xact_id_if_assigned()")
        assert cursor.fetchone()[0] is not None
