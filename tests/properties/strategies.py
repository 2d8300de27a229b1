"""Valid catalogs and valid event histories, for hypothesis and for big files.

One generator for both: ``random_catalog`` and ``random_history`` take a
seeded ``random.Random``. The property tests draw the seed, and the structure
hypothesis shrinks (how many lines, which lines and pledges are kept), from
hypothesis (``histories``); the crash test uses a fixed seed, so its
200k-event file is the same on every run.

"Valid" is the spec's: every event of a history is accepted, in its
canonical order (each line's events in time order, after its ``paid``).
Arrival order, batching and duplication are drawn separately (``arrivals``).
Adversarial events, which the engine must reject, come from ``adversaries``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

from hypothesis import strategies as st

from tests.properties.model import Line, lines_of

BASE = datetime(2026, 9, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
MAX_AMOUNT = 10**14
MAX_QUANTITY = 1_000_000
CURRENCIES = ("IDR", "SGD", "JPY", "USD")
# Lines and fixed pledges lean to rupiah, so fixed pledges match about half the time.
LINE_CURRENCIES = ("IDR", "IDR", "SGD", "JPY", "USD")
# Offsets an instant may be written in: the same instant, other text.
OFFSETS = (timedelta(0), timedelta(hours=7), timedelta(hours=8), timedelta(hours=-5, minutes=-30))
# Pledge windows start and end on whole hours 0..PLEDGE_TICKS after BASE;
# lines are paid anywhere in 0..EVENT_TICKS hours, so some fall outside them.
PLEDGE_TICKS = 48
EVENT_TICKS = 52


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def stamp(moment: datetime, rng: random.Random | None = None) -> str:
    """``moment`` as RFC 3339, in UTC with ``Z`` or (with ``rng``) in another offset."""
    offset = rng.choice(OFFSETS) if rng is not None and chance(rng, 0.3) else timedelta(0)
    text = moment.astimezone(timezone(offset)).isoformat()
    return text.replace("+00:00", "Z")


def catalog_skeleton(merchants: int, projects: int = 3) -> dict[str, Any]:
    """Charities, projects (one per currency of the first three) and merchants."""
    charities = [
        {"id": "yayasan-pangan", "name": "Yayasan Pangan Anak", "country": "ID", "verified": True},
        {"id": "sg-cares", "name": "SG Cares", "country": "SG", "verified": True},
    ]
    project_list = [
        {
            "id": f"proj-{index}-{currency.lower()}",
            "charity_id": charities[index % 2]["id"],
            "name": f"Project {index}",
            "category": "children",
            "region": "ID-JT",
            "currency": currency,
            "goal_minor": 50_000_000_000,
            "status": "active",
        }
        for index, currency in enumerate(CURRENCIES[:projects])
    ]
    return {
        "charities": charities,
        "projects": project_list,
        "merchants": [{"id": f"m{index}", "name": f"Toko {index}"} for index in range(merchants)],
        "pledges": [],
    }


def _pledge_terms(rng: random.Random) -> dict[str, Any]:
    if chance(rng, 0.7):
        points = rng.choice((rng.randint(1, 10_000), rng.randint(1, 10_000), 1, 333, 500, 10_000))
        terms: dict[str, Any] = {"kind": "percent", "basis_points": points}
    else:
        amount = rng.choice((rng.randint(1, 1_000_000), rng.randint(1, 1_000_000), 0, 1, 99_999))
        terms = {"kind": "fixed", "amount_minor": amount, "currency": rng.choice(LINE_CURRENCIES)}
    if chance(rng, 0.35):
        cap = rng.choice((rng.randint(1, 10**7), rng.randint(1, 10**5), 0, 1, 10**12))
        terms["max_per_line_minor"] = cap
    return terms


def random_catalog(
    rng: random.Random, *, merchants: int = 2, products: tuple[str, ...] = ("p1", "p2")
) -> dict[str, Any]:
    """A valid catalog: per merchant and product scope, windows that never overlap."""
    catalog = catalog_skeleton(merchants)
    project_ids = [project["id"] for project in catalog["projects"]]
    number = 0
    for merchant in catalog["merchants"]:
        for scope in (None, *products):
            # The scope's time cut into segments; most segments carry a pledge.
            # Neighbours may touch (one's valid_to is the next one's valid_from).
            start = rng.choice((0, 0, 0, rng.randint(0, PLEDGE_TICKS // 2)))
            cuts = sorted(set(rng.sample(range(start + 1, PLEDGE_TICKS), rng.randint(0, 3))))
            bounds = [start, *cuts, PLEDGE_TICKS]
            for index in range(len(bounds) - 1):
                if chance(rng, 0.15):
                    continue
                number += 1
                last = index == len(bounds) - 2
                open_ended = last and chance(rng, 0.4)
                pledge = {
                    "id": f"pl-{number}",
                    "merchant_id": merchant["id"],
                    "product_id": scope,
                    "project_id": rng.choice(project_ids),
                    "valid_from": stamp(BASE + bounds[index] * HOUR, rng),
                    "valid_to": None if open_ended else stamp(BASE + bounds[index + 1] * HOUR, rng),
                } | _pledge_terms(rng)
                catalog["pledges"].append(pledge)
    return catalog


@dataclass
class History:
    """A catalog and valid events in canonical order."""

    catalog: dict[str, Any]
    events: list[dict[str, Any]]
    # Events of lines that are never paid: parked for good, change nothing.
    orphans: list[dict[str, Any]] = field(default_factory=list)

    @property
    def all_events(self) -> list[dict[str, Any]]:
        return self.events + self.orphans

    def lines(self) -> dict[tuple, Line]:
        return lines_of(self.catalog, self.events)


class _Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.events = 0

    def event(self) -> str:
        self.events += 1
        return f"{self.prefix}ev-{self.events}"


def _amounts(rng: random.Random) -> tuple[int, int, int | None]:
    """quantity, unit_price_minor, discount_minor (None: absent) of a valid paid line."""
    size = rng.randint(1, 100)
    if size <= 80:
        quantity = rng.randint(1, 5)
        cheap = (rng.randint(1, 999), 0, 1)
        unit_price = rng.choice((*[rng.randint(1_000, 2_000_000)] * 3, *cheap, 12_500_000))
    elif size <= 95:
        quantity = rng.choice((rng.randint(1, MAX_QUANTITY), MAX_QUANTITY))
        unit_price = rng.randint(0, MAX_AMOUNT // quantity)
    else:  # the bounds themselves: quantity * unit_price = 10^14
        quantity = rng.choice((1, 1_000, MAX_QUANTITY))
        unit_price = MAX_AMOUNT // quantity
    gross = quantity * unit_price
    discount = rng.choice((None, None, 0, rng.randint(0, gross), gross))
    return quantity, unit_price, discount


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` (> 0) as up to ``parts`` positive amounts."""
    if parts <= 1 or total == 1:
        return [total]
    cuts = sorted({rng.randint(1, total - 1) for _ in range(parts - 1)})
    bounds = [0, *cuts, total]
    return [b - a for a, b in pairwise(bounds)]


