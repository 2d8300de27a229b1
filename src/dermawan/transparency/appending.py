"""Appending the leaves engine batches left waiting, once they have committed.

An engine batch encodes its leaves in its own transaction and leaves them in
one ``PendingLeaves`` row (recording.py). The log's lock, the tree's hashes
and its rows (entries, nodes, sources) come after that commit, in a
transaction of their own: on PostgreSQL, while the next engine batch runs
(decision 0041). Every source of engine batches calls ``append_pending``
after each commit (dermawan.donations.hooks.after_commit); whoever calls it
appends every batch waiting, its own and any another process or a crash
left behind, and deletes their rows in the same transaction, so each leaf
is appended exactly once and in the order its batches committed.
"""

from __future__ import annotations

from django.db import transaction

from dermawan.core import bulk
from dermawan.donations.hooks import Gate
from dermawan.transparency.recording import append_waiting

# Batches per append transaction: a backlog (after a crash, or a long
# outage of the appender) goes in steps that each hold the lock briefly.
BATCHES_PER_APPEND = 50


def waiting() -> bool:
    """Whether any leaves wait (one cheap read; no lock)."""
    cursor = bulk.raw_cursor()
    cursor.execute("SELECT 1 FROM transparency_pendingleaves LIMIT 1")
    return cursor.fetchone() is not None


def append_pending(gate: Gate = transaction.atomic) -> int:
    """Append every batch waiting; the number of leaves appended.

    ``gate`` opens each append's transaction (the API's passes its write
    lock on SQLite, where writers queue on it rather than poll).
    """
    appended = 0
    while waiting():
        with gate():
            batches, leaves = append_waiting(bulk.raw_cursor(), BATCHES_PER_APPEND)
        appended += leaves
        if batches < BATCHES_PER_APPEND:
            break
    return appended
