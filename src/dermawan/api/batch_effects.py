"""What the HTTP side keeps from each engine batch, in the batch's own transaction.

Registered with the engine's write phase (dermawan.donations.hooks) by ApiConfig: the webhook
outbox rows for ``donation.confirmed`` and ``donation.reversed``
(dermawan.webhooks.outbox) and the per-product donation counts the badge
shows (dermawan.api.product_counts). Both are set-based and skip all work
when there is nothing to record.
"""

from __future__ import annotations

import time
from typing import Any

from dermawan.api import product_counts
from dermawan.core.instants import MICROS_PER_SECOND
from dermawan.donations.hooks import Applied, Effects
from dermawan.webhooks import outbox


def record(
    cursor: Any,
    effects: Effects,
    applied: Applied,
) -> None:
    if not effects:
        return
    product_counts.record(cursor, effects)
    outbox.record_effects(cursor, effects, applied, int(time.time() * MICROS_PER_SECOND))
