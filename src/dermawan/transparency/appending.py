"""Appending the leaves engine batches left waiting, once they have committed.

An engine batch writes what its leaves will say in one ``PendingLeaves`` row,
in its own transaction (recording.py). The leaves' encoding, the log's lock,
the tree's hashes and its rows (entries, nodes, sources, salts) come after
that commit, in a transaction of their own: on PostgreSQL, while the next
engine batch runs (decision 0041; ``dermawan ingest`` on a thread of its
own, hooks.after_commits, decision 0053). Every source of engine batches calls
``append_pending`` after each commit (dermawan.donations.hooks.after_commit);
whoever calls it appends every batch waiting, its own and any that another
process or a crash left behind, and deletes their rows in the same
transaction, so each leaf is appended exactly once and in the order its
batches committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from dermawan.core import bulk, file_locks
from dermawan.donations.hooks import Gate
from dermawan.transparency import recording

# Batches per append transaction: a backlog (after a crash, or a long
# outage of the appender) goes in steps that each hold the lock briefly.
BATCHES_PER_APPEND = 50
# pg_advisory_lock key of the appender: "dlogapnd" in ASCII.
APPENDER_LOCK = 0x646C6F6761706E64


@contextmanager
def _sole_appender(wait: bool) -> Iterator[bool]:
    """One appender at a time across processes: two would build the same
    leaves and all but one throw them away. Yields False (another process is
    appending) unless ``wait``."""
    if connection.vendor == "postgresql":
        cursor = bulk.raw_cursor()
        cursor.execute(f"SELECT pg_{'' if wait else 'try_'}advisory_lock(%s)", (APPENDER_LOCK,))
        held = wait or bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                cursor.execute("SELECT pg_advisory_unlock(%s)", (APPENDER_LOCK,))
        return
    path = file_locks.beside_database(".log-appender")
    if path is None:
        yield True
        return
    with file_locks.held(path, wait=wait) as held:
        yield held


def append_pending(gate: Gate = transaction.atomic, *, wait: bool = True) -> int | None:
    """Append every batch waiting; the number of leaves appended, or None when
    another process was appending and ``wait`` is False (try again later).

    The batches are read and their leaves made first, with only the
    appender's lock held; ``gate`` then opens the transaction that appends
    them under the log's lock (the API's passes its write lock on SQLite,
    where writers queue on it rather than poll).
    """
    appended = 0
    with _sole_appender(wait) as sole:
        if not sole:
            return None
        while True:
            cursor = bulk.raw_cursor()
            waiting = recording.read_waiting(cursor, BATCHES_PER_APPEND)
            if not waiting.batch_ids:
                return appended
            try:
                with gate():
                    appended += recording.append_read(bulk.raw_cursor(), waiting)
            except recording.Taken:
                continue  # settlement appended some of them: read what is left
            if len(waiting.batch_ids) < BATCHES_PER_APPEND:
                return appended


def append_after_commit(gate: Gate, wait: bool) -> bool:
    """The work sources run after each commit (donations.hooks.after_commit)."""
    return append_pending(gate, wait=wait) is not None
