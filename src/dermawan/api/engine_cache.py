"""The donation engine for API batches, with the pledge book cached per process.

``Engine(run_id)`` loads every pledge; an API batch may be one event, so
reloading per request would cost more than the batch. The book is kept
while ``api_catalogversion`` (changed by database triggers on every pledge
and project write) stays the same, read in the batch's own transaction.
Account ids are not cached across batches: a fresh ``AccountBook`` each
time, so a rolled-back batch can never leave a stale account id behind.
"""

from __future__ import annotations

import threading

from django.db import connection

from dermawan.donations.engine import Engine
from dermawan.donations.pledges import PledgeBook
from dermawan.ledger.accounts import AccountBook

_lock = threading.Lock()
_cached: tuple[str, int, PledgeBook] | None = None  # (database, version, book)


class ApiEngine(Engine):
    """The engine with a given pledge book (the rest is the engine, unchanged)."""

    def __init__(self, run_id: int, pledges: PledgeBook) -> None:
        self.run_id = run_id
        self.pledges = pledges
        self.accounts = AccountBook()


def catalog_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM api_catalogversion WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def pledge_book() -> PledgeBook:
    """The pledge book as of now; call inside the batch's transaction."""
    global _cached
    database = str(connection.settings_dict["NAME"])
    version = catalog_version()
    cached = _cached
    if cached is not None and cached[0] == database and cached[1] == version:
        return cached[2]
    book = PledgeBook.load()
    with _lock:
        _cached = (database, version, book)
    return book


def engine(run_id: int) -> Engine:
    return ApiEngine(run_id, pledge_book())


def forget() -> None:
    global _cached
    with _lock:
        _cached = None
