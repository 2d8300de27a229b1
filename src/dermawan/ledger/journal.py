"""Posting transactions: staged in bulk, then written by a few set-based statements.

Every entry is a transfer between two accounts of one currency. The batch's
entries are copied into a staging table once; SQL then writes the
transactions, two postings each (debit +amount, credit -amount, summing to
zero), and moves the stored balances, all in the caller's database
transaction. Balances are updated in account-id order, one fixed lock order,
so concurrent writers on PostgreSQL cannot deadlock.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook, AccountKey

STAGE = "ledger_entry_stage"
STAGE_COLUMNS = (
    "id", "kind", "currency", "order_line_id", "event_row_id", "occurred_at_us",
    "debit_id", "credit_id", "amount_minor",
)  # fmt: skip


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
    bulk.create_stage(
        cursor,
        STAGE,
        "id bigint, kind varchar(20), currency varchar(3), order_line_id bigint, "
        "event_row_id bigint, occurred_at_us bigint, debit_id bigint, credit_id bigint, "
        "amount_minor bigint",
    )
    bulk.insert_rows(
        cursor,
        STAGE,
        STAGE_COLUMNS,
        [
            (tid, e.kind, e.currency, e.order_line_id, e.event_row_id, e.occurred_at_us,
             ids[e.debit], ids[e.credit], e.amount_minor)
            for tid, e in zip(transaction_ids, entries, strict=True)
        ],
    )  # fmt: skip
    cursor.execute(
        "INSERT INTO ledger_transaction "
        "(id, kind, currency, order_line_id, event_row_id, occurred_at_us) "
        f"SELECT id, kind, currency, order_line_id, event_row_id, occurred_at_us FROM {STAGE} "
        "ORDER BY id"
    )
    cursor.execute(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount_minor) "
        "SELECT transaction_id, account_id, amount_minor FROM ("
        f" SELECT id AS transaction_id, 0 AS leg, debit_id AS account_id, amount_minor FROM {STAGE}"
        " UNION ALL"
        f" SELECT id, 1, credit_id, -amount_minor FROM {STAGE}"
        ") legs ORDER BY transaction_id, leg"
    )
    cursor.execute(
        "UPDATE ledger_account SET balance_minor = balance_minor + moves.amount_minor "
        "FROM ("
        " SELECT account_id, sum(amount_minor) AS amount_minor FROM ("
        f"  SELECT debit_id AS account_id, amount_minor FROM {STAGE}"
        f"  UNION ALL SELECT credit_id, -amount_minor FROM {STAGE}"
        " ) legs GROUP BY account_id ORDER BY account_id"
        ") moves "
        "WHERE ledger_account.id = moves.account_id AND moves.amount_minor <> 0"
    )
    bulk.drop_stage(cursor, STAGE)
