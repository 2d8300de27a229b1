"""What each pledge made, kept by the engine's batches (dermawan.donations.hooks).

The same figures as the engine's per-project rollup (donations.rollups), keyed by the line's
pledge instead of its project: a merchant's pledge list reads one row per
pledge, never the order lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from dermawan.backoffice.models import PledgeTotals
from dermawan.core import bulk
from dermawan.donations.hooks import Applied, Effects
from dermawan.donations.rollups import TOTALS, totals_deltas


def record(cursor: Any, effects: Effects, applied: Applied) -> None:
    """Add a batch's effects to its pledges' rows (one statement, rows in one lock order)."""
    deltas = totals_deltas(effects, lambda line: line.pledge_id)
    bulk.add_to_rows(cursor, PledgeTotals._meta.db_table, ("pledge_id", "currency"), TOTALS, deltas)


def of_pledges(pledge_ids: Iterable[str]) -> dict[str, list[PledgeTotals]]:
    """The rollup rows of these pledges (one indexed read), by pledge id."""
    rows: dict[str, list[PledgeTotals]] = defaultdict(list)
    for row in PledgeTotals.objects.filter(pledge_id__in=list(pledge_ids)).order_by("currency"):
        rows[row.pledge_id].append(row)
    return dict(rows)
