"""The ledger as a reviewer reads a bank statement: Markdown tables.

Per transaction, in the order they were written: its kind, the order line and
event that caused it, when, and each posting's account with the amount in a
debit or a credit column. Then the closing balance of every account, and the
project totals of spec section 4.

Nothing here depends on row ids, so SQLite and PostgreSQL render the same.
"""

from __future__ import annotations

from typing import Any

from dermawan.core.instants import to_rfc3339
from dermawan.donations.models import Event, OrderLine
from dermawan.donations.totals import project_totals
from dermawan.ledger.models import Account, Posting, Transaction

# ISO 4217 exponents of the currencies the stories use.
EXPONENTS = {"IDR": 2, "SGD": 2, "USD": 2, "CNY": 2, "MYR": 2, "EUR": 2, "JPY": 0}
KIND_ORDER = {Account.MERCHANT_PLEDGES: 0, Account.PROJECT_PENDING: 1, Account.CHARITY_PAYABLE: 2}


def money(minor: int, currency: str) -> str:
    """Minor units as major units, e.g. 1225000 IDR -> 'IDR 12,250.00'; no float."""
    exponent = EXPONENTS[currency]
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    text = f"{whole:,}"
    if exponent:
        text += f".{fraction:0{exponent}d}"
    return f"{currency} {sign}{text}"


def account_name(account: Account) -> str:
    return f"{account.kind} · {account.owner_id}"


def _table(header: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_ledger() -> str:
    """The whole ledger of the current database, as Markdown."""
    accounts = {a.pk: a for a in Account.objects.all()}
    lines = {
        line.pk: f"{line.order_id}/{line.line_id}"
        for line in OrderLine.objects.filter(pk__in=Transaction.objects.values("order_line_id"))
    }
    events = {
        event.pk: event.event_id
        for event in Event.objects.filter(pk__in=Transaction.objects.values("event_row_id"))
    }
    postings: dict[int, list[Posting]] = {}
    for posting in Posting.objects.order_by("id"):
        postings.setdefault(posting.transaction_id, []).append(posting)

    rows: list[list[str]] = []
    for number, transaction in enumerate(Transaction.objects.order_by("id"), start=1):
        legs = sorted(
            postings.get(transaction.pk, []),
            key=lambda p: (p.amount_minor < 0, account_name(accounts[p.account_id])),
        )
        for index, posting in enumerate(legs):
            account = accounts[posting.account_id]
            amount = money(abs(posting.amount_minor), account.currency)
            first = index == 0
            rows.append(
                [
                    str(number) if first else "",
                    transaction.kind if first else "",
                    lines.get(transaction.order_line_id, "") if first else "",
                    events.get(transaction.event_row_id, "") if first else "",
                    to_rfc3339(transaction.occurred_at_us) if first else "",
                    account_name(account),
                    amount if posting.amount_minor > 0 else "",
                    amount if posting.amount_minor < 0 else "",
                ]
            )
    out = ["### Transactions", ""]
    if rows:
        out += _table(
            ["#", "kind", "line", "event", "occurred at", "account", "debit", "credit"],
            ["--:", "---", "---", "---", "---", "---", "--:", "--:"],
            rows,
        )
    else:
        out.append("(none)")

    balances = sorted(accounts.values(), key=lambda a: (KIND_ORDER[a.kind], a.owner_id, a.currency))
    out += ["", "### Closing balances", ""]
    if balances:
        out += _table(
            ["account", "debit", "credit"],
            ["---", "--:", "--:"],
            [
                [
                    f"{account_name(a)} ({a.currency})",
                    money(a.balance_minor, a.currency) if a.balance_minor >= 0 else "",
                    money(-a.balance_minor, a.currency) if a.balance_minor < 0 else "",
                ]
                for a in balances
            ],
        )
    else:
        out.append("(none)")

    out += ["", "### Project totals (minor units)", ""]
    totals: list[dict[str, Any]] = project_totals()
    if totals:
        fields = ["donations", "pledged_minor", "reversed_minor", "net_minor"]
        fields += ["confirmed_minor", "pending_minor"]
        out += _table(
            ["project", "currency", *fields],
            ["---", "---", *["--:"] * len(fields)],
            [
                [row["project_id"], row["currency"], *(f"{row[f]:,}" for f in fields)]
                for row in totals
            ],
        )
    else:
        out.append("(none)")
    return "\n".join(out) + "\n"
