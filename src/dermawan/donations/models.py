"""Order lines, their events, and the donations they make (spec section 3).

The engine writes these tables with set-based SQL (see engine.py); the models
exist for the schema, for migrations, and for reads off the hot path.
Times are integer microseconds since the epoch (dermawan.core.instants).
"""

from __future__ import annotations

from django.db import models


class IngestRun(models.Model):
    """One ingest of one source (a file, later an API batch or stream)."""

    source = models.CharField(max_length=500)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"run {self.pk}: {self.source}"


class OrderLine(models.Model):
    """A paid order line, and the donation its pledge made (0 when none)."""

    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    STATUSES = [(PENDING, "pending"), (COMPLETED, "completed"), (CANCELLED, "cancelled")]

    order_id = models.CharField(max_length=100)
    line_id = models.CharField(max_length=100)
    merchant_id = models.CharField(max_length=100)
    product_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    quantity = models.BigIntegerField()
    unit_price_minor = models.BigIntegerField()
    discount_minor = models.BigIntegerField()
    net_minor = models.BigIntegerField()
    buyer_id = models.CharField(max_length=100, null=True)
    campaign_id = models.CharField(max_length=100, null=True)
    livestream_id = models.CharField(max_length=100, null=True)
    paid_at_us = models.BigIntegerField()
    pledge_id = models.CharField(max_length=100, null=True)
    project_id = models.CharField(max_length=100, null=True)
    charity_id = models.CharField(max_length=100, null=True)
    donation_minor = models.BigIntegerField()
    refunded_minor = models.BigIntegerField(default=0)
    reversed_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    # Its confirmation (null until completed with money outstanding): the
    # ledger transaction, when it occurred, the amount. Settlement reads them
    # instead of joining the ledger (decision 0032). Not indexed: a
    # completion stays a heap-only update on PostgreSQL (migration 0004).
    confirmed_txn_id = models.BigIntegerField(null=True)
    confirmed_at_us = models.BigIntegerField(null=True)
    confirmed_minor = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order_id", "line_id"], name="one_line"),
            models.CheckConstraint(
                condition=models.Q(refunded_minor__gte=0)
                & models.Q(refunded_minor__lte=models.F("net_minor")),
                name="refunds_within_net",
            ),
            models.CheckConstraint(
                condition=models.Q(reversed_minor__gte=0)
                & models.Q(reversed_minor__lte=models.F("donation_minor")),
                name="reversal_within_donation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_id}"


class Event(models.Model):
    """An applied order event. Its content lives in its line (paid) or here."""

    # Unique by constraint, not unique=True: on PostgreSQL a unique CharField
    # also gets a second, LIKE-only index that every insert would pay for.
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=10)
    order_line_id = models.BigIntegerField()
    occurred_at_us = models.BigIntegerField()
    refund_minor = models.BigIntegerField(null=True)
    # 64 bits of BLAKE2b over the normalised content: "same content" (spec 3).
    fingerprint = models.BigIntegerField()
    run_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id"], name="one_event")]

    def __str__(self) -> str:
        return self.event_id


class ParkedEvent(models.Model):
    """An event whose line has no paid yet; applied when its paid arrives."""

    event_id = models.CharField(max_length=200)
    fingerprint = models.BigIntegerField()
    type = models.CharField(max_length=10)
    order_id = models.CharField(max_length=100)
    line_id = models.CharField(max_length=100)
    occurred_at_us = models.BigIntegerField()
    merchant_id = models.CharField(max_length=100, null=True)
    product_id = models.CharField(max_length=100, null=True)
    currency = models.CharField(max_length=3, null=True)
    refund_minor = models.BigIntegerField(null=True)
    run_id = models.BigIntegerField()
    source_line = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["order_id", "line_id"])]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="one_parked_event")]

    def __str__(self) -> str:
        return f"{self.event_id} (waiting for {self.order_id}/{self.line_id})"


class ProjectTotals(models.Model):
    """Spec section 4 per project and currency, kept in the engine's transaction."""

    project_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    donations = models.BigIntegerField(default=0)
    pledged_minor = models.BigIntegerField(default=0)
    reversed_minor = models.BigIntegerField(default=0)
    confirmed_minor = models.BigIntegerField(default=0)
    pending_minor = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "project totals"
        constraints = [models.UniqueConstraint(fields=["project_id", "currency"], name="one_total")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.currency}"
