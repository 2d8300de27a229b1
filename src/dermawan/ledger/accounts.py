"""Account ids by (kind, owner, currency), created on first use, in bulk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dermawan.core import bulk

AccountKey = tuple[str, str, str]  # (kind, owner_id, currency)


ACCOUNTS = bulk.Read(
    "SELECT id, kind, owner_id, currency FROM ledger_account WHERE", ("owner_id",), ()
)


class CommittedAccounts:
    """Account ids known to be committed, shared by the books of one writer
    (api/engine_cache.py keeps one per database). Accounts are never deleted,
    so a committed id stays right; each owner's accounts come in whole
    (``AccountBook._load``), so a known owner's accounts are all here."""

    def __init__(self) -> None:
        self.ids: dict[AccountKey, int] = {}
        self.owners: set[str] = set()

    def add(self, ids: dict[AccountKey, int]) -> None:
        self.ids.update(ids)
        self.owners.update(key[1] for key in ids)


class AccountBook:
    """A cache of account ids; accounts are few next to postings.

    ``committed``: ids of committed transactions to start from. What the
    book reads or creates stays in its own ``ids()`` for its owner to add
    there once the book's transaction has committed.
    """

    def __init__(self, committed: CommittedAccounts | None = None) -> None:
        self._committed = committed if committed is not None else CommittedAccounts()
        self._ids: dict[AccountKey, int] = {}  # read or created in this book's transaction
        # A read sent ahead by ``prefetch``: its owners, and how to fetch its rows.
        self._ahead: tuple[set[str], Callable[[], list[list[tuple[Any, ...]]]]] | None = None

    def prefetch(self, cursor: Any, owners: Iterable[str]) -> None:
        """Send the read of these owners' accounts now, for ``resolve`` to take.

        In a pipeline it then shares the round trip of the next read sent
        instead of costing one of its own.
        """
        own = {key[1] for key in self._ids}
        wanted = sorted(o for o in set(owners) if o not in own and o not in self._committed.owners)
        if wanted:
            self._ahead = (set(wanted), bulk.send_reads(cursor, [ACCOUNTS.among(wanted)]))

    def resolve(self, cursor: Any, keys: Iterable[AccountKey]) -> dict[AccountKey, int]:
        """Ids for ``keys``, creating the accounts that do not exist yet."""
        keys = set(keys)
        committed = self._committed.ids
        missing = sorted(key for key in keys if key not in self._ids and key not in committed)
        read_ahead = self._take_ahead()
        if missing:
            unread = [key for key in missing if key[1] not in read_ahead]
            if unread:
                self._load(cursor, unread)
            absent = [key for key in missing if key not in self._ids]
            if absent:
                # ON CONFLICT: a concurrent writer may create the same account.
                cursor.executemany(
                    "INSERT INTO ledger_account (kind, owner_id, currency, balance_minor) "
                    f"VALUES ({bulk.marks(3)}, 0) ON CONFLICT DO NOTHING",
                    absent,
                )
                self._load(cursor, absent)
        return {key: self._ids[key] if key in self._ids else committed[key] for key in keys}

    def ids(self) -> dict[AccountKey, int]:
        """What this book read or created (not what it started from)."""
        return dict(self._ids)

    def forget(self) -> None:
        """Drop the cache, e.g. after a rolled-back transaction created accounts."""
        self._ids.clear()
        self._ahead = None

    def _take_ahead(self) -> set[str]:
        """The owners whose accounts the prefetched read brought (now in the cache)."""
        if self._ahead is None:
            return set()
        owners, fetch = self._ahead
        self._ahead = None
        self._keep(fetch()[0])
        return owners

    def _load(self, cursor: Any, keys: list[AccountKey]) -> None:
        # Every account of these owners, as prefetch keeps: each is a real id.
        self._keep(bulk.read_all(cursor, [ACCOUNTS.among(sorted({key[1] for key in keys}))])[0])

    def _keep(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for account_id, kind, owner, currency in rows:
            self._ids[(kind, owner, currency)] = account_id
