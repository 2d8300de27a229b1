"""What donations do: progress reports from charities, and the rollups pages chart.

``ProjectDay`` and ``CampaignTotals`` are read-side rollups the engine's
batches keep (rollups.py, through dermawan.donations.hooks), so a project's
money-over-time chart and a campaign's live total read a few rows, never a
scan of donations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dermawan.catalog.models import ID_LENGTH, Project


class ProgressReport(models.Model):
    """A charity's report on a project: what was done, for how many people, with photos."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(max_length=200)
    body = models.TextField()
    beneficiaries = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["project", "published_at"])]

    def __str__(self) -> str:
        return self.title


class ReportPhoto(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reports/%Y/%m/")
    caption = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or str(self.image.name)


class ProjectDay(models.Model):
    """A project's donations made and reversed on one day (Western Indonesian Time)."""

    project_id = models.CharField(max_length=ID_LENGTH)
    currency = models.CharField(max_length=3)
    day = models.DateField()
    donations = models.BigIntegerField(default=0)
    pledged_minor = models.BigIntegerField(default=0)
    reversed_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project_id", "currency", "day"], name="one_project_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.currency} {self.day}"


class CampaignTotals(models.Model):
    """A campaign's donations per currency (lines whose paid event named the campaign)."""

    campaign_id = models.CharField(max_length=ID_LENGTH)
    currency = models.CharField(max_length=3)
    donations = models.BigIntegerField(default=0)
    pledged_minor = models.BigIntegerField(default=0)
    reversed_minor = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "campaign totals"
        constraints = [
            models.UniqueConstraint(fields=["campaign_id", "currency"], name="one_campaign_total")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.currency}"
