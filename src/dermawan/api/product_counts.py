"""Donations per merchant product (the badge's count), kept by the engine's batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from dermawan.core import bulk
from dermawan.donations.rules import PLEDGED, Effect, Line


def record(cursor: Any, effects: Sequence[tuple[Effect, Line, int]]) -> None:
    """Each ``pledged`` effect is a new donation (a line with D > 0) of its product."""
    made = Counter(
        (line.merchant_id, line.product_id) for e, line, _ in effects if e.kind == PLEDGED
    )
    if not made:
        return
    # One statement, keys sorted: one lock order for concurrent writers.
    bulk.add_to_rows(
        cursor,
        "api_productdonations",
        ("merchant_id", "product_id"),
        ("donations",),
        {key: [count] for key, count in made.items()},
    )
