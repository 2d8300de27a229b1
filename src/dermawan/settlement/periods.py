"""Settlement periods: calendar months in the platform's time zone (decision 0014)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dermawan.core.instants import EPOCH, ONE_MICROSECOND

# Indonesia's western time (UTC+7, no daylight saving): the marketplace's books close there.
DEFAULT_TIME_ZONE = "Asia/Jakarta"
_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    name: str  # YYYY-MM
    start_us: int  # first instant, inclusive
    end_us: int  # first instant of the next month, exclusive


def time_zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("DERMAWAN_SETTLEMENT_TIME_ZONE", DEFAULT_TIME_ZONE))


def parse_period(text: str) -> Period:
    match = _PERIOD.match(text)
    if match is None:
        raise BadPeriod(f"period {text!r} is not a month written YYYY-MM (e.g. 2026-09)")
    year, month = int(match[1]), int(match[2])
    zone = time_zone()
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return Period(text, (start - EPOCH) // ONE_MICROSECOND, (end - EPOCH) // ONE_MICROSECOND)
