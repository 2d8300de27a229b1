"""The catalog: who gives, who receives, and the pledges that tie them.

Ids are the marketplace's own strings (spec section 2), so they are the
primary keys: an order event names a merchant by the id the marketplace uses.
"""

from __future__ import annotations

from django.db import models

ID_LENGTH = 100


class Charity(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    verified = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "charities"

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH)
    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=50)
    region = models.CharField(max_length=10)
    currency = models.CharField(max_length=3)
    goal_minor = models.BigIntegerField()
    status = models.CharField(max_length=20)

    def __str__(self) -> str:
        return self.name


class Merchant(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Pledge(models.Model):
    """A merchant's promise: a share of a product's (or all its) sales to a project.

    Once loaded only ``valid_to`` may change, so past donations keep their meaning.
    """

    PERCENT = "percent"
    FIXED = "fixed"
    KINDS = [(PERCENT, "percent of the line's net"), (FIXED, "fixed amount per item")]

    id = models.CharField(primary_key=True, max_length=ID_LENGTH)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="pledges")
    product_id = models.CharField(max_length=ID_LENGTH, null=True, blank=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="pledges")
    kind = models.CharField(max_length=10, choices=KINDS)
    basis_points = models.IntegerField(null=True)
    amount_minor = models.BigIntegerField(null=True)
    currency = models.CharField(max_length=3, null=True)
    max_per_line_minor = models.BigIntegerField(null=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "product_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="pledge_window_not_empty",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="percent", basis_points__gte=1, basis_points__lte=10_000)
                    | models.Q(kind="fixed", amount_minor__gte=0, currency__isnull=False)
                ),
                name="pledge_terms_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.id
