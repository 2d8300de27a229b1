"""The ledger as an hledger journal (decision 0019).

Accounts are declared with their dermawan kind, owner and ids; the period
opens with one balanced transaction per currency carrying every account's
opening balance, and closes with balance assertions of dermawan's own
closing balances, so ``hledger check`` proves the export adds up.
"""

from __future__ import annotations

from typing import TextIO

from dermawan.core.money import CURRENCY_EXPONENTS
from dermawan.ledger.exports.context import ExportContext
from dermawan.ledger.exports.source import LedgerTransaction


class HledgerExport:
    suffix = "journal"

    def __init__(self, out: TextIO, context: ExportContext) -> None:
        self.out = out
        self.context = context

    def begin(self) -> None:
        c, w = self.context, self.out.write
        w(f"; {c.title()}\n")
        w("decimal-mark .\n\n")
        for currency in sorted({a.currency for a in c.accounts.values()}):
            exponent = CURRENCY_EXPONENTS.get(currency, 2)
            w(f"commodity {currency} 1000.{'0' * exponent}\n")
        w("\n")
        declared: set[str] = set()
        for account_id in c.used_accounts():
            name = c.names[account_id]
            if name not in declared:
                declared.add(name)
                a = c.accounts[account_id]
                w(f"account {name}  ; kind: {a.kind}, owner: {_comment(a.owner_id)}\n")
        w("\n")
        self._balances_by_currency(c.first_day.isoformat() + " opening balances", c.opening, "")

    def transaction(self, t: LedgerTransaction) -> None:
        c, w = self.context, self.out.write
        line = f" order line {t.order_line_id}" if t.order_line_id is not None else ""
        w(f"{c.local_date(t.occurred_at_us).isoformat()} ({t.id}) {t.kind} |{line}\n")
        w(f"    ; occurred_at: {c.instant(t.occurred_at_us)}\n")
        for account_id, amount in t.postings:
            w(f"    {c.names[account_id]}  {t.currency} {c.amount(amount, account_id)}\n")
        w("\n")

    def end(self) -> None:
        c = self.context
        last_day = c.local_date(c.end_us - 1).isoformat()
        self._balances_by_currency(f"{last_day} closing balances (assertions)", c.closing, "=")

    def _balances_by_currency(self, heading: str, balances: dict[int, int], assert_: str) -> None:
        c, w = self.context, self.out.write
        by_currency: dict[str, list[int]] = {}
        for account_id in c.used_accounts():
            by_currency.setdefault(c.accounts[account_id].currency, []).append(account_id)
        for currency, ids in sorted(by_currency.items()):
            shown = [a for a in ids if balances.get(a) or assert_]
            if not shown:
                continue
            w(f"{heading} {currency}\n")
            for account_id in shown:
                amount = c.amount(balances.get(account_id, 0), account_id)
                if assert_:  # a zero posting that asserts the balance in this commodity
                    w(f"    {c.names[account_id]}  {currency} 0 = {currency} {amount}\n")
                else:
                    w(f"    {c.names[account_id]}  {currency} {amount}\n")
            w("\n")


def _comment(text: str) -> str:
    return text.replace("\n", " ")
