"""Posting transactions: rows appended in bulk, stored balances moved with them.

Every entry is a transfer between two accounts of one currency, written as a
transaction and two postings (debit +amount, credit -amount) that sum to
zero, and the accounts' stored balances change in the same database
transaction. Balances are updated in account-id order, one fixed lock order,
so concurrent writers on PostgreSQL cannot deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook, AccountKey


class Entry(NamedTuple):
    kind: str
    currency: str
    order_line_id: int | None
    event_row_id: int | None
    occurred_at_us: int
    debit: AccountKey
    credit: AccountKey
    amount_minor: int


def post(cursor: Any, accounts: AccountBook, entries: list[Entry]) -> None:
    if not entries:
        return
    ids = accounts.resolve(cursor, {e.debit for e in entries} | {e.credit for e in entries})
    transaction_ids = bulk.allocate_ids(cursor, "ledger_transaction", len(entries))
    bulk.insert_rows(
        cursor,
        "ledger_transaction",
        ("id", "kind", "currency", "order_line_id", "event_row_id", "occurred_at_us"),
        [
            (tid, e.kind, e.currency, e.order_line_id, e.event_row_id, e.occurred_at_us)
            for tid, e in zip(transaction_ids, entries, strict=True)
        ],
    )
    moves: dict[int, int] = defaultdict(int)
    postings = []
    for tid, e in zip(transaction_ids, entries, strict=True):
        debit, credit, amount = ids[e.debit], ids[e.credit], e.amount_minor
        postings.append((tid, debit, amount))
        postings.append((tid, credit, -amount))
        moves[debit] += amount
        moves[credit] -= amount
    bulk.insert_rows(
        cursor, "ledger_posting", ("transaction_id", "account_id", "amount_minor"), postings
    )
    marks = "%s" if bulk.vendor() == "postgresql" else "?"
    cursor.executemany(
        f"UPDATE ledger_account SET balance_minor = balance_minor + {marks} WHERE id = {marks}",
        [(moves[account], account) for account in sorted(moves) if moves[account]],
    )
