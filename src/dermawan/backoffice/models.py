"""The back office's one rollup: what each pledge made, so its pages never scan donations."""

from __future__ import annotations

from django.db import models


class PledgeTotals(models.Model):
    """Spec section 4's figures per pledge and currency, kept by the engine's batches.

    Written by ``pledge_totals.record`` in each batch's own transaction (and
    filled once from the order lines by migration 0001 for data that came
    before it).
    """

    pledge_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    donations = models.BigIntegerField(default=0)
    pledged_minor = models.BigIntegerField(default=0)
    reversed_minor = models.BigIntegerField(default=0)
    confirmed_minor = models.BigIntegerField(default=0)
    pending_minor = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "pledge totals"
        constraints = [
            models.UniqueConstraint(fields=["pledge_id", "currency"], name="one_pledge_total")
        ]

    def __str__(self) -> str:
        return f"{self.pledge_id} {self.currency}"

    @property
    def net_minor(self) -> int:
        return self.pledged_minor - self.reversed_minor
