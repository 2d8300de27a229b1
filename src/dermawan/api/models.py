"""What the HTTP side stores: API keys, used request signatures, and two read-side rollups.

``ProductDonations`` and ``CatalogVersion`` are kept in the writers' own
transactions: the first by the engine's write phase (dermawan.api.batch_effects),
the second by database triggers on the catalog's pledge and project tables
(migration 0002), so a cached pledge book knows when it is stale.
"""

from __future__ import annotations

from django.db import models


class ApiKey(models.Model):
    """A machine client's key: shown once, stored as an argon2 hash, revocable."""

    MARKETPLACE = "marketplace"
    MERCHANT = "merchant"
    CHARITY = "charity"
    ADMIN = "admin"
    KINDS = [
        (MARKETPLACE, "the marketplace: order events, receipts, webhooks"),
        (MERCHANT, "one merchant: its pledges and its lines' receipts"),
        (CHARITY, "one charity: its projects' pledges"),
        (ADMIN, "platform admin: the catalog and everything else"),
    ]

    # The public part of the key (``dw_<prefix>_<secret>``), to find its row.
    prefix = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=20, choices=KINDS)
    # The merchant or charity the key acts for; empty for marketplace and admin.
    owner_id = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=200, blank=True, default="")
    secret_hash = models.CharField(max_length=200)
    # HMAC request-signing secret, sealed (dermawan.webhooks.sealing); optional.
    signing_secret_sealed = models.TextField(blank=True, default="")
    require_signature = models.BooleanField(default=False)
    # Requests per second and burst; null means the default for the kind.
    rate_per_second = models.FloatField(null=True)
    burst = models.IntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.kind} key {self.prefix}"


class SignatureUse(models.Model):
    """A request signature already accepted: a second use is a replay."""

    key_id = models.BigIntegerField()
    signature = models.CharField(max_length=64)
    timestamp = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "signature"], name="signature_used_once")
        ]
        indexes = [models.Index(fields=["timestamp"], name="signature_age")]

    def __str__(self) -> str:
        return f"{self.key_id}:{self.signature[:12]}"


class ProductDonations(models.Model):
    """How many donations (lines with D > 0) a merchant's product has made."""

    merchant_id = models.CharField(max_length=100)
    product_id = models.CharField(max_length=100)
    donations = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "product donations"
        constraints = [
            models.UniqueConstraint(fields=["merchant_id", "product_id"], name="one_product_count")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}/{self.product_id}: {self.donations}"


class CatalogVersion(models.Model):
    """One row, bumped by triggers whenever a pledge or project changes."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"catalog version {self.version}"
