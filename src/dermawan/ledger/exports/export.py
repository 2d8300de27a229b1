"""``export_ledger``: one period of the ledger, streamed into a file in one format."""

from __future__ import annotations

from typing import Protocol, TextIO

from django.utils import timezone

from dermawan.core import snapshots
from dermawan.ledger.exports import source
from dermawan.ledger.exports.beancount_format import BeancountExport
from dermawan.ledger.exports.context import ExportContext
from dermawan.ledger.exports.csv_format import CsvExport
from dermawan.ledger.exports.hledger_format import HledgerExport
from dermawan.ledger.exports.names import account_names
from dermawan.settlement.periods import parse_period, time_zone


class ExportFormat(Protocol):
    def begin(self) -> None: ...
    def transaction(self, t: source.LedgerTransaction) -> None: ...
    def end(self) -> None: ...


FORMATS: dict[str, type[CsvExport] | type[HledgerExport] | type[BeancountExport]] = {
    "csv": CsvExport,
    "hledger": HledgerExport,
    "beancount": BeancountExport,
}


def export_ledger(period_text: str, format_name: str, out: TextIO) -> dict[str, object]:
    """Write the period; BadPeriod for a bad period. Returns counts and closing totals."""
    period = parse_period(period_text)
    with snapshots.snapshot() as cursor:
        accounts = source.accounts(cursor)
        context = ExportContext(
            period=period.name,
            start_us=period.start_us,
            end_us=period.end_us,
            zone=time_zone(),
            accounts=accounts,
            names=account_names(accounts.values()),
            opening=source.balances_before(cursor, period.start_us),
            closing=source.balances_before(cursor, period.end_us),
            generated_at=timezone.now(),
        )
        writer: ExportFormat = FORMATS[format_name](out, context)
        writer.begin()
        transactions = postings = 0
        for t in source.transactions(cursor, period.start_us, period.end_us):
            writer.transaction(t)
            transactions += 1
            postings += len(t.postings)
        writer.end()
    return {
        "period": period.name,
        "format": format_name,
        "accounts": len(accounts),
        "transactions": transactions,
        "postings": postings,
    }
