"""Charities with bank accounts, and payout instructions, for the banking tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dermawan.banking.bank_accounts import add_bank_account
from dermawan.banking.instructions import DebtorAccount
from dermawan.catalog.models import Charity

ACTOR = "cli:test"
AT = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
DEBTOR = DebtorAccount(name="PT Dermawan Nusantara", bank_code="014", account_number="8730012345")
IBAN_DEBTOR = DebtorAccount(name="Dermawan GmbH", iban="DE89370400440532013000", bic="COBADEFFXXX")


@dataclass(frozen=True)
class Instruction:
    """The shape of settlement's PayoutInstruction."""

    reference: str
    charity_id: str
    charity_name: str
    amount_minor: int
    currency: str


def charity(charity_id: str, name: str = "") -> Charity:
    return Charity.objects.create(id=charity_id, name=name or f"Yayasan {charity_id}", country="ID")


def charity_with_local_account(charity_id: str, currency: str = "IDR") -> Charity:
    found = charity(charity_id)
    add_bank_account(
        actor=ACTOR,
        charity_id=charity_id,
        holder_name=f"Yayasan {charity_id}",
        currency=currency,
        bank_code="008",
        account_number="1230004567890",
    )
    return found


def charity_with_iban(charity_id: str, currency: str = "EUR") -> Charity:
    found = charity(charity_id)
    add_bank_account(
        actor=ACTOR,
        charity_id=charity_id,
        holder_name=f"Stiftung {charity_id}",
        currency=currency,
        iban="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
    )
    return found
