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
        "SELECT account_id, sum(amount_minor) FROM ("
        " SELECT debit_account_id AS account_id, amount_minor FROM ledger_transaction"
        f" WHERE occurred_at_us < {mark}"
        " UNION ALL SELECT credit_account_id, -amount_minor FROM ledger_transaction"
        f" WHERE occurred_at_us < {mark}"
        ") legs GROUP BY account_id",
        (instant_us, instant_us),
    )
    return {account_id: int(total) for account_id, total in cursor.fetchall() if total}


def transactions(cursor: Any, start_us: int, end_us: int) -> Iterator[LedgerTransaction]:
    """The transactions that occurred in [start, end), with their postings, one at a time."""
    if connection.vendor == "postgresql":
        mark = "%s"
        rows = connection.connection.cursor(name="ledger_export")
        rows.itersize = FETCH
    else:
        mark, rows = "?", cursor
    # A transaction is one row, its transfer (decision 0050); id order is a
    # rowid scan on SQLite and an on-disk sort at worst on PostgreSQL.
    rows.execute(
        "SELECT id, kind, currency, order_line_id, occurred_at_us, "
        "debit_account_id, credit_account_id, amount_minor FROM ledger_transaction "
        f"WHERE occurred_at_us >= {mark} AND occurred_at_us < {mark} ORDER BY id",
        (start_us, end_us),
    )
    try:
        while batch := rows.fetchmany(FETCH):
            for tid, kind, currency, line_id, at_us, debit, credit, amount in batch:
                postings = [(debit, amount), (credit, -amount)]
                yield LedgerTransaction(tid, kind, currency, line_id, at_us, postings)
    finally:
        if rows is not cursor:
            rows.close()
