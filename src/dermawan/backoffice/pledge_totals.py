"""What each pledge made, kept by the engine's batches (dermawan.donations.hooks).

The same deltas as the engine's per-project rollup, keyed by the line's
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
from dermawan.donations.rules import CONFIRMED, PLEDGED, REVERSED

# donations, pledged, reversed, confirmed, pending
Deltas = dict[tuple[str, str], list[int]]


def deltas(effects: Effects) -> Deltas:
    found: Deltas = defaultdict(lambda: [0, 0, 0, 0, 0])
    for effect, line, _ in effects:
        if line.pledge_id is None:  # only pledged lines make effects; typed as optional
            continue
        d = found[(line.pledge_id, line.currency)]
        amount = effect.amount_minor
        if effect.kind == PLEDGED:
            d[0] += 1
            d[1] += amount
            d[4] += amount
        elif effect.kind == CONFIRMED:
            d[3] += amount
            d[4] -= amount
        elif effect.kind == REVERSED:
            d[2] += amount
            d[3 if effect.after_confirmation else 4] -= amount
    return found


def record(cursor: Any, effects: Effects, applied: Applied) -> None:
    """Add a batch's effects to its pledges' rows (one statement, rows in one lock order)."""
    found = deltas(effects)
    if not found:
        return
    marks = ", ".join(["%s" if bulk.vendor() == "postgresql" else "?"] * 7)
    table = PledgeTotals._meta.db_table
    cursor.executemany(
        f"INSERT INTO {table} (pledge_id, currency, donations, pledged_minor,"
        " reversed_minor, confirmed_minor, pending_minor)"
        f" VALUES ({marks}) ON CONFLICT (pledge_id, currency) DO UPDATE SET"
        f" donations = {table}.donations + excluded.donations,"
        f" pledged_minor = {table}.pledged_minor + excluded.pledged_minor,"
        f" reversed_minor = {table}.reversed_minor + excluded.reversed_minor,"
        f" confirmed_minor = {table}.confirmed_minor + excluded.confirmed_minor,"
        f" pending_minor = {table}.pending_minor + excluded.pending_minor",
        [(*key, *values) for key, values in sorted(found.items())],
    )


def of_pledges(pledge_ids: Iterable[str]) -> dict[str, list[PledgeTotals]]:
    """The rollup rows of these pledges (one indexed read), by pledge id."""
    rows: dict[str, list[PledgeTotals]] = defaultdict(list)
    for row in PledgeTotals.objects.filter(pledge_id__in=list(pledge_ids)).order_by("currency"):
        rows[row.pledge_id].append(row)
    return dict(rows)
