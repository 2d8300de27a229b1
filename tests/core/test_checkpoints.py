"""SQLite's write-ahead log checkpointed off the writer's path (core.checkpoints)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from dermawan.api import event_batches
from dermawan.core import checkpoints

PAGE = 4096
ROW = 3000  # one row per page: two do not fit, and none overflows


@pytest.fixture(autouse=True)
def _no_checkpointers_left() -> Iterator[None]:
    yield
    checkpoints.stop_all()


def _writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    db.execute("CREATE TABLE IF NOT EXISTS blob (id INTEGER PRIMARY KEY, data BLOB)")
    return db


def _write_pages(db: sqlite3.Connection, pages: int) -> None:
    """One commit that adds about ``pages`` pages of rows."""
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO blob (data) VALUES (?)", [(os.urandom(ROW),)] * pages)
    db.execute("COMMIT")


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_writer_keeps_a_high_threshold_and_the_thread_copies_its_pages(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    thread = checkpoints.hand_over(writer, str(path))
    assert writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoints.WRITER_PAGES
    assert checkpoints.hand_over(writer, str(path)) is thread  # one thread per file and process
    before = path.stat().st_size
    for _ in range(10):
        _write_pages(writer, 50)
    # 500 pages stay under the writer's threshold: only the thread copies them.
    assert _wait_for(lambda: path.stat().st_size >= before + 500 * PAGE), (
        f"the database file holds {path.stat().st_size} bytes; its rows were not copied"
    )
    writer.close()


def test_the_thread_slows_down_once_nothing_is_left_to_copy(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    thread = checkpoints.Checkpointer(str(path))  # not started: stepped by hand
    own = sqlite3.connect(path, isolation_level=None)
    _write_pages(writer, 20)
    assert thread.checkpoint(own) == checkpoints.INTERVAL_SECONDS  # it copied pages
    assert thread.checkpoint(own) == checkpoints.IDLE_SECONDS  # none since
    _write_pages(writer, 20)
    assert thread.checkpoint(own) == checkpoints.INTERVAL_SECONDS
    own.close()
    writer.close()


def test_steady_writes_keep_the_log_under_the_writers_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits back to back overtake the thread's checkpoints, so the log
    starts over only after the writer's own: its size stays bounded."""
    monkeypatch.setattr(checkpoints, "WRITER_PAGES", 64)
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    checkpoints.hand_over(writer, str(path))
    wal = Path(f"{path}-wal")
    largest = 0
    for _ in range(60):  # 960 pages, fifteen times the threshold
        _write_pages(writer, 16)
        largest = max(largest, wal.stat().st_size)
    # The threshold, then a commit or a few while the thread held the checkpoint.
    bound = (64 + 5 * 20) * (PAGE + 24) + 32
    assert largest <= bound, f"the log grew to {largest} bytes"
    assert writer.execute("SELECT count(*) FROM blob").fetchone()[0] == 960
    writer.close()


def test_the_thread_stops_when_asked_and_when_its_file_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    thread = checkpoints.hand_over(writer, str(path))
    checkpoints.stop_all()
    assert not thread.is_alive()
    again = checkpoints.hand_over(writer, str(path))
    assert again is not thread and again.is_alive()
    writer.close()
    for leftover in tmp_path.glob("db.sqlite3*"):
        leftover.unlink()
    again.join(timeout=checkpoints.IDLE_SECONDS + 5)
    assert not again.is_alive()


def _django_connection(name: str, engine: str = "sqlite3") -> Any:
    handler = ConnectionHandler(
        {"default": {"ENGINE": f"django.db.backends.{engine}", "NAME": name,
                   "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL"}
                   if engine == "sqlite3" else {}}}
    )  # fmt: skip
    return handler["default"]


def _in_a_thread(work: Callable[[], None]) -> None:
    """``work`` in a thread of its own, as the server's request threads run it.
    Not on the main thread: a browser test's Playwright (sync API) may have
    left an event loop marked running there, and Django then refuses to
    connect (SynchronousOnlyOperation)."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(work).result()


def test_offload_hands_over_each_new_sqlite_file_connection_once(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():  # a connection of the test's own, to a file of its own
        _in_a_thread(lambda: _offload_hands_over(_django_connection(str(tmp_path / "db.sqlite3"))))


def _offload_hands_over(connection: Any) -> None:
    assert checkpoints.offload(connection)
    first = connection.connection
    assert first.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoints.WRITER_PAGES
    first.execute("PRAGMA wal_autocheckpoint=1000")
    assert checkpoints.offload(connection)  # the same connection: already handed over
    assert first.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    connection.close()
    assert checkpoints.offload(connection)  # a new one is handed over again
    second = connection.connection
    assert second.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoints.WRITER_PAGES
    connection.close()


def test_offload_leaves_other_databases_alone(tmp_path: Path, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        _in_a_thread(lambda: _offload_leaves_alone(tmp_path))


def _offload_leaves_alone(tmp_path: Path) -> None:
    rollback_journal = _django_connection(str(tmp_path / "plain.sqlite3"))
    rollback_journal.settings_dict["OPTIONS"] = {}
    assert not checkpoints.offload(rollback_journal)
    rollback_journal.close()
    assert not checkpoints.offload(_django_connection(":memory:"))
    assert not checkpoints.offload(_django_connection("file:memorydb?mode=memory&cache=shared"))
    # PostgreSQL: no connection is even opened.
    assert not checkpoints.offload(_django_connection("unused", "postgresql"))


@pytest.mark.django_db
def test_the_api_writer_offloads_its_connection_before_each_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[object] = []
    monkeypatch.setattr(checkpoints, "offload", seen.append)
    event_batches._check_connection()
    assert seen == [connection]
