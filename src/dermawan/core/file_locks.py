"""Locks shared by the processes of one SQLite database: ``flock`` on a file beside it.

SQLite's own lock makes a second writer poll with sleeps of up to 100 ms;
the kernel's ``flock`` queue wakes the next holder the moment it is free.
One descriptor per file per process, opened once (``flock`` locks belong to
the open file description, so every thread of a process shares it: callers
serialize their threads themselves).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

_files: dict[str, int] = {}
_guard = threading.Lock()


def database_file(db: Any = connection) -> str | None:
    """The SQLite database file of ``db`` (a Django connection); None for
    PostgreSQL or a database in memory."""
    name = str(db.settings_dict["NAME"])
    if db.vendor != "sqlite" or name.startswith("file:") or ":memory:" in name:
        return None
    return name


def beside_database(suffix: str) -> str | None:
    """The lock file ``suffix`` beside this connection's SQLite database file;
    None for PostgreSQL or a database in memory."""
    name = database_file()
    return None if name is None else name + suffix


def _descriptor(path: str) -> int:
    with _guard:
        descriptor = _files.get(path)
        if descriptor is None:
            descriptor = _files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return descriptor


@contextmanager
def held(path: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock on ``path``; yields False (not holding it) if another
    process does and ``wait`` is False."""
    descriptor = _descriptor(path)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        yield False
        return
    try:
        yield True
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
