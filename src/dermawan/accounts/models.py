"""Who a signed-in person is on the platform: a Django user and its role.

A user is an admin when ``is_staff``; otherwise its one ``Membership`` says
whether it is a buyer (by the marketplace's buyer id), a merchant or a
charity (by catalog record). Passwords and sessions are Django's auth.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dermawan.catalog.models import ID_LENGTH, Charity, Merchant

BUYER = "buyer"
MERCHANT = "merchant"
CHARITY = "charity"
ADMIN = "admin"
ROLES = (BUYER, MERCHANT, CHARITY, ADMIN)


class Membership(models.Model):
    """A user's role and the record it acts for; exactly one per non-admin user."""

    KINDS = [(BUYER, "buyer"), (MERCHANT, "merchant"), (CHARITY, "charity")]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=10, choices=KINDS)
    buyer_id = models.CharField(max_length=ID_LENGTH, null=True, blank=True)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    charity = models.ForeignKey(
        Charity, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )

    class Meta:
        constraints = [
            # The role names exactly one record, of its own kind.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role=BUYER,
                        buyer_id__isnull=False,
                        merchant__isnull=True,
                        charity__isnull=True,
                    )
                    | models.Q(
                        role=MERCHANT,
                        buyer_id__isnull=True,
                        merchant__isnull=False,
                        charity__isnull=True,
                    )
                    | models.Q(
                        role=CHARITY,
                        buyer_id__isnull=True,
                        merchant__isnull=True,
                        charity__isnull=False,
                    )
                ),
                name="membership_names_its_record",
            )
        ]

    @property
    def owner_id(self) -> str:
        """The id of the record this member acts for."""
        if self.role == MERCHANT:
            return str(self.merchant_id)
        if self.role == CHARITY:
            return str(self.charity_id)
        return str(self.buyer_id)

    def __str__(self) -> str:
        return f"{self.user} ({self.role} {self.owner_id})"