def _later(rng: random.Random, moment: datetime) -> datetime:
    return moment + rng.choice((MICROSECOND, timedelta(minutes=rng.randint(1, 600)), HOUR * 30))


def _order_id(rng: random.Random, order: int) -> str | int:
    # An integer id is read as its decimal text: 1007 and "1007" are one order.
    return order if chance(rng, 0.15) else str(order)


_EDGES: dict[int, tuple[list[dict[str, Any]], int, dict[str, list[datetime]]]] = {}


def pledge_edges(catalog: dict[str, Any]) -> dict[str, list[datetime]]:
    """Per merchant, the instants its pledges start or end (computed once per catalog)."""
    pledges = catalog["pledges"]
    cached = _EDGES.get(id(pledges))
    if cached is None or cached[0] is not pledges or cached[1] != len(pledges):
        edges: dict[str, set[datetime]] = {}
        for pledge in pledges:
            for edge in ("valid_from", "valid_to"):
                if pledge[edge] is not None:
                    moment = _instant_key({"occurred_at": pledge[edge]})
                    edges.setdefault(pledge["merchant_id"], set()).add(moment)
        _EDGES.clear()
        by_merchant = {merchant: sorted(moments) for merchant, moments in edges.items()}
        cached = _EDGES[id(pledges)] = (pledges, len(pledges), by_merchant)
    return cached[2]


