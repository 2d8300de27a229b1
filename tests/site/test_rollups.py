"""Money per project and day, and per campaign, kept by the engine's batches."""

from __future__ import annotations

from datetime import date

import pytest

from dermawan.donations.models import ProjectTotals
from dermawan.impact.models import CampaignTotals, ProjectDay
from dermawan.impact.rollups import wib_day
from tests.donations.builders import ingest, paid
from tests.site.support import PROJECT, donations

pytestmark = pytest.mark.django_db


def days() -> dict[date, tuple[int, int, int]]:
    return {
        d.day: (d.donations, d.pledged_minor, d.reversed_minor)
        for d in ProjectDay.objects.filter(project_id=PROJECT, currency="IDR")
    }


def test_a_donation_counts_on_its_paid_day_and_a_reversal_on_its_own_day_in_wib() -> None:
    donations()
    assert days() == {
        date(2026, 9, 10): (2, 2000, 0),
        date(2026, 9, 12): (1, 1000, 1000),  # 18:30 UTC on the 11th is the 12th in WIB
    }


def test_the_days_add_up_to_the_project_totals() -> None:
    donations()
    total = ProjectTotals.objects.get(project_id=PROJECT, currency="IDR")
    rows = days().values()
    assert sum(r[0] for r in rows) == total.donations
    assert sum(r[1] for r in rows) == total.pledged_minor
    assert sum(r[2] for r in rows) == total.reversed_minor


def test_a_campaign_total_counts_the_lines_its_paid_event_named() -> None:
    donations()
    campaign = CampaignTotals.objects.get(campaign_id="harbolnas-1111", currency="IDR")
    assert (campaign.donations, campaign.pledged_minor, campaign.reversed_minor) == (1, 1000, 0)


def test_a_duplicate_event_changes_no_rollup() -> None:
    donations()
    before = (days(), list(CampaignTotals.objects.values()))
    ingest(
        paid(
            "e1",
            "o-1",
            buyer_id="b-site-1",
            occurred_at="2026-09-10T08:00:00Z",
            campaign_id="harbolnas-1111",
        )
    )
    assert (days(), list(CampaignTotals.objects.values())) == before


def test_wib_days_turn_at_17_utc() -> None:
    assert wib_day(1_789_059_599_000_000) == date(2026, 9, 10)  # 16:59:59 UTC
    assert wib_day(1_789_059_600_000_000) == date(2026, 9, 11)  # 17:00:00 UTC
