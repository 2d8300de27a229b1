"""What the bank files are made of: payout instructions, the paying account, and their checks.

``PayoutInstruction`` itself belongs to settlement
(``dermawan.settlement.payouts``); the bank files only need its attributes,
so they are typed against this protocol and never import settlement.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dermawan.banking.account_rules import Destination, InvalidAccount, validate_destination
from dermawan.banking.bank_accounts import active_destinations
from dermawan.core.money import MAX_AMOUNT, is_known_currency

# ISO 20022 Max35Text, and what banks take in it: no spaces or control characters.
REFERENCE = re.compile(r"[A-Za-z0-9/\-?:().,'+]{1,35}\Z", re.ASCII)


class PayoutInstruction(Protocol):
    @property
    def reference(self) -> str: ...
    @property
    def charity_id(self) -> str: ...
    @property
    def charity_name(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...


class BankFileRefused(ValueError):
    """A bank file that cannot be made; nothing is written. Lists every bad payout."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class DebtorAccount:
    """The platform's own account that the payouts leave from."""

    name: str
    iban: str | None = None
    bic: str | None = None
    bank_code: str | None = None
    account_number: str | None = None

    def destination(self, currency: str) -> Destination:
        try:
            return validate_destination(
                holder_name=self.name,
                currency=currency,
                iban=self.iban,
                bic=self.bic,
                bank_code=self.bank_code,
                account_number=self.account_number,
            )
        except InvalidAccount as error:
            raise BankFileRefused([f"debtor account (DERMAWAN_DEBTOR_*): {error}"]) from error

    @classmethod
    def from_environment(cls) -> DebtorAccount:
        """``DERMAWAN_DEBTOR_NAME``, ``_IBAN`` (``_BIC``) or ``_BANK_CODE``, ``_ACCOUNT_NUMBER``."""

        def read(suffix: str) -> str | None:
            return os.environ.get(f"DERMAWAN_DEBTOR_{suffix}") or None

        return cls(
            name=read("NAME") or "",
            iban=read("IBAN"),
            bic=read("BIC"),
            bank_code=read("BANK_CODE"),
            account_number=read("ACCOUNT_NUMBER"),
        )


@dataclass(frozen=True)
class Payment:
    """One instruction with the account it pays into."""

    reference: str
    charity_id: str
    charity_name: str
    amount_minor: int
    currency: str
    creditor: Destination


def resolve_payments(instructions: Sequence[PayoutInstruction]) -> list[Payment]:
    """Each instruction with its charity's active account (one query), or BankFileRefused."""
    destinations = active_destinations(i.charity_id for i in instructions)
    problems: list[str] = []
    payments: list[Payment] = []
    seen: set[str] = set()
    for instruction in instructions:
        problem = _instruction_problem(instruction, seen)
        seen.add(instruction.reference)
        creditor = destinations.get((instruction.charity_id, instruction.currency))
        if problem is None and creditor is None:
            problem = (
                f"charity {instruction.charity_id!r} ({instruction.charity_name}) has no "
                f"active {instruction.currency} bank account; add one with "
                "'dermawan bank-account add'"
            )
        if problem is not None:
            problems.append(f"payout {instruction.reference!r}: {problem}")
            continue
        assert creditor is not None
        payments.append(
            Payment(
                reference=instruction.reference,
                charity_id=instruction.charity_id,
                charity_name=instruction.charity_name,
                amount_minor=instruction.amount_minor,
                currency=instruction.currency,
                creditor=creditor,
            )
        )
    if problems:
        raise BankFileRefused(problems)
    return payments


def _instruction_problem(instruction: PayoutInstruction, seen: set[str]) -> str | None:
    if not REFERENCE.match(instruction.reference):
        return "the reference must be 1 to 35 letters, digits or /-?:().,'+"
    if instruction.reference in seen:
        return "the reference appears twice in one file"
    if not is_known_currency(instruction.currency):
        return f"{instruction.currency!r} is not a currency dermawan knows"
    if isinstance(instruction.amount_minor, bool) or not isinstance(instruction.amount_minor, int):
        return "the amount must be an integer of minor units"
    if not 0 < instruction.amount_minor <= MAX_AMOUNT:
        return f"the amount {instruction.amount_minor} is not a positive payable amount"
    return None
