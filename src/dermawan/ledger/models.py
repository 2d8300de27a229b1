"""A double-entry ledger: accounts per owner and currency, transactions of postings.

Transactions and postings are append-only (database triggers refuse UPDATE
and DELETE); a correction is a new transaction. Each account stores its
balance, updated in the same database transaction as its postings, so reads
never sum postings; ``check-ledger`` proves the two agree.

Sign convention: a posting's amount is signed (debit positive, credit
negative) and every transaction's postings sum to zero. Ledger transactions
carry one currency each, so "balances per currency" is "balances".
"""

from __future__ import annotations

from django.db import models


class Account(models.Model):
    # Whose money, in which state. A merchant's pledges are what it has promised
    # (debit: the merchant owes); a project's pending donations wait for their
    # buyers to confirm receipt; a charity's payable is confirmed money owed to it.
    MERCHANT_PLEDGES = "merchant_pledges"
    PROJECT_PENDING = "project_pending"
    CHARITY_PAYABLE = "charity_payable"
    KINDS = [
        (MERCHANT_PLEDGES, "merchant: donations pledged"),
        (PROJECT_PENDING, "project: donations pending confirmation"),
        (CHARITY_PAYABLE, "charity: confirmed donations payable"),
    ]

    kind = models.CharField(max_length=30, choices=KINDS)
    owner_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    balance_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner_id", "currency"], name="one_account")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.owner_id}:{self.currency}"


class Transaction(models.Model):
    """One effect on the books: a donation pledged, confirmed or reversed."""

    PLEDGED = "pledged"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"
    KINDS = [(PLEDGED, "pledged"), (CONFIRMED, "confirmed"), (REVERSED, "reversed")]

    # Ids are allocated by the writer in bulk (dermawan.core.bulk), not per row.
    kind = models.CharField(max_length=20, choices=KINDS)
    currency = models.CharField(max_length=3)
    # What caused it: the order line and the order event (by their row ids).
    order_line_id = models.BigIntegerField(null=True)
    event_row_id = models.BigIntegerField(null=True)
    occurred_at_us = models.BigIntegerField()

    class Meta:
        # A line's confirmation and reversals, for receipts' "paid out"
        # (settlement.paid, decision 0029); pledges are left out of it.
        indexes = [
            models.Index(
                fields=["order_line_id"],
                condition=models.Q(kind__in=["confirmed", "reversed"]),
                name="ledger_effects_by_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Posting(models.Model):
    # Postings are appended in transaction order, so no index is needed to
    # group them by transaction; every index here costs each 11.11 insert.
    transaction = models.ForeignKey(
        Transaction,
        on_delete=models.PROTECT,
        related_name="postings",
        db_constraint=False,
        db_index=False,
    )
    # No index on account: balances are stored, so the hot path never looks
    # postings up by account; statements will add one when they need it.
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="postings",
        db_constraint=False,
        db_index=False,
    )
    amount_minor = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor:+d}"
