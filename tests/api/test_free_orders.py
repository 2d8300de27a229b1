"""Large API groups on PostgreSQL: the orders free now first, the rest after (free_orders.py).

Another connection holds one order's lock, as another server process's
group would: a large request's other orders are applied and committed
without waiting for it, and the held order's events wait for its release,
in a second transaction. The answer is the same as if nothing had waited.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from dermawan.api import event_batches, free_orders, write_lock
from dermawan.core import bulk
from dermawan.donations.engine import ORDER_LOCKS, BatchOutcome, Rejection
from dermawan.donations.events import OrderEvent, read_event
from tests.api.live import prepare, serving
from tests.api.test_live_concurrency import post
from tests.conftest import ON_POSTGRES, other_session, run_dermawan
from tests.donations.builders import (
    catalog,
    completed,
    order_in_another_bucket,
    paid,
    percent_pledge,
)

on_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite admits one writer at a time: API groups never run beside"
)


def order_events(*records: dict[str, Any]) -> list[OrderEvent]:
    return [read_event(record, line) for line, record in enumerate(records, 1)]


@on_postgres
@pytest.mark.django_db
def test_split_leaves_the_orders_another_transaction_holds_for_later() -> None:
    free = order_in_another_bucket("o-1")
    events = order_events(
        paid("p-busy", "o-1"),
        paid("p-free", free),
        completed("c-busy", "o-1"),
        completed("c-free", free),
        # One event id in a busy order and a free one: both wait, so the
        # first in the batch is still judged first.
        paid("twice", "o-1", "2"),
        paid("twice", free, "2"),
    )
    with other_session() as other:
        other.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", (ORDER_LOCKS, bulk.lock_bucket("o-1"))
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")  # a wait would fail, not hang
        started = time.monotonic()
        now, later = free_orders.split(bulk.raw_cursor(), events)
        assert time.monotonic() - started < 0.3
        assert (now, later) == ([1, 3], [0, 2, 4, 5])
        # The free order's lock is this transaction's now: the other session cannot take it.
        [(taken,)] = other.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", (ORDER_LOCKS, bulk.lock_bucket(free))
        ).fetchall()
        assert taken is False


def test_merge_puts_each_part_back_in_its_events_places() -> None:
    first = BatchOutcome(
        applied=1,
        rejected=[
            Rejection(4, "e-4", "conflict", "sent before", index=1),
            Rejection(0, "old", "invalid_amount", "parked earlier", index=None),
        ],
        donations_created=1,
        statuses=["applied", "rejected"],
    )
    second = BatchOutcome(duplicates=1, statuses=["duplicate", "parked"])
    merged = free_orders.merge(4, [([0, 3], first), ([1, 2], second)])
    assert merged.statuses == ["applied", "duplicate", "parked", "rejected"]
    assert [(r.event_id, r.index) for r in merged.rejected] == [("e-4", 3), ("old", None)]
    assert (merged.applied, merged.duplicates, merged.donations_created) == (1, 1, 1)


@on_postgres
def test_a_large_request_applies_free_orders_while_a_held_one_waits(
    scratch_database_url: str, tmp_path: Path
) -> None:
    keys = prepare(scratch_database_url, tmp_path, catalog(percent_pledge("pl-wide")))
    busy, orders = "o-1", event_batches.BESIDE_FROM // 2
    records = []
    for n in range(1, orders + 1):
        records += [paid(f"p-{n}", f"o-{n}"), completed(f"c-{n}", f"o-{n}")]
    # The same event id for another order, later in the batch than the busy
    # order's: still a conflict, as if the busy order had not waited.
    assert bulk.lock_bucket("o-9") != bulk.lock_bucket(busy)
    records[-1] = paid("p-1", "o-9", "2")
    answers: list[dict[str, Any]] = []
    with serving(scratch_database_url) as base, psycopg.connect(scratch_database_url) as other:
        held = bulk.lock_bucket(busy)
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (ORDER_LOCKS, held))
        sender = threading.Thread(
            target=lambda: answers.append(post(base, keys["marketplace"], records))
        )
        sender.start()
        seen = {"free": 0, "held": 0}
        deadline = time.monotonic() + 60
        while not seen["free"] and time.monotonic() < deadline:
            time.sleep(0.02)
            [(free, held)] = other.execute(
                "SELECT count(*) FILTER (WHERE event_id NOT IN ('p-1', 'c-1')),"
                " count(*) FILTER (WHERE event_id IN ('p-1', 'c-1')) FROM donations_event"
            ).fetchall()
            seen = {"free": free, "held": held}
        # The free orders committed while the busy one was still held.
        assert seen == {"free": len(records) - 3, "held": 0}
        assert sender.is_alive()  # its answer waits for the busy order
        other.rollback()  # the other group is done: its lock goes
        sender.join(60)
        [answer] = answers
        runs = other.execute(
            "SELECT id, counts FROM donations_ingestrun WHERE source = 'api' ORDER BY id"
        ).fetchall()
    outcomes = [(o["event_id"], o["outcome"], o.get("reason")) for o in answer["outcomes"]]
    expected = [(r["event_id"], "applied", None) for r in records[:-1]]
    assert outcomes == [*expected, ("p-1", "rejected", "conflict")]
    assert [json.loads(counts)["read"] if isinstance(counts, str) else counts["read"]
            for _, counts in runs] == [len(records) - 3, 3]  # fmt: skip
    assert answer["run_id"] == runs[0][0]
    ledger = json.loads(run_dermawan(scratch_database_url, "check-ledger", "--json").stdout)
    # Two per order, but the last order lost its completion to the conflict.
    assert ledger["ok"] is True and ledger["transactions"] == 2 * orders - 1


@on_postgres
@pytest.mark.django_db
def test_only_a_small_group_takes_the_write_lock() -> None:
    def lock_free() -> bool:
        with other_session() as other:
            [(free,)] = other.execute(
                "SELECT pg_try_advisory_xact_lock(%s)", (write_lock.ADVISORY_KEY,)
            ).fetchall()
            return bool(free)

    with event_batches._gate(event_batches.BESIDE_FROM) as opened:
        assert opened is None and lock_free()
    with event_batches._gate(event_batches.BESIDE_FROM - 1) as opened:
        assert opened is not None and not lock_free()
