"""Keeping ProjectDay and CampaignTotals in the engine's transaction (set-based upserts).

A batch's effects are summed in memory by key, then written with one
``INSERT ... ON CONFLICT DO UPDATE`` statement per table, keys sorted so
concurrent writers on PostgreSQL take row locks in one order. A donation
counts on the day it was paid; a reversal on the day of the event that
reversed it. Days are Western Indonesian Time (UTC+7, no daylight saving).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from dermawan.core import bulk
from dermawan.donations.hooks import Applied, Effects
from dermawan.donations.rules import PLEDGED, REVERSED

WIB_US = 7 * 3600 * 1_000_000
DAY_US = 86_400 * 1_000_000
EPOCH = date(1970, 1, 1)


def wib_day(us: int) -> date:
    return _day((us + WIB_US) // DAY_US)


@lru_cache(maxsize=4096)
def _day(days_since_epoch: int) -> date:
    return EPOCH + timedelta(days=days_since_epoch)


def record(cursor: Any, effects: Effects, applied: Applied) -> None:
    days: dict[tuple[str, str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    campaigns: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for effect, line, index in effects:
        if line.project_id is None:
            continue
        if effect.kind == PLEDGED:
            count, pledged, reversed_, when = 1, effect.amount_minor, 0, line.paid_at_us
        elif effect.kind == REVERSED:
            count, pledged, reversed_ = 0, 0, effect.amount_minor
            when = applied[index][0].occurred_at_us
        else:
            continue
        day = days[(line.project_id, line.currency, wib_day(when))]
        day[0] += count
        day[1] += pledged
        day[2] += reversed_
        if line.campaign_id:
            campaign = campaigns[(line.campaign_id, line.currency)]
            campaign[0] += count
            campaign[1] += pledged
            campaign[2] += reversed_
    figures = ("donations", "pledged_minor", "reversed_minor")
    bulk.add_to_rows(cursor, "impact_projectday", ("project_id", "currency", "day"), figures, days)
    keys = ("campaign_id", "currency")
    bulk.add_to_rows(cursor, "impact_campaigntotals", keys, figures, campaigns)
