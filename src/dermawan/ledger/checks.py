"""``check-ledger``: the books prove themselves (spec section 5).

Two set-based queries: transactions whose postings do not sum to zero, and
accounts whose stored balance differs from the sum of their postings. The
ledger is one currency per transaction, so "balances per currency" holds when
each transaction balances.
"""

from __future__ import annotations

from typing import Any

from django.db import connection


def check_ledger() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_transaction")
        transactions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM ledger_posting")
        postings = cursor.fetchone()[0]
        # A transaction with fewer than two postings, or whose postings carry
        # accounts of another currency, does not balance either.
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT t.id
                FROM ledger_transaction t
                LEFT JOIN ledger_posting p ON p.transaction_id = t.id
                LEFT JOIN ledger_account a ON a.id = p.account_id
                GROUP BY t.id
                HAVING coalesce(sum(p.amount_minor), 0) <> 0
                    OR count(p.id) < 2
                    OR sum(CASE WHEN a.currency = t.currency THEN 0 ELSE 1 END) > 0
            ) unbalanced
            """
        )
        unbalanced = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT count(*) FROM ledger_account a
            LEFT JOIN (
                SELECT account_id, sum(amount_minor) AS total
                FROM ledger_posting GROUP BY account_id
            ) p ON p.account_id = a.id
            WHERE a.balance_minor <> coalesce(p.total, 0)
            """
        )
        mismatches = cursor.fetchone()[0]
        # Postings whose transaction is missing would escape the first query.
        cursor.execute(
            "SELECT count(*) FROM ledger_posting p "
            "LEFT JOIN ledger_transaction t ON t.id = p.transaction_id WHERE t.id IS NULL"
        )
        unbalanced += cursor.fetchone()[0]
    return {
        "ok": unbalanced == 0 and mismatches == 0,
        "transactions": transactions,
        "postings": postings,
        "unbalanced": unbalanced,
        "balance_mismatches": mismatches,
    }
