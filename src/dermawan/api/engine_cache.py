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

    # A group commit fails whole (event_batches): two statements saved per batch.
    savepoint = False

    def __init__(self, run_id: int, pledges: PledgeBook) -> None:
        self.run_id = run_id
        self.pledges = pledges
        self.accounts = AccountBook()


# The version, for a caller that reads it with another statement (event_batches).
VERSION_SQL = "(SELECT version FROM api_catalogversion WHERE id = 1)"


def pledge_book(version: int) -> PledgeBook:
    """The pledge book as of ``version``, read inside the batch's transaction."""
    global _cached
    database = str(connection.settings_dict["NAME"])
    cached = _cached
    if cached is not None and cached[0] == database and cached[1] == version:
        return cached[2]
    book = PledgeBook.load()
    with _lock:
        _cached = (database, version, book)
    return book


def engine(run_id: int, catalog_version: int) -> Engine:
    return ApiEngine(run_id, pledge_book(catalog_version))


def forget() -> None:
    global _cached
    with _lock:
        _cached = None
