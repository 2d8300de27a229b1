"""The ledger as a Beancount file (decision 0019).

Every account is opened on the period's first day with its dermawan kind,
owner and ids as metadata; the opening balances are one balanced
transaction per currency; each transaction keeps its id, kind, order line
and instant as metadata; ``balance`` directives on the next period's first
day assert dermawan's closing balances, so ``bean-check`` proves the export.
"""

from __future__ import annotations

from typing import TextIO

from dermawan.ledger.exports.context import ExportContext
from dermawan.ledger.exports.source import LedgerTransaction


class BeancountExport:
    suffix = "beancount"

    def __init__(self, out: TextIO, context: ExportContext) -> None:
        self.out = out
        self.context = context

    def begin(self) -> None:
        c, w = self.context, self.out.write
        w(f"; {c.title()}\n")
        w('option "title" ' + _string(f"dermawan ledger {c.period}") + "\n\n")
        opened: dict[str, list[int]] = {}
        for account_id in c.used_accounts():
            opened.setdefault(c.names[account_id], []).append(account_id)
        day = c.first_day.isoformat()
        for name, ids in opened.items():
            a = c.accounts[ids[0]]
            currencies = ",".join(sorted({c.accounts[i].currency for i in ids}))
            w(f"{day} open {name} {currencies}\n")
            w(f"  kind: {_string(a.kind)}\n  owner: {_string(a.owner_id)}\n")
            w(f"  account_ids: {_string(' '.join(str(i) for i in ids))}\n")
        w("\n")
        by_currency: dict[str, list[int]] = {}
        for account_id in c.used_accounts():
            if c.opening.get(account_id):
                by_currency.setdefault(c.accounts[account_id].currency, []).append(account_id)
        for currency, ids in sorted(by_currency.items()):
            w(f'{day} * "opening balances" ' + _string(f"{c.period} {currency}") + "\n")
            for account_id in ids:
                amount = c.amount(c.opening[account_id], account_id)
                w(f"  {c.names[account_id]}  {amount} {currency}\n")
            w("\n")

    def transaction(self, t: LedgerTransaction) -> None:
        c, w = self.context, self.out.write
        narration = f"order line {t.order_line_id}" if t.order_line_id is not None else ""
        day = c.local_date(t.occurred_at_us).isoformat()
        w(f"{day} * {_string(t.kind)} {_string(narration)}\n")
        w(f'  transaction_id: "{t.id}"\n  occurred_at: "{c.instant(t.occurred_at_us)}"\n')
        for account_id, amount in t.postings:
            w(f"  {c.names[account_id]}  {c.amount(amount, account_id)} {t.currency}\n")
        w("\n")

    def end(self) -> None:
        c, w = self.context, self.out.write
        day = c.day_after.isoformat()
        for account_id in c.used_accounts():
            a = c.accounts[account_id]
            amount = c.amount(c.closing.get(account_id, 0), account_id)
            w(f"{day} balance {c.names[account_id]}  {amount} {a.currency}\n")


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
