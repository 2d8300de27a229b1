"""What an auditor export reads: accounts, balances at an instant, a period's postings, streamed.

All reads happen in one snapshot (``core.snapshots``), so opening balances,
postings and closing balances agree even while the engine writes. Postings
come from a server-side cursor on PostgreSQL and SQLite's lazy cursor, in
transaction order, a transaction at a time: memory holds one transaction,
never the period (decision 0019).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from dermawan.core import bulk

FETCH = 10_000


@dataclass(frozen=True)
class AccountRow:
    id: int
    kind: str
    owner_id: str
    currency: str


@dataclass(frozen=True)
class LedgerTransaction:
    id: int
    kind: str
    currency: str
    order_line_id: int | None
    occurred_at_us: int
    postings: list[tuple[int, int]]  # (account id, signed amount in minor units)


def accounts(cursor: Any) -> dict[int, AccountRow]:
    cursor.execute("SELECT id, kind, owner_id, currency FROM ledger_account ORDER BY id")
    return {row[0]: AccountRow(*row) for row in cursor.fetchall()}


def balances_before(cursor: Any, instant_us: int) -> dict[int, int]:
    """Each account's balance from the transactions that occurred before ``instant_us``."""
    mark = bulk.marks()
    cursor.execute(
        "SELECT p.account_id, sum(p.amount_minor) FROM ledger_posting p "
        "JOIN ledger_transaction t ON t.id = p.transaction_id "
        f"WHERE t.occurred_at_us < {mark} GROUP BY p.account_id",
        (instant_us,),
    )
    return {account_id: int(total) for account_id, total in cursor.fetchall() if total}


def transactions(cursor: Any, start_us: int, end_us: int) -> Iterator[LedgerTransaction]:
    """The transactions that occurred in [start, end), with their postings, one at a time."""
    if connection.vendor == "postgresql":
        # Concurrent writers interleave posting ids, so order by transaction
        # (an on-disk sort for a big period, not memory).
        order, mark = "p.transaction_id, p.id", "%s"
        rows = connection.connection.cursor(name="ledger_export")
        rows.itersize = FETCH
    else:
        # One writer at a time appends a transaction's postings together, so
        # posting id order is transaction order: a rowid scan, no sort (and
        # SQLite sorts in memory here: temp_store=MEMORY).
        order, mark = "p.id", "?"
        rows = cursor
    rows.execute(
        "SELECT t.id, t.kind, t.currency, t.order_line_id, t.occurred_at_us, "
        "p.account_id, p.amount_minor FROM ledger_posting p "
        "JOIN ledger_transaction t ON t.id = p.transaction_id "
        f"WHERE t.occurred_at_us >= {mark} AND t.occurred_at_us < {mark} ORDER BY {order}",
        (start_us, end_us),
    )
    current: LedgerTransaction | None = None
    try:
        while batch := rows.fetchmany(FETCH):
            for tid, kind, currency, line_id, at_us, account_id, amount in batch:
                if current is None or current.id != tid:
                    if current is not None:
                        yield current
                    current = LedgerTransaction(tid, kind, currency, line_id, at_us, [])
                current.postings.append((account_id, amount))
    finally:
        if rows is not cursor:
            rows.close()
    if current is not None:
        yield current
