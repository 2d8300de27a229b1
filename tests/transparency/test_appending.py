"""Leaves wait in the engine's transaction and join the tree after it commits
(decision 0041): once each, in commit order, whoever appends them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection, transaction

from dermawan.core import bulk
from dermawan.donations import hooks
from dermawan.donations.models import OrderLine
from dermawan.transparency import appending, leaves, recording, store
from dermawan.transparency.models import PendingLeaves
from dermawan.transparency.recording import PaidOutLine, record_paid_out
from tests.donations.builders import (
    call_json,
    completed,
    ingest,
    load_default_catalog,
    paid,
    refunded,
)
from tests.transparency.test_recording import logged, salt_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def crashed_appender(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources commit their batches and never get to append (as after a crash)."""
    monkeypatch.setattr(hooks, "_after_commit", [])


def _audit(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return call_json("audit", capsys=capsys)[1]


def test_a_committed_batch_waits_with_its_leaves_until_appended(
    crashed_appender: None, capsys: pytest.CaptureFixture[str]
) -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1", buyer_id="b-1"), paid("p-2", "o-2", "1"), batch_size=1)
    ingest(completed("c-1", "o-1", "1"))
    assert PendingLeaves.objects.count() == 3
    assert [p.leaf_count for p in PendingLeaves.objects.order_by("id")] == [1, 1, 1]
    assert logged() == [] and store.size(bulk.raw_cursor()) == 0
    # The audit counts them as waiting, not as missing from the log.
    waiting = _audit(capsys)
    assert waiting["ok"] is True and waiting["leaves_waiting"] == 3

    assert appending.append_pending() == 3
    rows = logged()
    assert [(leaf.kind, leaf.event_id) for _, leaf, _, _ in rows] == [
        ("pledged", "p-1"),
        ("pledged", "p-2"),
        ("confirmed", "c-1"),
    ]
    assert not PendingLeaves.objects.exists()
    # The salt is made when the line's first leaf is appended, and kept.
    line = OrderLine.objects.get(order_id="o-1")
    salt = salt_of(line.pk)
    assert salt is not None and leaves.reveals(rows[0][1], salt, "b-1")
    assert rows[2][1].buyer_hash == rows[0][1].buyer_hash
    assert salt_of(OrderLine.objects.get(order_id="o-2").pk) is None  # no buyer, no salt
    done = _audit(capsys)
    assert done["ok"] is True and done["leaves_waiting"] == 0 and done["tree_size"] == 3
    assert appending.append_pending() == 0  # nothing twice


def test_a_waiting_batch_counts_each_lines_effects_for_receipts(crashed_appender: None) -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1"), completed("c-1", "o-1", "1"), paid("p-2", "o-2", "1"))
    ingest(refunded("r-1", "o-2", "1", refund_minor=5_000), paid("p-3", "o-3", "1"))
    line = {line.order_id: line.pk for line in OrderLine.objects.all()}
    cursor = bulk.raw_cursor()
    # What the batches' leaves say, read the long way.
    everything = Counter(pk for pk, _ in recording.waiting_sources(cursor))
    assert everything == {line["o-1"]: 2, line["o-2"]: 2, line["o-3"]: 1}
    assert recording.waiting_counts(cursor, line.values()) == everything
    assert recording.waiting_counts(cursor, [line["o-2"], 10**9]) == {line["o-2"]: 2}
    assert appending.append_pending() == 5
    assert recording.waiting_counts(cursor, line.values()) == Counter()


def test_the_next_source_appends_what_a_crash_left_waiting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    load_default_catalog()
    with monkeypatch.context() as crash:
        crash.setattr(hooks, "_after_commit", [])
        ingest(paid("p-1", "o-1", "1", buyer_id="b-1"), paid("p-2", "o-1", "2"))
    assert PendingLeaves.objects.count() == 1
    ingest(refunded("r-1", "o-1", "1", refund_minor=5_000))
    assert [(leaf.kind, leaf.event_id) for _, leaf, _, _ in logged()] == [
        ("pledged", "p-1"),
        ("pledged", "p-2"),
        ("reversed", "r-1"),
    ]
    assert not PendingLeaves.objects.exists()
    assert _audit(capsys)["ok"] is True


def test_an_appender_that_lost_the_race_appends_nothing_twice(
    crashed_appender: None, capsys: pytest.CaptureFixture[str]
) -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1", buyer_id="b-1"), paid("p-2", "o-2", "1"), batch_size=1)
    cursor = bulk.raw_cursor()
    first = recording.read_waiting(cursor)
    second = recording.read_waiting(cursor)  # read before the first appended
    with transaction.atomic():
        assert recording.append_read(bulk.raw_cursor(), first) == 2
    with pytest.raises(recording.Taken, match="2 of the batches read"), transaction.atomic():
        recording.append_read(bulk.raw_cursor(), second)
    assert len(logged()) == 2
    # Its salts were rolled back with it: the line keeps the salt of its leaf.
    line = OrderLine.objects.get(order_id="o-1")
    salt = salt_of(line.pk)
    assert salt is not None and leaves.reveals(logged()[0][1], salt, "b-1")
    assert _audit(capsys)["ok"] is True


def test_paid_out_comes_after_the_lines_waiting_leaves(crashed_appender: None) -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1", buyer_id="b-1"), completed("c-1", "o-1", "1"))
    line = OrderLine.objects.get()
    with transaction.atomic():
        record_paid_out(
            bulk.raw_cursor(), [PaidOutLine(line.pk, 1_000, "IDR")], paid_at_us=1_800_000
        )
    rows = logged()
    assert [leaf.kind for _, leaf, _, _ in rows] == ["pledged", "confirmed", "paid_out"]
    salt = salt_of(line.pk)
    assert salt is not None and all(leaves.reveals(leaf, salt, "b-1") for _, leaf, _, _ in rows)
    assert not PendingLeaves.objects.exists()


def test_a_backlog_is_appended_in_steps(
    crashed_appender: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_default_catalog()
    ingest(*[paid(f"p-{n}", f"o-{n}", "1") for n in range(7)], batch_size=1)
    monkeypatch.setattr(appending, "BATCHES_PER_APPEND", 3)
    steps: list[int] = []
    append_read = recording.append_read

    def counted(cursor: Any, waiting: recording.Waiting) -> int:
        steps.append(len(waiting.batch_ids))
        return append_read(cursor, waiting)

    monkeypatch.setattr(recording, "append_read", counted)
    assert appending.append_pending() == 7
    assert steps == [3, 3, 1]
    assert [leaf.event_id for _, leaf, _, _ in logged()] == [f"p-{n}" for n in range(7)]


def test_while_another_process_appends_the_api_writer_does_not_wait(
    crashed_appender: None,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's appender lock is a flock, shared by the threads of one process")
    import psycopg

    load_default_catalog()
    ingest(paid("p-1", "o-1", "1"))
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
        dbname=settings["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_advisory_lock(%s)", (appending.APPENDER_LOCK,))
        assert appending.append_pending(wait=False) is None
        assert appending.append_after_commit(transaction.atomic, False) is False
        assert PendingLeaves.objects.count() == 1
        other.execute("SELECT pg_advisory_unlock(%s)", (appending.APPENDER_LOCK,))
    assert appending.append_after_commit(transaction.atomic, False) is True
    assert [leaf.event_id for _, leaf, _, _ in logged()] == ["p-1"]
