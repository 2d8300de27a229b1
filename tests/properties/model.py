"""The donation contract (spec sections 3 and 4) as a few lines of plain Python.

This is the independent reading of the spec the engine is checked against:
it knows nothing of the engine, its tables or its SQL. It takes a catalog
document and a *set* of valid events (any order; a repeated ``event_id`` is
the same event) and says what every line's donation is and what
``dermawan totals`` must print.

Arrival order cannot change anything here, and that is the point: the spec
promises that, for the same set of valid events, the totals are the same
whatever their order, batching or duplication.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

BASIS_POINTS_PER_UNIT = 10_000
TOTALS_FIELDS = (
    "project_id",
    "currency",
    "donations",
    "pledged_minor",
    "reversed_minor",
    "net_minor",
    "confirmed_minor",
    "pending_minor",
)


def round_half_up(numerator: int, denominator: int) -> int:
    """Spec section 1: ``(2*a + b) // (2*b)``, on non-negative integers only."""
    assert numerator >= 0 and denominator > 0
    return (2 * numerator + denominator) // (2 * denominator)


@lru_cache(maxsize=100_000)
def instant(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (compared as an instant)."""
    moment = datetime.fromisoformat(text.upper())
    assert moment.tzinfo is not None, text
    return moment


@dataclass
class Line:
    """What the spec says one paid order line is, after all its valid events."""

    order_id: str
    line_id: str
    merchant_id: str
    product_id: str
    currency: str
    quantity: int
    net: int
    pledge_id: str | None
    project_id: str | None
    donation: int
    refunded: int = 0
    completed: bool = False
    cancelled: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.order_id, self.line_id)

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        return "completed" if self.completed else "pending"

    @property
    def reversed(self) -> int:
        """A cancel reverses the whole donation; refunds reverse D * R / net."""
        if self.cancelled:
            return self.donation
        if self.net == 0:
            return 0
        return round_half_up(self.donation * self.refunded, self.net)


def choose_pledge(
    catalog: dict[str, Any], merchant_id: str, product_id: str, currency: str, at: datetime
) -> dict[str, Any] | None:
    """The pledge in force for a line paid at ``at`` (spec section 3, ``paid``)."""
    in_force = [
        pledge
        for pledge in _pledges_of(catalog, merchant_id)
        if instant(pledge["valid_from"]) <= at
        and (pledge["valid_to"] is None or at < instant(pledge["valid_to"]))
        and not (pledge["kind"] == "fixed" and pledge["currency"] != currency)
    ]
    for_product = [p for p in in_force if p["product_id"] == product_id]
    merchant_wide = [p for p in in_force if p["product_id"] is None]
    chosen = for_product or merchant_wide
    # A valid catalog has no two pledges of one merchant and scope in force at once.
    assert len(chosen) <= 1, chosen
    return chosen[0] if chosen else None


_INDEX: dict[int, tuple[list[dict[str, Any]], int, dict[str, list[dict[str, Any]]]]] = {}


def _pledges_of(catalog: dict[str, Any], merchant_id: str) -> list[dict[str, Any]]:
    """The merchant's pledges, indexed once per catalog (the crash test models 60k lines)."""
    pledges = catalog["pledges"]
    cached = _INDEX.get(id(pledges))
    if cached is None or cached[0] is not pledges or cached[1] != len(pledges):
        _INDEX.clear()
        by_merchant: dict[str, list[dict[str, Any]]] = {}
        for pledge in pledges:
            by_merchant.setdefault(pledge["merchant_id"], []).append(pledge)
        cached = _INDEX[id(pledges)] = (pledges, len(pledges), by_merchant)
    return cached[2].get(merchant_id, [])


def donation_of(pledge: dict[str, Any] | None, net: int, quantity: int) -> int:
    if pledge is None:
        return 0
    if pledge["kind"] == "percent":
        amount = round_half_up(net * pledge["basis_points"], BASIS_POINTS_PER_UNIT)
    else:
        amount = pledge["amount_minor"] * quantity
    cap = pledge.get("max_per_line_minor")
    return amount if cap is None else min(amount, cap)


def paid_line(catalog: dict[str, Any], paid: dict[str, Any]) -> Line:
    net = paid["quantity"] * paid["unit_price_minor"] - paid.get("discount_minor", 0)
    pledge = choose_pledge(
        catalog,
        str(paid["merchant_id"]),
        str(paid["product_id"]),
        paid["currency"],
        instant(paid["occurred_at"]),
    )
    return Line(
        order_id=str(paid["order_id"]),
        line_id=str(paid["line_id"]),
        merchant_id=str(paid["merchant_id"]),
        product_id=str(paid["product_id"]),
        currency=paid["currency"],
        quantity=paid["quantity"],
        net=net,
        pledge_id=pledge["id"] if pledge else None,
        project_id=pledge["project_id"] if pledge else None,
        donation=donation_of(pledge, net, paid["quantity"]),
    )


def lines_of(catalog: dict[str, Any], events: Iterable[dict[str, Any]]) -> dict[tuple, Line]:
    """Every paid line after the given set of valid events, by (order_id, line_id).

    Events whose line has no ``paid`` in the set stay parked: they change nothing.
    """
    unique: dict[str, dict[str, Any]] = {}
    for event in events:
        unique.setdefault(str(event["event_id"]), event)
    lines: dict[tuple, Line] = {}
    for event in unique.values():
        if event["type"] == "paid":
            line = paid_line(catalog, event)
            assert line.key not in lines, f"two paid events for {line.key}"
            assert line.net >= 0
            lines[line.key] = line
    for event in unique.values():
        line = lines.get((str(event["order_id"]), str(event["line_id"])))
        if line is None:
            continue
        if event["type"] == "completed":
            line.completed = True
        elif event["type"] == "cancelled":
            line.cancelled = True
        elif event["type"] == "refunded":
            line.refunded += event["refund_minor"]
    for line in lines.values():
        assert not (line.completed and line.cancelled), f"{line.key} completed and cancelled"
        assert line.refunded <= line.net, f"{line.key} refunded above its net"
    return lines


def totals_of(catalog: dict[str, Any], events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``dermawan totals --json``'s ``projects`` for the given set of valid events."""
    return totals_of_lines(lines_of(catalog, events).values())


def totals_of_lines(lines: Iterable[Line]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        if line.donation <= 0:
            continue
        assert line.project_id is not None
        key = (line.project_id, line.currency)
        row = rows.setdefault(
            key,
            dict.fromkeys(TOTALS_FIELDS, 0) | {"project_id": key[0], "currency": key[1]},
        )
        net = line.donation - line.reversed
        row["donations"] += 1
        row["pledged_minor"] += line.donation
        row["reversed_minor"] += line.reversed
        row["net_minor"] += net
        if line.status == "completed":
            row["confirmed_minor"] += net
        elif line.status == "pending":
            row["pending_minor"] += net
    return [rows[key] for key in sorted(rows)]