def random_line_events(
    rng: random.Random,
    catalog: dict[str, Any],
    ids: _Ids,
    order: int,
    line: str,
) -> list[dict[str, Any]]:
    """One valid line history: its ``paid`` and a valid mix of what may follow."""
    merchant = rng.choice(catalog["merchants"])["id"]
    product = rng.choice(("p1", "p2", "p3"))
    currency = rng.choice(LINE_CURRENCIES)
    quantity, unit_price, discount = _amounts(rng)
    net = quantity * unit_price - (discount or 0)
    # Whole hours land exactly on pledge boundaries; a microsecond either side
    # tests valid_from <= t < valid_to.
    edges = pledge_edges(catalog).get(merchant, [])
    if edges and chance(rng, 0.3):  # on a pledge's valid_from or valid_to
        at = rng.choice(edges)
    else:
        at = BASE + rng.randint(0, EVENT_TICKS) * HOUR
    at += rng.choice((timedelta(0), timedelta(0), MICROSECOND, -MICROSECOND, HOUR / 2))
    paid: dict[str, Any] = {
        "event_id": ids.event(),
        "type": "paid",
        "order_id": _order_id(rng, order),
        "line_id": line,
        "occurred_at": stamp(at, rng),
        "merchant_id": merchant,
        "product_id": product,
        "currency": currency,
        "quantity": quantity,
        "unit_price_minor": unit_price,
    }
    if discount is not None:
        paid["discount_minor"] = discount
    for optional in ("buyer_id", "campaign_id", "livestream_id"):
        if chance(rng, 0.3):
            paid[optional] = f"{optional[:-3]}-{rng.randint(1, 9)}"
    events = [paid]

    def follow(kind: str, **fields: Any) -> None:
        nonlocal at
        at = _later(rng, at)
        event: dict[str, Any] = {
            "event_id": ids.event(),
            "type": kind,
            "order_id": _order_id(rng, order),
            "line_id": line,
            "occurred_at": stamp(at, rng),
        }
        if chance(rng, 0.5):  # the optional fields, when sent, match the line
            event["currency"] = currency
        if chance(rng, 0.3):
            event["merchant_id"] = merchant
            event["product_id"] = product
        events.append(event | fields)

    refunds: list[int] = []
    if net > 0 and chance(rng, 0.6):
        total = rng.choice((net, rng.randint(1, net)))  # sometimes a full refund
        refunds = _split(rng, total, rng.randint(1, 3))
    fate = rng.choice(("pending", "completed", "completed", "cancelled", "cancelled"))
    if fate == "cancelled":
        # Refunds, then the cancel: the line's total reversal is exactly D.
        for amount in refunds:
            follow("refunded", refund_minor=amount)
        for _ in range(rng.choice((1, 1, 2))):  # a second cancel changes nothing
            follow("cancelled")
    elif fate == "completed":
        # Refunds before and after completion (after: a claw-back).
        before = rng.randint(0, len(refunds))
        for amount in refunds[:before]:
            follow("refunded", refund_minor=amount)
        for _ in range(rng.choice((1, 1, 2))):  # a second completed changes nothing
            follow("completed")
        for amount in refunds[before:]:
            follow("refunded", refund_minor=amount)
    else:
        for amount in refunds:
            follow("refunded", refund_minor=amount)
    return events


def random_history(
    rng: random.Random,
    catalog: dict[str, Any],
    lines: int,
    *,
    orphans: int = 0,
    prefix: str = "",
) -> History:
    ids = _Ids(prefix)
    events: list[dict[str, Any]] = []
    order = 1000
    for number in range(lines):
        if number == 0 or chance(rng, 0.6):
            order += 1  # otherwise this line shares the previous line's order
        events += random_line_events(rng, catalog, ids, order, f"L{number}")
    events.sort(key=lambda event: _instant_key(event))
    lost: list[dict[str, Any]] = []
    for number in range(orphans):
        kind = rng.choice(("completed", "cancelled", "refunded"))
        event = {
            "event_id": ids.event(),
            "type": kind,
            "order_id": f"never-paid-{number}",
            "line_id": "L0",
            "occurred_at": stamp(BASE + rng.randint(0, EVENT_TICKS) * HOUR, rng),
        }
        if kind == "refunded":
            event["refund_minor"] = rng.randint(1, 10_000)
        lost.append(event)
    return History(catalog, events, lost)


