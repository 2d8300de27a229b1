"""``check-ledger``: the books prove themselves (spec section 5).

Two set-based queries: transactions that do not balance, and accounts whose
stored balance differs from the sum of their postings. A transaction is a
transfer (decision 0050): its two postings are +amount and -amount, so it
balances unless a leg is missing (no amount, or an account that does not
exist) or crosses currencies; the ledger is one currency per transaction, so
"balances per currency" holds when each transaction balances.
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
        cursor.execute(
            """
            SELECT count(*) FROM ledger_transaction t
            LEFT JOIN ledger_account d ON d.id = t.debit_account_id
            LEFT JOIN ledger_account c ON c.id = t.credit_account_id
            WHERE t.amount_minor IS NULL
                OR coalesce(d.currency, '') <> t.currency
                OR coalesce(c.currency, '') <> t.currency
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
    return {
        "ok": unbalanced == 0 and mismatches == 0,
        "transactions": transactions,
        "postings": postings,
        "unbalanced": unbalanced,
        "balance_mismatches": mismatches,
    }
