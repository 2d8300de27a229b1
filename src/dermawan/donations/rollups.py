"""A batch's effects summed into rollup rows: the read side's figures, kept in its transaction.

Pages and the API read these sums (per project, per pledge, ...) instead of
scanning donations. One rule turns effects into the five figures, whatever
the rollup's key, so every rollup agrees with the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from dermawan.donations.hooks import Effects
from dermawan.donations.rules import CONFIRMED, PLEDGED, REVERSED, Line

# The figures of a totals row, in this order.
TOTALS = ("donations", "pledged_minor", "reversed_minor", "confirmed_minor", "pending_minor")


def totals_deltas(
    effects: Effects, key: Callable[[Line], str | None]
) -> dict[tuple[str, str], list[int]]:
    """What ``effects`` add to each (key, currency) row's TOTALS; lines without a key skip."""
    found: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for effect, line, _ in effects:
        owner = key(line)
        if owner is None:
            continue
        d = found[(owner, line.currency)]
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
