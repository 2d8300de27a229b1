"""The catalog: who gives, who receives, and the pledges that tie them.

Ids are the marketplace's own strings (spec section 2), so they are the
primary keys: an order event names a merchant by the id the marketplace uses.

What the public pages show besides (decision 0021): a charity's permits and
verification documents, a project's description, photos and impact unit
("Rp3.000 = one school lunch"), and the marketplace's campaigns. Every
column added after the first migration has a default, so catalog documents
(``dermawan load-catalog``) and the API load exactly as before.
"""

from __future__ import annotations

from django.db import models

ID_LENGTH = 100


class Charity(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Why a review refused, or what it is waiting for (shown to the charity).
    review_note = models.TextField(blank=True, default="")
    description = models.TextField(blank=True, default="")

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
    description = models.TextField(blank=True, default="")
    featured = models.BooleanField(default=False)
    # What one unit of money buys, set by the charity: "Rp3.000 = one school
    # lunch" is 300000 minor units of the project's currency and a name per language.
    impact_unit_minor = models.BigIntegerField(null=True, blank=True)
    impact_unit_id = models.CharField("unit (Indonesian)", max_length=100, blank=True, default="")
    impact_unit_en = models.CharField("unit (English)", max_length=100, blank=True, default="")
    impact_unit_zh_hans = models.CharField("unit (Chinese)", max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(impact_unit_minor__isnull=True)
                | models.Q(impact_unit_minor__gt=0),
                name="impact_unit_positive",
            )
        ]

    def impact_unit_name(self, language: str) -> str:
        """The unit's name in ``language`` (a Django code), else in any language given."""
        names = {
            "id": self.impact_unit_id,
            "en": self.impact_unit_en,
            "zh-hans": self.impact_unit_zh_hans,
        }
        return names.get(language) or self.impact_unit_id or self.impact_unit_en or ""

    def __str__(self) -> str:
        return self.name


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="projects/%Y/%m/")
    caption = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.caption or self.image.name}"


class CharityPermit(models.Model):
    """A fundraising permit (e.g. from the Ministry of Social Affairs) and its term."""

    charity = models.ForeignKey(Charity, on_delete=models.CASCADE, related_name="permits")
    number = models.CharField(max_length=100)
    issuer = models.CharField(max_length=200)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField()

    class Meta:
        ordering = ["-expires_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["charity", "number"], name="one_permit_number"),
            models.CheckConstraint(
                condition=models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gt=models.F("issued_on")),
                name="permit_term_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.issuer}, until {self.expires_on})"


class CharityDocument(models.Model):
    """A document a charity gives for its verification (deed, tax number, permit scan)."""

    charity = models.ForeignKey(Charity, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="charity-documents/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.charity_id}: {self.title}"


class Campaign(models.Model):
    """A marketplace campaign (11.11, payday sales); ``id`` is the events' ``campaign_id``."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_dates_in_order",
            )
        ]

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
