"""The donation engine for API batches, with the pledge book and account ids cached per process.

``Engine(run_id)`` loads every pledge; an API batch may be one event, so
reloading per request would cost more than the batch. The book is kept
while ``api_catalogversion`` (changed by database triggers on every pledge
and project write) stays the same, read in the batch's own transaction.

Account ids are kept only once committed: a batch's ``AccountBook`` starts
from them, and what it read or created joins them when its transaction
commits (``on_commit``). A rolled-back batch can never leave an id behind,
and a small batch whose accounts are known reads none (decision 0038).
"""

from __future__ import annotations

import threading

from django.db import connection, transaction

from dermawan.donations.engine import Engine
from dermawan.donations.pledges import PledgeBook
from dermawan.ledger.accounts import AccountBook, CommittedAccounts

_lock = threading.Lock()
_cached: tuple[str, int, PledgeBook] | None = None  # (database, version, book)
_accounts: dict[str, CommittedAccounts] = {}  # by database


class ApiEngine(Engine):
    """The engine with a given pledge book (the rest is the engine, unchanged)."""

    # A group commit fails whole (event_batches): two statements saved per batch.
    savepoint = False

    def __init__(self, run_id: int, pledges: PledgeBook, accounts: AccountBook) -> None:
        self.run_id = run_id
        self.pledges = pledges
        self.accounts = accounts


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
    """The engine for one batch, inside its transaction."""
    database = str(connection.settings_dict["NAME"])
    with _lock:
        committed = _accounts.setdefault(database, CommittedAccounts())
    accounts = AccountBook(committed)

    def keep() -> None:
        with _lock:
            committed.add(accounts.ids())

    transaction.on_commit(keep)
    return ApiEngine(run_id, pledge_book(catalog_version), accounts)


def forget() -> None:
    global _cached
    with _lock:
        _cached = None
        _accounts.clear()