def _instant_key(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"].upper())


def same_content(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``event`` written differently but with the same normalised content."""
    copy = dict(event)
    copy["occurred_at"] = stamp(_instant_key(event), rng)
    order_id = str(event["order_id"])
    copy["order_id"] = int(order_id) if order_id.isdigit() and chance(rng, 0.5) else order_id
    if event["type"] == "paid" and event.get("discount_minor", 0) == 0 and chance(rng, 0.5):
        if "discount_minor" in copy:
            del copy["discount_minor"]
        else:
            copy["discount_minor"] = 0
    return copy


# --- hypothesis strategies -------------------------------------------------------------


def seeds() -> st.SearchStrategy[random.Random]:
    """A seeded ``random.Random``.

    Generators make hundreds of choices per example; drawn one by one from
    hypothesis they overrun its buffer (and its ``random()`` leans to 0), so
    content comes from a seed and the structure hypothesis can shrink (how
    many lines, which lines and pledges to keep) is drawn separately.
    """
    return st.integers(0, 2**32 - 1).map(random.Random)


@st.composite
def histories(draw: st.DrawFn, max_lines: int = 10, max_orphans: int = 2) -> History:
    """A valid catalog and a valid history of up to ``max_lines`` lines.

    Shrinking drops lines and pledges (a subset of a valid history is valid:
    each line's events are kept or dropped together), so a failure comes out
    with the few lines and pledges it needs.
    """
    rng = draw(seeds(), label="seed")
    catalog = random_catalog(rng)
    lines = draw(st.integers(min(2, max_lines), max_lines), label="lines")
    history = random_history(rng, catalog, lines, orphans=max_orphans)
    keep_lines = [draw(st.integers(0, 9)) > 0 for _ in range(lines)]
    kept = {f"L{number}" for number, keep in enumerate(keep_lines) if keep}
    keep_pledges = [draw(st.integers(0, 9)) > 0 for _ in catalog["pledges"]]
    catalog["pledges"] = [
        p for p, keep in zip(catalog["pledges"], keep_pledges, strict=True) if keep
    ]
    orphans = draw(st.integers(0, max_orphans), label="orphans")
    return History(
        catalog,
        [event for event in history.events if event["line_id"] in kept],
        history.orphans[:orphans],
    )


@dataclass
class Arrival:
    """How a set of events reaches the engine: calls of ``ingest_records``."""

    calls: list[list[dict[str, Any]]]
    batch_sizes: list[int]

    def __iter__(self) -> Iterator[tuple[list[dict[str, Any]], int]]:
        return iter(zip(self.calls, self.batch_sizes, strict=True))


@st.composite
def arrivals(draw: st.DrawFn, events: list[dict[str, Any]]) -> Arrival:
    """Any order, any batching, any duplication of ``events`` (spec section 3)."""
    rng = draw(seeds(), label="rewording seed")
    stream = list(draw(st.permutations(events))) if events else []
    # Single events sent again, in other words but the same content.
    for index in draw(st.lists(st.integers(0, max(0, len(events) - 1)), max_size=len(events))):
        if events:
            stream.insert(rng.randint(0, len(stream)), same_content(events[index], rng))
    # Split into calls (files), each ingested with its own batch size.
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=3)))
    bounds = [0, *cuts, len(stream)]
    calls = [stream[a:b] for a, b in pairwise(bounds)]
    # Whole calls sent again.
    for index in draw(st.lists(st.integers(0, len(calls) - 1), max_size=2)):
        calls.append(list(calls[index]))
    sizes = [draw(st.integers(1, max(1, len(call) + 1))) for call in calls]
    return Arrival(calls, sizes)


@dataclass
class Adversary:
    """An event the engine must reject, and the reason the spec gives."""

    event: dict[str, Any]
    reason: str
    # Sent before every valid event (and so parked until its line's paid).
    first: bool = False
    # For a broken paid: the same event repaired, which must then be applied.
    repaired: dict[str, Any] | None = None


def adversaries(
    rng: random.Random, history: History, count: int, prefix: str = "bad-"
) -> list[Adversary]:
    """Invalid events against the state the valid history leaves.

    Each is rejected whatever the others do, for one reason only, provided it
    arrives after every valid event (or, when ``first``, before all of them).
    """
    lines = history.lines()
    paid_of = {(str(e["order_id"]), e["line_id"]): e for e in history.events if e["type"] == "paid"}
    keys = sorted(lines)
    made: list[Adversary] = []
    if not keys:
        return made
    number = 0
    while len(made) < count:
        number += 1
        line = lines[rng.choice(keys)]
        paid = paid_of[line.key]
        at = stamp(_instant_key(paid) + timedelta(days=30))
        base = {"order_id": line.order_id, "line_id": line.line_id, "occurred_at": at}
        new_id = f"{prefix}{number}"
        room = line.net - line.refunded
        kind = rng.randint(0, 11)
        if kind == 0 and not line.cancelled and room + 1 <= MAX_AMOUNT:
            amount = room + 1 + rng.choice((0, rng.randint(0, MAX_AMOUNT - room - 1)))
            event = base | {"event_id": new_id, "type": "refunded", "refund_minor": amount}
            made.append(Adversary(event, "refund_exceeds_paid"))
        elif kind == 1 and line.cancelled and room >= 1:
            event = base | {"event_id": new_id, "type": "refunded", "refund_minor": 1}
            made.append(Adversary(event, "conflict"))
        elif kind == 2 and line.cancelled:
            made.append(Adversary(base | {"event_id": new_id, "type": "completed"}, "conflict"))
        elif kind == 3 and line.completed:
            made.append(Adversary(base | {"event_id": new_id, "type": "cancelled"}, "conflict"))
        elif kind == 4:  # a second paid for the line, under a new event_id
            made.append(Adversary(paid | {"event_id": new_id}, "conflict"))
        elif kind == 5:  # the line's paid event_id again, with other content
            changed = dict(paid, unit_price_minor=paid["unit_price_minor"] + 1)
            if changed["quantity"] * changed["unit_price_minor"] <= MAX_AMOUNT:
                made.append(Adversary(changed, "conflict"))
        elif kind == 6:  # a later event's event_id again, with other content
            later = [
                e
                for e in history.events
                if (str(e["order_id"]), e["line_id"]) == line.key and e["type"] != "paid"
            ]
            if later:
                original = rng.choice(later)
                if original["type"] == "refunded":
                    amount = original["refund_minor"] + 1
                    # Judged afresh it would be applied: only the id conflicts.
                    if not line.cancelled and amount <= room:
                        made.append(Adversary(dict(original, refund_minor=amount), "conflict"))
                else:
                    # Judged afresh it would change nothing (same state again).
                    moved = _instant_key(original) + timedelta(seconds=1)
                    made.append(Adversary(dict(original, occurred_at=stamp(moved)), "conflict"))
        elif kind == 7 and not line.cancelled:
            other = rng.choice([c for c in CURRENCIES if c != line.currency])
            if chance(rng, 0.5):
                event = base | {"event_id": new_id, "type": "completed", "currency": other}
                made.append(Adversary(event, "currency_mismatch"))
            elif room >= 1:
                event = base | {
                    "event_id": new_id,
                    "type": "refunded",
                    "refund_minor": 1,
                    "currency": other,
                }
                made.append(Adversary(event, "currency_mismatch"))
        elif kind == 8 and not line.cancelled:
            event = base | {"event_id": new_id, "type": "refunded", "refund_minor": 0}
            made.append(Adversary(event, "invalid_amount"))
        elif kind == 9:
            made.append(Adversary(base | {"event_id": new_id, "type": "shipped"}, "unknown_type"))
        elif kind == 10:  # a new line whose paid is broken: it must make no donation
            repaired = paid | {"event_id": new_id, "order_id": f"broken-{number}"}
            if chance(rng, 0.5):
                broken = repaired | {"quantity": str(repaired["quantity"])}
                made.append(Adversary(broken, "malformed", repaired=repaired))
            else:
                broken = repaired | {"currency": "ZZZ"}
                made.append(Adversary(broken, "invalid_currency", repaired=repaired))
        elif kind == 11 and not line.cancelled and line.net + 1 <= MAX_AMOUNT:
            # Sent before everything: parked, then rejected when the paid comes.
            amount = line.net + 1
            event = base | {"event_id": new_id, "type": "refunded", "refund_minor": amount}
            made.append(Adversary(event, "refund_exceeds_paid", first=True))
    return made
