"""A small catalog with donations over two days, for the site's view tests."""

from __future__ import annotations

from typing import Any

from tests.donations.builders import (
    CHARITY,
    PROJECT,
    cancelled,
    ingest,
    load_default_catalog,
    paid,
)

BUYER = "b-site-1"
OTHER_BUYER = "b-site-2"
DAY_ONE = "2026-09-10T08:00:00Z"  # 15:00 WIB
DAY_TWO_LATE = "2026-09-11T18:30:00Z"  # 01:30 WIB on 12 September


def donations() -> Any:
    """Three donations of 5 % (1,000 IDR minor units each), one later cancelled."""
    load_default_catalog()
    return ingest(
        paid("e1", "o-1", buyer_id=BUYER, occurred_at=DAY_ONE, campaign_id="harbolnas-1111"),
        paid("e2", "o-2", buyer_id=BUYER, occurred_at=DAY_ONE),
        paid("e3", "o-3", buyer_id=OTHER_BUYER, occurred_at=DAY_TWO_LATE),
        cancelled("e4", "o-2", occurred_at=DAY_TWO_LATE),
    )


__all__ = ["BUYER", "CHARITY", "OTHER_BUYER", "PROJECT", "donations"]
