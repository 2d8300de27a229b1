"""One consistent view for several reads that must agree, while writers go on.

Each statement outside a transaction sees the database as of its own start:
two reads a moment apart can each miss a row that moved between them (the
transparency log's appender turns waiting effects into log entries in one
commit; a receipt that read the entries before it and the waiting rows after
it saw neither). Inside ``snapshot`` every read sees one instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from dermawan.core import bulk


@contextmanager
def snapshot() -> Iterator[Any]:
    """A read-only, repeatable view of the database and the raw cursor to read it with.

    SQLite's transactions here take the write lock up front (IMMEDIATE), which
    would stop ingest for the length of the reads; a DEFERRED read
    transaction is a WAL snapshot that takes no lock. Inside a caller's
    transaction (a test's, or an enclosing snapshot) the reads share its view.
    """
    cursor = bulk.raw_cursor()
    if connection.in_atomic_block or (
        connection.vendor == "sqlite" and connection.connection.in_transaction
    ):
        yield cursor
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            cursor = bulk.raw_cursor()
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield cursor
        return
    cursor.execute("BEGIN DEFERRED")
    try:
        yield cursor
    finally:
        cursor.execute("COMMIT")
