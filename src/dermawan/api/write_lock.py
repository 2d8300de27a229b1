"""The engine's transaction for API batches: one writer at a time across server processes.

The engine's order locks (decision 0008) already keep concurrent writers
correct on PostgreSQL. This lock is for throughput: while one process's
batch runs, the other's requests keep joining its next group, which it takes
only once the lock is held. Without it, groups were smaller and single
requests slower (docs/performance.md). Within a process, group commit
already runs one batch at a time; across the server's processes:

- PostgreSQL: a transaction-level advisory lock, taken by the transaction's
  first statement (``Opening``: the statement that needs the lock rides it);
- SQLite: an exclusive ``flock`` on a file beside the database, taken before
  ``BEGIN``. SQLite would serialize writers anyway, but its busy handler
  polls with sleeps of up to 100 ms; the kernel's lock queue wakes the next
  process the moment the lock is free.

Other engine writers (``dermawan ingest``, stream workers) do not take it,
nor do large API groups on PostgreSQL (``beside``, free_orders.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from dermawan.core import bulk, file_locks

# pg_advisory_xact_lock key: "dermawan api engine" in a bigint.
ADVISORY_KEY = 0x64_65_72_6D_61_70_69


@dataclass(frozen=True)
class Opening:
    """A statement to run as soon as the lock is held, its row yielded by ``exclusive``.

    ``sql`` reads its values ``FROM {locked}`` (an INSERT ... SELECT): on
    PostgreSQL that is the row of the statement taking the lock, so both
    cost one wait, not two, and the statement cannot run before the lock is
    held.
    """

    sql: str
    params: Sequence[Any]


@contextmanager
def exclusive(opening: Opening) -> Iterator[tuple[Any, ...]]:
    """A transaction in which this process is the only API engine writer;
    yields ``opening``'s row."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            yield _run(opening, f"(SELECT pg_advisory_xact_lock({ADVISORY_KEY})) AS locked")
        return
    with _queued(), transaction.atomic():
        yield _run(opening, "(SELECT 1) AS locked")


@contextmanager
def beside(opening: Opening) -> Iterator[tuple[Any, ...]]:
    """PostgreSQL: a transaction that runs beside other API engine writers
    (free_orders: order locks and the engine's shared rows lock keep them
    apart); yields ``opening``'s row."""
    with transaction.atomic():
        yield _run(opening, "(SELECT 1) AS locked")


@contextmanager
def log_append() -> Iterator[None]:
    """The transaction of an append to the transparency log after a batch.

    On PostgreSQL it runs beside the next batch (the log has a lock of its
    own); SQLite admits one writer, so there it queues with the batches.
    """
    if connection.vendor == "postgresql":
        with transaction.atomic():
            yield
        return
    with _queued(), transaction.atomic():
        yield


@contextmanager
def _queued() -> Iterator[None]:
    """SQLite, on a file: hold the flock beside the database (else nothing)."""
    path = file_locks.beside_database(".write-lock")
    if path is None:
        yield
        return
    with file_locks.held(path):
        yield


def _run(opening: Opening, locked: str) -> tuple[Any, ...]:
    sql = opening.sql.format(locked=locked)
    if connection.vendor == "postgresql":  # bound and planned once per connection
        cursor = bulk.raw_cursor()
        cursor.execute(sql, opening.params, prepare=True)
        row: tuple[Any, ...] = cursor.fetchone()
        return row
    with connection.cursor() as django_cursor:
        django_cursor.execute(sql, opening.params)
        row = django_cursor.fetchone()
        return row
