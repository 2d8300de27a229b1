"""The ledger as CSV: one row per posting, opening balances first (decision 0019).

Columns: period, transaction_id (empty on an opening row), occurred_at
(RFC 3339, UTC), date (local), kind (``opening_balance`` on opening rows),
order_line_id, account_id, account_kind, account_owner, currency,
amount_minor (signed, debit +), amount (decimal).
"""

from __future__ import annotations

import csv
from typing import TextIO

from dermawan.ledger.exports.context import ExportContext
from dermawan.ledger.exports.source import LedgerTransaction

COLUMNS = (
    "period", "transaction_id", "occurred_at", "date", "kind", "order_line_id", "account_id",
    "account_kind", "account_owner", "currency", "amount_minor", "amount",
)  # fmt: skip


class CsvExport:
    suffix = "csv"

    def __init__(self, out: TextIO, context: ExportContext) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.context = context

    def begin(self) -> None:
        c = self.context
        self.writer.writerow(COLUMNS)
        start, day = c.instant(c.start_us), c.first_day.isoformat()
        for account_id in sorted(c.opening):
            self._row("", start, day, "opening_balance", None, account_id, c.opening[account_id])

    def transaction(self, t: LedgerTransaction) -> None:
        at, day = self.context.instant(t.occurred_at_us), self.context.local_date(t.occurred_at_us)
        for account_id, amount in t.postings:
            self._row(t.id, at, day.isoformat(), t.kind, t.order_line_id, account_id, amount)

    def end(self) -> None:
        pass

    def _row(
        self,
        tid: int | str,
        at: str,
        day: str,
        kind: str,
        line: int | None,
        account_id: int,
        amount: int,
    ) -> None:
        a = self.context.accounts[account_id]
        self.writer.writerow(
            (self.context.period, tid, at, day, kind, "" if line is None else line, account_id,
             a.kind, a.owner_id, a.currency, amount, self.context.amount(amount, account_id))
        )  # fmt: skip
