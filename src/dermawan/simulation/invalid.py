"""Invalid events, mixed in on request (``--invalid-rate``) to exercise reject paths.

Each kind is built so that it is rejected whatever else is in the file: new
paid events use an order id no valid event uses, and events on a real line
either fail validation on their own or refund more than any line's net.
Rejected events change nothing, so the valid events keep their meaning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Event = dict[str, str | int | float | None]


@dataclass(frozen=True)
class Line:
    """What an invalid event needs to know about a real, already paid line."""

    order_id: str
    line_id: str
    currency: str
    net: int


# Kinds whose value survives in every format; the type-level ones depend on it.
COMMON_KINDS = (
    "missing_field",
    "timestamp_without_offset",
    "unknown_type",
    "negative_net",
    "zero_refund",
    "invalid_currency",
    "refund_exceeds_paid",
)
EXTRA_KINDS = {"jsonl": ("string_quantity", "float_amount"), "csv": ("float_amount",)}


def kinds_for(file_format: str) -> tuple[str, ...]:
    """Parquet columns are typed, so a string or float amount cannot be written there."""
    return COMMON_KINDS + EXTRA_KINDS.get(file_format, ())


def invalid_event(
    kind: str, rng: random.Random, event_id: str, order_id: str, occurred_at: str, line: Line | None
) -> Event:
    """One event of ``kind``; ``line`` (a paid line) is used by the kinds that need one."""
    paid: Event = {
        "event_id": event_id,
        "type": "paid",
        "order_id": order_id,
        "line_id": "1",
        "occurred_at": occurred_at,
        "merchant_id": "toko-tidak-valid",
        "product_id": "produk-tidak-valid",
        "currency": "IDR",
        "quantity": 1 + rng.randrange(3),
        "unit_price_minor": 2_500_000,
    }
    if line is None and kind in ("unknown_type", "zero_refund", "refund_exceeds_paid"):
        kind = "negative_net"
    if kind == "missing_field":
        del paid[rng.choice(("occurred_at", "order_id", "quantity", "currency"))]
        return paid
    if kind == "timestamp_without_offset":
        paid["occurred_at"] = occurred_at[:19]
        return paid
    if kind == "negative_net":
        paid["discount_minor"] = 2_500_000 * 3 + 100
        return paid
    if kind == "invalid_currency":
        paid["currency"] = rng.choice(("idr", "RP", "IDRX", "ZZZ"))
        return paid
    if kind == "string_quantity":
        paid["quantity"] = str(paid["quantity"])
        return paid
    if kind == "float_amount":
        paid["unit_price_minor"] = 2_500_000.5
        return paid
    assert line is not None
    later: Event = {
        "event_id": event_id,
        "type": "refunded",
        "order_id": line.order_id,
        "line_id": line.line_id,
        "occurred_at": occurred_at,
        "currency": line.currency,
    }
    if kind == "unknown_type":
        later["type"] = rng.choice(("shipped", "delivered", "returned"))
    elif kind == "zero_refund":
        later["refund_minor"] = 0
    else:  # refund_exceeds_paid: more than the whole net, whatever was refunded before
        later["refund_minor"] = line.net + 1 + rng.randrange(100_000)
    return later
