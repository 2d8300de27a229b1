"""Posting transactions: the batch's entries, written by set-based SQL.

Every entry is a transfer between two accounts of one currency, and is
stored as one transaction row (debit account, credit account, amount: the
view ``ledger_posting`` shows its two postings, decision 0050). SQL writes
the transactions and moves the stored balances, in the caller's database
transaction. On PostgreSQL that is one statement over the entries as a
relation (core.bulk.staged: in the statement for a small batch, a staging
table filled by COPY for a large one); on SQLite a staging table and two
statements. Balances are updated in account-id order, one fixed lock order,
so concurrent writers on PostgreSQL cannot deadlock.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook, AccountKey

STAGE = "ledger_entry_stage"  # SQLite's
ENTRY_COLUMNS = (
    "id", "kind", "currency", "order_line_id", "event_row_id", "occurred_at_us",
    "debit_account_id", "credit_account_id", "amount_minor",
)  # fmt: skip
ENTRY_TYPES = (
    "bigint", "varchar(20)", "varchar(3)", "bigint", "bigint", "bigint", "bigint", "bigint",
    "bigint",
)  # fmt: skip
_COLUMNS = ", ".join(ENTRY_COLUMNS)


def _writes(entries: str) -> tuple[str, str]:
    """The two writes of a batch's entries, read from ``entries`` (a table's name):
    the transactions, and the balances their debits and credits move."""
    transactions = (
        f"INSERT INTO ledger_transaction ({_COLUMNS}) SELECT {_COLUMNS} FROM {entries} ORDER BY id"
    )
    balances = (
        "UPDATE ledger_account SET balance_minor = balance_minor + moves.amount_minor "
        "FROM ("
        " SELECT account_id, sum(amount_minor) AS amount_minor FROM ("
        f"  SELECT debit_account_id AS account_id, amount_minor FROM {entries}"
        f"  UNION ALL SELECT credit_account_id, -amount_minor FROM {entries}"
        " ) legs GROUP BY account_id ORDER BY account_id"
        ") moves "
        "WHERE ledger_account.id = moves.account_id AND moves.amount_minor <> 0"
    )
    return transactions, balances


# PostgreSQL: the writes as one statement over the entries (``{entries}``, a
# FROM item). Data-modifying CTEs run in one snapshot and each row is written once.
_TRANSACTIONS, _BALANCES = _writes("entry")
POST_SQL = (
    "WITH entry AS MATERIALIZED (SELECT * FROM {entries}), "
    f"written AS ({_TRANSACTIONS}) {_BALANCES}"
)
# SQLite runs no data-modifying CTE: the two, in turn, over a staging table.
STAGED_SQL = _writes(STAGE)


class Entry(NamedTuple):
    kind: str
    currency: str
    order_line_id: int | None
    event_row_id: int | None
    occurred_at_us: int
    debit: AccountKey
    credit: AccountKey
    amount_minor: int


def post(
    cursor: Any, accounts: AccountBook, entries: list[Entry], ids: list[int] | None = None
) -> None:
    """Write ``entries`` as transactions (with ``ids``, when the caller reserved them)."""
    if not entries:
        return
    accounts_of = accounts.resolve(cursor, {e.debit for e in entries} | {e.credit for e in entries})
    if ids is None:
        ids = bulk.allocate_ids(cursor, "ledger_transaction", len(entries))
    rows = [
        (tid, e.kind, e.currency, e.order_line_id, e.event_row_id, e.occurred_at_us,
         accounts_of[e.debit], accounts_of[e.credit], e.amount_minor)
        for tid, e in zip(ids, entries, strict=True)
    ]  # fmt: skip
    if bulk.vendor() == "postgresql":
        staged = bulk.staged(cursor, "ledger_entry", ENTRY_COLUMNS, rows, types=ENTRY_TYPES)
        with staged as (source, params):
            bulk.execute_later(
                cursor, "ledger_transaction", POST_SQL.format(entries=source), params, shared=True
            )
        return
    bulk.create_stage(cursor, STAGE, bulk.column_definitions(ENTRY_COLUMNS, ENTRY_TYPES))
    bulk.insert_rows(cursor, STAGE, ENTRY_COLUMNS, rows)
    for statement in STAGED_SQL:
        cursor.execute(statement)
    bulk.drop_stage(cursor, STAGE)
