"""The payouts as a plain CSV transfer list, for banks and people without ISO 20022.

Columns (decision 0017): reference, charity_id, charity_name, holder_name,
iban, bic, bank_code, account_number, amount (decimal, "." mark, the
currency's ISO 4217 decimals), currency, amount_minor. One row per payout,
in the order given; the same checks as the pain.001 file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from dermawan.banking.amounts import decimal_text
from dermawan.banking.instructions import BankFileRefused, PayoutInstruction, resolve_payments

COLUMNS = (
    "reference", "charity_id", "charity_name", "holder_name", "iban", "bic",
    "bank_code", "account_number", "amount", "currency", "amount_minor",
)  # fmt: skip


def transfers_csv(instructions: Sequence[PayoutInstruction]) -> str:
    if not instructions:
        raise BankFileRefused(["a transfer list needs at least one payout"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in resolve_payments(instructions):
        c = p.creditor
        writer.writerow(
            (
                p.reference, p.charity_id, _cell(p.charity_name), _cell(c.holder_name),
                c.iban or "", c.bic or "", c.bank_code or "", c.account_number or "",
                decimal_text(p.amount_minor, p.currency), p.currency, p.amount_minor,
            )
        )  # fmt: skip
    return out.getvalue()


def _cell(text: str) -> str:
    """A name a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
