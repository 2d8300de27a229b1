"""Two writers never decide about the same order at once (PostgreSQL).

Without the engine's order locks, a batch paying a line and a concurrent batch
completing it each miss the other's uncommitted rows: the completion parks and
nothing ever applies it. SQLite admits one writer at a time by itself.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from dermawan.core.bulk import lock_bucket
from dermawan.donations.engine import ORDER_LOCKS
from dermawan.donations.models import ParkedEvent
from tests.conftest import ON_POSTGRES, other_session
from tests.donations.builders import (
    completed,
    ingest,
    load_default_catalog,
    order_in_another_bucket,
    paid,
    total,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ON_POSTGRES, reason="SQLite admits one writer at a time by itself"),
]


def test_a_batch_waits_while_another_writer_holds_its_order() -> None:
    # The locks live until the end of their transaction, and a test is one
    # transaction: the other writer must take its lock before this one ingests.
    load_default_catalog()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    with other_session() as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (ORDER_LOCKS, lock_bucket("o-1")))
        with pytest.raises(psycopg.errors.LockNotAvailable):
            ingest(paid("p1", "o-1"))
        other.rollback()  # the other writer is done: its lock goes
    assert ingest(paid("p1", "o-1"), completed("c1", "o-1")).counts["applied"] == 2
    assert ParkedEvent.objects.count() == 0
    figures = total()
    assert figures is not None and figures["confirmed_minor"] == figures["net_minor"] > 0


def test_other_orders_do_not_wait() -> None:
    load_default_catalog()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    order = order_in_another_bucket("o-1")
    with other_session() as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (ORDER_LOCKS, lock_bucket("o-1")))
        assert ingest(paid("p2", order)).counts["applied"] == 1
