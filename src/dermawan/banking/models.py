"""Where a charity's payouts go: its bank accounts, one active per currency.

An account is never edited: a change of bank is a new account and the old
one ended, so a payout file exported last month still names the account it
paid. The database keeps the two shapes apart (an IBAN, or an Indonesian
bank code with an account number) and allows one active account per charity
and currency; ``account_rules`` checks the contents before a row is written.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dermawan.catalog.models import Charity


class BankAccount(models.Model):
    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="bank_accounts")
    holder_name = models.CharField(max_length=140)
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2)
    iban = models.CharField(max_length=34, null=True, blank=True)
    bic = models.CharField(max_length=11, null=True, blank=True)
    bank_code = models.CharField(max_length=3, null=True, blank=True)
    account_number = models.CharField(max_length=20, null=True, blank=True)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(iban__isnull=False, bank_code__isnull=True, account_number__isnull=True)
                    | Q(
                        iban__isnull=True,
                        bic__isnull=True,
                        bank_code__isnull=False,
                        account_number__isnull=False,
                    )
                ),
                name="bank_account_iban_or_local",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("created_at")),
                name="bank_account_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["charity", "currency"],
                condition=Q(ended_at__isnull=True),
                name="one_active_bank_account_per_charity_currency",
            ),
        ]

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def __str__(self) -> str:
        where = self.iban or f"{self.bank_code}/{self.account_number}"
        return f"{self.charity_id} {self.currency} {where}"


class ReconciledLine(models.Model):
    """A statement line that changed a payout: the memory that makes imports idempotent.

    One row per (reference, status): the same booking imported again, from
    the same statement or a later one that repeats it, is recognised as
    already settled instead of being applied twice.
    """

    reference = models.CharField(max_length=35)
    status = models.CharField(max_length=10)  # booked | returned
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    booked_on = models.DateField()
    statement_sha256 = models.CharField(max_length=64)
    where = models.CharField(max_length=100)
    imported_at = models.DateTimeField()
    actor = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reference", "status"], name="one_reconciliation")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"
