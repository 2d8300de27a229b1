"""Bank statement lines, whatever file they came from, and the CSV statement format.

A statement is read whole into lines before anything is matched; a line
that cannot be read becomes a ``BadLine`` with its place and reason, so the
report names every problem at once.

The CSV format (decision 0018): a header row, then one row per booking,
columns ``reference`` (the end-to-end id), ``amount`` (positive decimal in
the currency's ISO 4217 decimals, "." as the mark), ``currency``,
``booked_on`` (YYYY-MM-DD), ``direction`` (``debit``: money left our account;
``credit``: it came back), ``status`` (``booked``, ``returned`` or
``pending``). Extra columns are ignored; a missing one refuses the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from dermawan.banking.amounts import parse_decimal
from dermawan.core.money import is_known_currency

BOOKED, RETURNED, PENDING = "booked", "returned", "pending"
STATUSES = (BOOKED, RETURNED, PENDING)
DEBIT, CREDIT = "debit", "credit"
CSV_COLUMNS = ("reference", "amount", "currency", "booked_on", "direction", "status")


@dataclass(frozen=True)
class StatementLine:
    where: str  # "line 4", "entry 2, transaction 1": how a person finds it in the file
    reference: str  # the end-to-end id the payout file gave
    amount_minor: int
    currency: str
    booked_on: date
    direction: str  # debit | credit, seen from the paying account
    status: str  # booked | returned | pending


@dataclass(frozen=True)
class BadLine:
    where: str
    reference: str
    reason: str


ParsedLine = StatementLine | BadLine


class UnreadableStatement(ValueError):
    """The file as a whole cannot be read (not CSV or XML, wrong schema, no header)."""


def read_csv_statement(text: str) -> list[ParsedLine]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UnreadableStatement(f"the CSV statement has no column {', '.join(missing)}")
    lines: list[ParsedLine] = []
    for row in reader:
        where = f"line {reader.line_num}"
        reference = (row.get("reference") or "").strip()
        values = {c: (row.get(c) or "").strip() for c in CSV_COLUMNS}
        lines.append(
            make_line(
                where,
                reference=reference,
                amount=values["amount"],
                currency=values["currency"],
                booked_on=values["booked_on"],
                direction=values["direction"],
                status=values["status"],
            )
        )
    return lines


def make_line(
    where: str,
    *,
    reference: str,
    amount: str,
    currency: str,
    booked_on: str,
    direction: str,
    status: str,
) -> ParsedLine:
    """A checked line, or a BadLine naming the first field that is wrong."""

    def bad(reason: str) -> BadLine:
        return BadLine(where, reference, reason)

    if not reference:
        return bad("no end-to-end reference")
    if not is_known_currency(currency):
        return bad(f"currency {currency!r} is not one dermawan knows")
    try:
        amount_minor = parse_decimal(amount, currency)
    except ValueError as error:
        return bad(f"amount: {error}")
    if amount_minor <= 0:
        return bad(f"amount {amount!r} is not positive")
    try:
        booked = date.fromisoformat(booked_on)
    except ValueError:
        return bad(f"booked_on {booked_on!r} is not a date (YYYY-MM-DD)")
    if direction not in (DEBIT, CREDIT):
        return bad(f"direction {direction!r} is neither debit nor credit")
    if status not in STATUSES:
        return bad(f"status {status!r} is not one of {', '.join(STATUSES)}")
    return StatementLine(where, reference, amount_minor, currency, booked, direction, status)
