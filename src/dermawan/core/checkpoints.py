"""SQLite: the write-ahead log checkpointed by a thread of its own (decision 0048).

In WAL mode a commit appends the pages it changed to the log; a checkpoint
copies them into the database file and syncs both files. By default the
connection whose commit takes the log past 1,000 pages runs that checkpoint
inside its commit: for the API's writer, with the write lock held, about
6 ms every 1.4 batches of 1,000 events (with their appends to the
transparency log), a sixth of the writer's turns.

``offload`` hands that work to a daemon thread of the process, one per
database file, which checkpoints every ``INTERVAL_SECONDS`` while the log
grows, on a connection of its own, in PASSIVE mode: it waits for nobody and
holds up nobody. The writer's connection keeps a checkpoint of its own at
``WRITER_PAGES``: under steady load the log starts over only after a
checkpoint that copied every page committed, which the background thread,
overtaken by the next commit, rarely finishes. The writer's, run inside its
commit, always does, and finds most pages copied already; so the log stays
under about ``WRITER_PAGES`` pages (40 MB).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Any

from dermawan.core import file_locks

logger = logging.getLogger(__name__)

# A writer's own checkpoint threshold (pages of 4 KiB): a safety net, and
# the log's size bound (module docstring).
WRITER_PAGES = 10_000
# The checkpointer's pace: while pages are waiting, and when none were.
INTERVAL_SECONDS = 0.05
IDLE_SECONDS = 1.0

_threads: dict[str, Checkpointer] = {}
_guard = threading.Lock()


class Checkpointer(threading.Thread):
    """Checkpoints one database file until stopped or the file is gone."""

    def __init__(self, path: str) -> None:
        super().__init__(name=f"dermawan-checkpointer {os.path.basename(path)}", daemon=True)
        self.path = path
        self._version = -1  # PRAGMA data_version: moves with every commit of another connection
        self._stop_asked = threading.Event()

    def stop(self) -> None:
        self._stop_asked.set()

    def run(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        except sqlite3.Error as error:
            logger.warning("no checkpointer for %s: %s", self.path, error)
            return
        try:
            pause = 0.0
            while not self._stop_asked.wait(pause) and os.path.exists(self.path):
                pause = self.checkpoint(db)
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> float:
        """One PASSIVE checkpoint; the pause before the next: short while
        commits keep adding pages (or another connection was checkpointing)."""
        try:
            (busy, _, _) = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            (version,) = db.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error as error:  # e.g. the file went away under a test
            logger.debug("checkpoint of %s failed: %s", self.path, error)
            return IDLE_SECONDS
        committed, self._version = version != self._version, version
        return INTERVAL_SECONDS if busy or committed else IDLE_SECONDS


def hand_over(driver: Any, path: str) -> Checkpointer:
    """Give ``driver`` (a sqlite3 connection to ``path`` in WAL mode) the
    writer's threshold and make sure this process checkpoints ``path``."""
    driver.execute(f"PRAGMA wal_autocheckpoint={WRITER_PAGES}")
    with _guard:
        thread = _threads.get(path)
        if thread is None or not thread.is_alive():
            thread = _threads[path] = Checkpointer(path)
            thread.start()
        return thread


def offload(connection: Any) -> bool:
    """For a Django connection to a SQLite file in WAL mode: ``hand_over`` its
    checkpoints, once per underlying connection. False for anything else
    (PostgreSQL, a database in memory)."""
    path = file_locks.database_file(connection)
    if path is None:
        return False
    connection.ensure_connection()
    driver = connection.connection
    if getattr(connection, "checkpoints_handed_over", None) is not driver:
        (mode,) = driver.execute("PRAGMA journal_mode").fetchone()
        if mode != "wal":
            return False
        hand_over(driver, path)
        connection.checkpoints_handed_over = driver  # a new connection is handed over again
    return True


def stop_all() -> None:
    """Stop every checkpointer of this process (tests)."""
    with _guard:
        threads = list(_threads.values())
        _threads.clear()
    for thread in threads:
        thread.stop()
        thread.join(timeout=5)
