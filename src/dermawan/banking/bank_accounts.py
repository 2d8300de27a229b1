"""Adding, ending and finding charities' bank accounts.

Changes are human actions: each writes an audit entry in the same
transaction. ``active_destinations`` is what the bank files use: one query
for every charity of a payout file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from dermawan.auditlog.entries import record
from dermawan.banking.account_rules import Destination, validate_destination
from dermawan.banking.models import BankAccount
from dermawan.catalog.models import Charity
from dermawan.core import bulk


class BankAccountRefused(ValueError):
    """A change that cannot be made; the message names the record and the reason."""


def add_bank_account(
    *,
    actor: str,
    charity_id: str,
    holder_name: str,
    currency: str,
    iban: str | None = None,
    bic: str | None = None,
    bank_code: str | None = None,
    account_number: str | None = None,
    now: datetime | None = None,
) -> BankAccount:
    """Validate and store a new active account; InvalidAccount or BankAccountRefused if not."""
    destination = validate_destination(
        holder_name=holder_name,
        currency=currency,
        iban=iban,
        bic=bic,
        bank_code=bank_code,
        account_number=account_number,
    )
    with transaction.atomic():
        if not Charity.objects.filter(id=charity_id).exists():
            raise BankAccountRefused(f"no charity {charity_id!r} in the catalog")
        current = BankAccount.objects.filter(
            charity_id=charity_id, currency=destination.currency, ended_at__isnull=True
        ).first()
        if current is not None:
            raise BankAccountRefused(
                f"charity {charity_id!r} already has an active {destination.currency} "
                f"account #{current.pk}; end it first"
            )
        try:
            with transaction.atomic():
                account = BankAccount.objects.create(
                    charity_id=charity_id,
                    holder_name=destination.holder_name,
                    currency=destination.currency,
                    country=destination.country,
                    iban=destination.iban,
                    bic=destination.bic,
                    bank_code=destination.bank_code,
                    account_number=destination.account_number,
                    created_at=now or timezone.now(),
                )
        except IntegrityError as error:  # a concurrent add won the race
            raise BankAccountRefused(
                f"charity {charity_id!r} already has an active {destination.currency} account"
            ) from error
        record(
            actor,
            "bank-account.add",
            f"bank-account:{account.pk}",
            charity_id=charity_id,
            currency=account.currency,
            destination=destination.describe(),
        )
    return account


def end_bank_account(
    account_id: int, *, actor: str, reason: str = "", now: datetime | None = None
) -> BankAccount:
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise BankAccountRefused(f"no bank account #{account_id}")
        if account.ended_at is not None:
            raise BankAccountRefused(
                f"bank account #{account_id} already ended at {account.ended_at.isoformat()}"
            )
        account.ended_at = now or timezone.now()
        account.save(update_fields=["ended_at"])
        record(
            actor,
            "bank-account.end",
            f"bank-account:{account.pk}",
            charity_id=account.charity_id,
            currency=account.currency,
            reason=reason,
        )
    return account


def active_destinations(charity_ids: Iterable[str]) -> dict[tuple[str, str], Destination]:
    """(charity id, currency) -> the active account, for all the charities in one query."""
    wanted = sorted(set(charity_ids))
    if not wanted:
        return {}
    # select_in: one query (chunked on SQLite past its parameter limit).
    rows = bulk.select_in(
        bulk.raw_cursor(),
        "SELECT charity_id, currency, holder_name, country, iban, bic, bank_code, account_number "
        "FROM banking_bankaccount WHERE ended_at IS NULL AND",
        "charity_id",
        wanted,
    )
    return {
        (charity_id, currency): Destination(holder, currency, country, iban, bic, code, number)
        for charity_id, currency, holder, country, iban, bic, code, number in rows
    }
