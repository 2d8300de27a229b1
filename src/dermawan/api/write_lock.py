"""The engine's transaction for API batches: one writer at a time across server processes.

The engine decides each batch from what it reads at the start (which lines
are paid, which event ids are known), so two of its transactions must not
overlap on the same lines: on PostgreSQL (READ COMMITTED) a ``completed``
read before another process's ``paid`` commits would be parked for good.
Within a process, group commit already runs one batch at a time; across the
server's processes:

- PostgreSQL: a transaction-level advisory lock, taken first thing;
- SQLite: an exclusive ``flock`` on a file beside the database, taken before
  ``BEGIN``. SQLite would serialize writers anyway, but its busy handler
  polls with sleeps of up to 100 ms; the kernel's lock queue wakes the next
  process the moment the lock is free.

Other engine writers (``dermawan ingest``, stream workers) do not take these
locks: run them on other merchants' lines, or not beside the API.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# pg_advisory_xact_lock key: "dermawan api engine" in a bigint.
ADVISORY_KEY = 0x64_65_72_6D_61_70_69
_files: dict[str, int] = {}
_guard = threading.Lock()


def _lock_file(database: str) -> int:
    with _guard:
        descriptor = _files.get(database)
        if descriptor is None:
            descriptor = _files[database] = os.open(
                database + ".write-lock", os.O_RDWR | os.O_CREAT, 0o600
            )
        return descriptor


@contextmanager
def exclusive() -> Iterator[None]:
    """A transaction in which this process is the only API engine writer."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
            yield
        return
    if connection.vendor != "sqlite" or name.startswith("file:") or ":memory:" in name:
        with transaction.atomic():
            yield
        return
    descriptor = _lock_file(name)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        with transaction.atomic():
            yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
