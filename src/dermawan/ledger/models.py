"""A double-entry ledger: accounts per owner and currency, transactions of postings.

Every transaction is a transfer: one debit and one credit of the same amount
between two accounts of its currency (decision 0050). It is stored as one row,
``debit_account``, ``credit_account`` and ``amount_minor``; its two postings
(debit positive, credit negative, summing to zero) are the view
``ledger_posting``, which auditors' tools and ``check-ledger`` read.

Transactions are append-only (database triggers refuse UPDATE and DELETE); a
correction is a new transaction. Each account stores its balance, updated in
the same database transaction as its postings, so reads never sum postings;
``check-ledger`` proves the two agree. Ledger transactions carry one currency
each, so "balances per currency" is "balances".
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
    # The transfer. No index on the accounts: balances are stored, so the hot
    # path never looks transactions up by account; every index costs each
    # 11.11 insert.
    debit_account = models.ForeignKey(
        "Account",
        on_delete=models.PROTECT,
        related_name="debits",
        db_constraint=False,
        db_index=False,
    )
    credit_account = models.ForeignKey(
        "Account",
        on_delete=models.PROTECT,
        related_name="credits",
        db_constraint=False,
        db_index=False,
    )
    amount_minor = models.BigIntegerField()

    class Meta:
        # A line's confirmation and reversals, for receipts' "paid out"
        # (settlement.paid, decision 0029); pledges are left out of it.
        indexes = [
            models.Index(
                fields=["order_line_id"],
                condition=models.Q(kind__in=["confirmed", "reversed"]),
                name="ledger_effects_by_line",
            ),
            # Settlement's claw-backs: the reversals that debit a charity's
            # payable, a few per hundred donations, found without reading the
            # month's transactions (settlement.effects.claw_backs).
            models.Index(
                fields=["debit_account", "id"],
                condition=models.Q(kind="reversed"),
                name="ledger_reversals_by_debit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Posting(models.Model):
    """A transaction's debit (``amount_minor`` > 0) or credit (< 0): a row of the
    view ``ledger_posting`` over the transactions, read-only. Its id is twice
    its transaction's, plus one for the credit."""

    id = models.BigIntegerField(primary_key=True)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.DO_NOTHING, related_name="postings", db_constraint=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.DO_NOTHING, related_name="postings", db_constraint=False
    )
    amount_minor = models.BigIntegerField()

    class Meta:
        managed = False  # a view (ledger 0006)

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor:+d}"
