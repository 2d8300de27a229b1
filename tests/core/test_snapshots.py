"""Reads inside ``core.snapshots.snapshot`` see one instant while a writer commits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from dermawan.core import snapshots
from dermawan.donations.models import IngestRun

pytestmark = pytest.mark.django_db

SOURCE = "snapshot-test"


def _on_its_own_connection(work: Callable[[], None]) -> threading.Thread:
    """``work`` on a thread, so on a connection of its own, outside the test's transaction."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # the test's thread asserts on it
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.failed = failed  # type: ignore[attr-defined]
    thread.start()
    return thread


def _runs(cursor: Any) -> int:
    cursor.execute("SELECT count(*) FROM donations_ingestrun WHERE source = %s", [SOURCE])
    return int(cursor.fetchone()[0])


def test_a_commit_between_two_reads_of_a_snapshot_is_seen_by_neither() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test database lives in one process's memory: no second writer")
    first_read, committed = threading.Event(), threading.Event()
    seen: list[int] = []

    def read() -> None:
        with snapshots.snapshot() as cursor:
            seen.append(_runs(cursor))
            first_read.set()
            assert committed.wait(30)
            seen.append(_runs(cursor))
        with connection.cursor() as cursor:
            seen.append(_runs(cursor))

    def write() -> None:
        assert first_read.wait(30)
        IngestRun.objects.create(source=SOURCE)  # autocommit: committed at once
        committed.set()

    def clean() -> None:
        IngestRun.objects.filter(source=SOURCE).delete()

    threads = [_on_its_own_connection(read), _on_its_own_connection(write)]
    try:
        for thread in threads:
            thread.join(60)
            assert not thread.is_alive()
            assert not thread.failed  # type: ignore[attr-defined]
    finally:
        _on_its_own_connection(clean).join(60)
    assert seen == [0, 0, 1]  # the snapshot's two reads agree; after it, the commit shows
