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
from dermawan.transparency import recording

# Batches per append transaction: a backlog (after a crash, or a long
# outage of the appender) goes in steps that each hold the lock briefly.
BATCHES_PER_APPEND = 50


def append_pending(gate: Gate = transaction.atomic) -> int:
    """Append every batch waiting; the number of leaves appended.

    The batches are read and their leaves made first, with no lock held;
    ``gate`` then opens the transaction that appends them (the API's passes
    its write lock on SQLite, where writers queue on it rather than poll).
    """
    appended = 0
    while True:
        cursor = bulk.raw_cursor()
        waiting = recording.read_waiting(cursor, BATCHES_PER_APPEND)
        if not waiting.batch_ids:
            return appended
        try:
            with gate():
                appended += recording.append_read(bulk.raw_cursor(), waiting)
        except recording.Taken:
            continue  # another process appended some of them: read what is left
        if len(waiting.batch_ids) < BATCHES_PER_APPEND:
            return appended
