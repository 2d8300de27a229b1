"""An independent reading of shared/spec/donations.md, to judge simulated files.

Deliberately written from the spec, not from the generator's code, so that
the two cannot share a misunderstanding.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

FIELDS = (
    "event_id",
    "type",
    "order_id",
    "line_id",
    "occurred_at",
    "merchant_id",
    "product_id",
    "currency",
    "quantity",
    "unit_price_minor",
    "discount_minor",
    "refund_minor",
    "buyer_id",
    "campaign_id",
    "livestream_id",
)
INTEGERS = {"quantity", "unit_price_minor", "discount_minor", "refund_minor"}
KNOWN_CURRENCIES = {"IDR", "CNY", "USD", "SGD", "MYR", "JPY", "EUR"}
MAX_AMOUNT = 10**14
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")

# Fields each type may carry (spec section 3 table).
ALLOWED = {
    "paid": set(FIELDS) - {"refund_minor"},
    "completed": {"event_id", "type", "order_id", "line_id", "occurred_at"}
    | {"merchant_id", "product_id", "currency"},
    "refunded": {"event_id", "type", "order_id", "line_id", "occurred_at", "refund_minor"}
    | {"merchant_id", "product_id", "currency"},
}
ALLOWED["cancelled"] = ALLOWED["completed"]
REQUIRED = {
    "paid": {"event_id", "type", "order_id", "line_id", "occurred_at"}
    | {"merchant_id", "product_id", "currency", "quantity", "unit_price_minor"},
    "completed": {"event_id", "type", "order_id", "line_id", "occurred_at"},
    "refunded": {"event_id", "type", "order_id", "line_id", "occurred_at", "refund_minor"},
}
REQUIRED["cancelled"] = REQUIRED["completed"]


def instant(text: object) -> datetime:
    assert isinstance(text, str) and RFC3339.match(text), f"not RFC 3339 with offset: {text!r}"
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None
    return moment


def _amount(event: dict[str, Any], name: str) -> int:
    value = event[name]
    assert type(value) is int, f"{name} must be an integer: {event}"
    assert 0 <= value <= MAX_AMOUNT, f"{name} out of bounds: {event}"
    return value


def check_event(event: dict[str, Any]) -> None:
    """One record against the field table; absent and null are the same."""
    present = {name for name, value in event.items() if value is not None}
    kind = event.get("type")
    assert kind in ALLOWED, f"unknown type: {event}"
    assert REQUIRED[kind] <= present, f"missing {REQUIRED[kind] - present}: {event}"
    assert present <= ALLOWED[kind], f"unexpected {present - ALLOWED[kind]}: {event}"
    for name in present - INTEGERS:
        assert isinstance(event[name], str) and event[name], f"{name} must be text: {event}"
    instant(event["occurred_at"])
    if "currency" in present:
        assert event["currency"] in KNOWN_CURRENCIES, event
    if kind == "paid":
        quantity = event["quantity"]
        assert type(quantity) is int and 1 <= quantity <= 1_000_000, event
        gross = quantity * _amount(event, "unit_price_minor")
        assert gross <= MAX_AMOUNT, event
        discount = _amount(event, "discount_minor") if "discount_minor" in present else 0
        assert gross - discount >= 0, f"negative net: {event}"
    if kind == "refunded":
        assert _amount(event, "refund_minor") > 0, event


@dataclass
class StreamReport:
    records: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    lines: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    currencies: Counter[str] = field(default_factory=Counter)
    offsets: Counter[str] = field(default_factory=Counter)
    multi_line_orders: int = 0
    paid_lines: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def check_stream(
    events: list[dict[str, Any]], window: tuple[datetime, datetime] | None = None
) -> StreamReport:
    """Every record valid and every line consistent, as an ingest would judge them.

    Parked events (arriving before their paid) are applied right after it in
    arrival order, so a line's effective order is: paid, then its other events
    in arrival order.
    """
    report = StreamReport(records=len(events))
    seen: dict[str, dict[str, Any]] = {}
    by_line: dict[tuple[str, str], list[dict[str, Any]]] = {}
    paid_position: dict[tuple[str, str], int] = {}
    for position, event in enumerate(events):
        check_event(event)
        event_id = event["event_id"]
        if event_id in seen:
            assert seen[event_id] == event, f"event_id {event_id} reused with other content"
            report.duplicates += 1
            continue
        seen[event_id] = event
        key = (event["order_id"], event["line_id"])
        report.by_type[event["type"]] += 1
        report.offsets[
            "Z" if event["occurred_at"].endswith("Z") else event["occurred_at"][-6:]
        ] += 1
        if event["type"] == "paid":
            assert key not in paid_position, f"second paid for {key}"
            paid_position[key] = position
        elif key not in paid_position:
            report.out_of_order += 1
        by_line.setdefault(key, []).append(event)

    orders: Counter[str] = Counter()
    for key, line_events in by_line.items():
        paid = [e for e in line_events if e["type"] == "paid"]
        assert len(paid) == 1, f"line {key} has no paid (it would stay parked)"
        head = paid[0]
        report.paid_lines[key] = head
        orders[key[0]] += 1
        report.currencies[head["currency"]] += 1
        paid_at = instant(head["occurred_at"])
        if window is not None:
            assert window[0] <= paid_at <= window[1], head
        net = head["quantity"] * head["unit_price_minor"] - (head.get("discount_minor") or 0)
        refunded = 0
        state = "pending"
        for event in line_events:
            if event is head:
                continue
            assert instant(event["occurred_at"]) > paid_at, f"{event} not after its paid"
            if window is not None:
                assert instant(event["occurred_at"]) <= window[1], event
            if event.get("currency") is not None:
                assert event["currency"] == head["currency"], f"currency_mismatch: {event}"
            if event["type"] == "refunded":
                assert state != "cancelled", f"refund after cancel: {event}"
                refunded += event["refund_minor"]
                assert refunded <= net, f"refunds above net {net}: {event}"
            elif event["type"] == "completed":
                assert state != "cancelled", f"completed and cancelled: {key}"
                state = "completed"
            else:
                assert state != "completed", f"completed and cancelled: {key}"
                state = "cancelled"
        report.outcomes[state] += 1
        if refunded:
            report.outcomes["refunded" if refunded < net else "fully_refunded"] += 1
    report.lines = len(by_line)
    report.multi_line_orders = sum(1 for count in orders.values() if count > 1)
    return report


def check_catalog(document: dict[str, Any]) -> None:
    """Spec section 2, including the no-overlap rule per merchant and product scope."""
    assert list(document) == ["charities", "projects", "merchants", "pledges"]
    ids: dict[str, set[str]] = {}
    for section in document:
        section_ids = [record["id"] for record in document[section]]
        assert len(section_ids) == len(set(section_ids)), f"repeated id in {section}"
        assert all(isinstance(i, str) and i for i in section_ids)
        ids[section] = set(section_ids)
    for charity in document["charities"]:
        assert set(charity) == {"id", "name", "country", "verified"}
        assert re.fullmatch(r"[A-Z]{2}", charity["country"]) and type(charity["verified"]) is bool
    for project in document["projects"]:
        assert project["charity_id"] in ids["charities"]
        assert project["currency"] in KNOWN_CURRENCIES
        assert re.fullmatch(r"ID-[A-Z]{2}", project["region"]), project
        assert project["category"] in {
            "children",
            "education",
            "health",
            "disaster",
            "environment",
            "elderly",
            "animals",
        }
        assert type(project["goal_minor"]) is int and 0 < project["goal_minor"] <= MAX_AMOUNT
        assert isinstance(project["name"], str) and isinstance(project["status"], str)
    for merchant in document["merchants"]:
        assert set(merchant) == {"id", "name"}
    windows: dict[tuple[str, str | None], list[tuple[datetime, datetime | None]]] = {}
    for pledge in document["pledges"]:
        assert pledge["merchant_id"] in ids["merchants"] and pledge["project_id"] in ids["projects"]
        assert pledge["product_id"] is None or isinstance(pledge["product_id"], str)
        if pledge["kind"] == "percent":
            assert type(pledge["basis_points"]) is int and 1 <= pledge["basis_points"] <= 10_000
            assert "amount_minor" not in pledge
        else:
            assert pledge["kind"] == "fixed", pledge
            assert type(pledge["amount_minor"]) is int and 0 <= pledge["amount_minor"] <= MAX_AMOUNT
            assert pledge["currency"] in KNOWN_CURRENCIES
        if "max_per_line_minor" in pledge:
            cap = pledge["max_per_line_minor"]
            assert type(cap) is int and 0 <= cap <= MAX_AMOUNT
        valid_from = instant(pledge["valid_from"])
        valid_to = None if pledge["valid_to"] is None else instant(pledge["valid_to"])
        assert valid_to is None or valid_from < valid_to, pledge
        windows.setdefault((pledge["merchant_id"], pledge["product_id"]), []).append(
            (valid_from, valid_to)
        )
    for scope, spans in windows.items():
        spans.sort(key=lambda span: span[0])
        for (_, earlier_to), (later_from, _) in itertools.pairwise(spans):
            assert earlier_to is not None and earlier_to <= later_from, f"overlap in {scope}"


def matching_pledge(pledges: list[dict[str, Any]], paid: dict[str, Any]) -> dict[str, Any] | None:
    """The pledge a paid line gets (spec section 3), from its merchant's pledges."""
    at = instant(paid["occurred_at"])
    candidates = [
        p
        for p in pledges
        if instant(p["valid_from"]) <= at
        and (p["valid_to"] is None or at < instant(p["valid_to"]))
        and (p["product_id"] is None or p["product_id"] == paid["product_id"])
        and not (p["kind"] == "fixed" and p["currency"] != paid["currency"])
    ]
    for pledge in candidates:
        if pledge["product_id"] is not None:
            return pledge
    return candidates[0] if candidates else None


def _cell(name: str, text: str) -> str | int | None:
    """A CSV cell: empty is null, amounts are decimal digits."""
    if text == "":
        return None
    return int(text) if name in INTEGERS else text


def read_events(path: Path) -> list[dict[str, Any]]:
    """Any of the three formats, as dicts with every field (absent = None)."""
    if path.suffix == ".jsonl":
        records = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
        return [{name: record.get(name) for name in FIELDS} for record in records]
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            assert tuple(reader.fieldnames or ()) == FIELDS
            return [{name: _cell(name, row[name]) for name in FIELDS} for row in reader]
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    assert tuple(table.column_names) == FIELDS
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows
