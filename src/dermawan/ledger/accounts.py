"""Account ids by (kind, owner, currency), created on first use, in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dermawan.core import bulk

AccountKey = tuple[str, str, str]  # (kind, owner_id, currency)


class AccountBook:
    """A cache of account ids; accounts are few next to postings."""

    def __init__(self) -> None:
        self._ids: dict[AccountKey, int] = {}

    def resolve(self, cursor: Any, keys: Iterable[AccountKey]) -> dict[AccountKey, int]:
        """Ids for ``keys``, creating the accounts that do not exist yet."""
        missing = sorted(set(keys) - self._ids.keys())
        if missing:
            self._load(cursor, missing)
            absent = [key for key in missing if key not in self._ids]
            if absent:
                # ON CONFLICT: a concurrent writer may create the same account.
                cursor.executemany(
                    "INSERT INTO ledger_account (kind, owner_id, currency, balance_minor) "
                    f"VALUES ({bulk.marks(3)}, 0) ON CONFLICT DO NOTHING",
                    absent,
                )
                self._load(cursor, absent)
        return self._ids

    def forget(self) -> None:
        """Drop the cache, e.g. after a rolled-back transaction created accounts."""
        self._ids.clear()

    def _load(self, cursor: Any, keys: list[AccountKey]) -> None:
        owners = sorted({key[1] for key in keys})
        wanted = set(keys)
        for account_id, kind, owner, currency in bulk.select_in(
            cursor,
            "SELECT id, kind, owner_id, currency FROM ledger_account WHERE",
            "owner_id",
            owners,
        ):
            if (kind, owner, currency) in wanted:
                self._ids[(kind, owner, currency)] = account_id
