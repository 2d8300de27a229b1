"""Settlement runs, what they collect from merchants and pay to charities.

The money itself lives in the ledger (decision 0014); these tables say which
run moved it, for whom, and where each payout is in its lifecycle. Times are
integer microseconds since the epoch (dermawan.core.instants).
"""

from __future__ import annotations

from django.db import models


class Run(models.Model):
    """One settlement of one period (a calendar month in the platform's time zone).

    A run settles the confirmations and claw-backs of the ledger inside its
    rectangle: transaction id <= ``watermark`` and occurred before
    ``period_end_us``, less the previous run's rectangle (decision 0014).
    No row per settled effect is kept (decisions 0029, 0032): the order
    lines whose confirmation it settled lie between ``first_line_id`` and
    ``last_line_id``, the transactions of its claw-backs between
    ``first_transaction_id`` and ``last_transaction_id``; the next run reads
    lines from ``line_horizon`` on and transactions from ``horizon`` on.
    """

    DRAFT = "draft"
    APPROVED = "approved"
    EXPORTED = "exported"
    STATUSES = [(DRAFT, "draft"), (APPROVED, "approved"), (EXPORTED, "exported")]

    period = models.CharField(max_length=7)  # YYYY-MM
    period_start_us = models.BigIntegerField()
    period_end_us = models.BigIntegerField()
    watermark = models.BigIntegerField()  # the last ledger transaction id it covers
    fee_bps = models.IntegerField()
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    created_by = models.CharField(max_length=150)
    created_at_us = models.BigIntegerField()
    approved_by = models.CharField(max_length=150, blank=True, default="")
    approved_at_us = models.BigIntegerField(null=True)
    exported_by = models.CharField(max_length=150, blank=True, default="")
    exported_at_us = models.BigIntegerField(null=True)
    lines = models.BigIntegerField(default=0)  # ledger effects it settled
    # Ledger transaction ids: the range its claw-backs lie in (runs made before
    # these columns: every one), and where the next run starts reading.
    first_transaction_id = models.BigIntegerField(default=0)
    last_transaction_id = models.BigIntegerField(default=2**63 - 1)
    horizon = models.BigIntegerField(default=0)
    # Order line ids, the same for its confirmations (decision 0032).
    first_line_id = models.BigIntegerField(default=0)
    last_line_id = models.BigIntegerField(default=2**63 - 1)
    line_horizon = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period"], name="one_run_per_period")]

    def __str__(self) -> str:
        return f"settlement run {self.pk} ({self.period})"


class Collection(models.Model):
    """What one merchant owes for one run in one currency (negative: it is owed)."""

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="collections")
    merchant_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    donations = models.BigIntegerField()  # confirmations settled
    confirmed_minor = models.BigIntegerField()
    clawed_back_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()  # confirmed - clawed back

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "merchant_id", "currency"], name="one_collection"
            )
        ]

    def __str__(self) -> str:
        return f"collection {self.merchant_id} {self.currency} (run {self.run_id})"


class Payout(models.Model):
    """One charity's statement and payout for one run in one currency.

    ``carried_in`` + confirmed - clawed back - fee = amount + ``carried_out``;
    carried balances are the charity's settled balance (negative: it owes a
    claw-back that the next payouts net). A payout of 0 has nothing to send:
    its status is ``nothing``.
    """

    DRAFT = "draft"
    APPROVED = "approved"
    EXPORTED = "exported"
    PAID = "paid"
    FAILED = "failed"
    NOTHING = "nothing"
    STATUSES = [
        (DRAFT, "draft"),
        (APPROVED, "approved"),
        (EXPORTED, "exported"),
        (PAID, "paid"),
        (FAILED, "failed"),
        (NOTHING, "nothing to pay"),
    ]

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="payouts")
    charity_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    donations = models.BigIntegerField()
    carried_in_minor = models.BigIntegerField()
    confirmed_minor = models.BigIntegerField()
    clawed_back_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    carried_out_minor = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    # The end-to-end reference, given at export; the bank echoes it back.
    reference = models.CharField(max_length=35, null=True, unique=True)
    exported_at_us = models.BigIntegerField(null=True)
    paid_at_us = models.BigIntegerField(null=True)
    failed_at_us = models.BigIntegerField(null=True)
    failed_reason = models.CharField(max_length=500, blank=True, default="")
    # A failed payout's money returns to the charity's settled balance; the
    # first later payout of the same charity and currency that is paid carries it.
    repaid_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, related_name="repaid"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "charity_id", "currency"], name="one_payout")
        ]

    def __str__(self) -> str:
        return f"payout {self.reference or self.pk} {self.charity_id} {self.currency}"
