# ruff: noqa: RUF001  (the stories write the multiplication and minus signs of a statement)
"""Ledger stories: each scenario's books, rendered like a bank statement and
checked against a snapshot a reviewer has read (tests/stories/snapshots/).

Every number is also asserted here, worked by hand from the spec, so a
snapshot rewritten without reading (``UPDATE_SNAPSHOTS=1``) cannot hide a
wrong amount. Events go in one per ingest call, in story order, so the
transactions appear in the order the story tells.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import pytest

from dermawan.catalog.loader import load_catalog
from dermawan.donations.ingest import ingest_records
from dermawan.donations.totals import project_totals
from dermawan.ledger.checks import check_ledger
from dermawan.ledger.models import Account, Transaction
from tests.stories.render import render_ledger

pytestmark = pytest.mark.django_db

SNAPSHOTS = Path(__file__).parent / "snapshots"

CATALOG: dict[str, Any] = {
    "charities": [
        {"id": "yayasan-pangan", "name": "Yayasan Pangan Anak", "country": "ID", "verified": True},
        {"id": "kodomo-mirai", "name": "Kodomo Mirai", "country": "JP", "verified": True},
    ],
    "projects": [
        {
            "id": "makan-siang",
            "charity_id": "yayasan-pangan",
            "name": "Makan Siang Gratis",
            "category": "children",
            "region": "ID-JT",
            "currency": "IDR",
            "goal_minor": 50_000_000_000,
            "status": "active",
        },
        {
            "id": "kodomo-shokudo",
            "charity_id": "kodomo-mirai",
            "name": "Kodomo Shokudo",
            "category": "children",
            "region": "JP-13",
            "currency": "JPY",
            "goal_minor": 5_000_000,
            "status": "active",
        },
    ],
    "merchants": [
        {"id": "toko-tani", "name": "Toko Tani Makmur"},
        {"id": "toko-buku", "name": "Toko Buku Pelita"},
        {"id": "tokyo-shop", "name": "Tokyo Shop"},
    ],
    "pledges": [
        # 5 % of every beras-5kg sale, in whatever currency it is sold.
        {
            "id": "pl-beras",
            "merchant_id": "toko-tani",
            "product_id": "beras-5kg",
            "project_id": "makan-siang",
            "kind": "percent",
            "basis_points": 500,
            "valid_from": "2026-09-01T00:00:00Z",
            "valid_to": None,
        },
        # Rp 1,000.00 per item of anything else Toko Tani sells in rupiah.
        {
            "id": "pl-tani-all",
            "merchant_id": "toko-tani",
            "product_id": None,
            "project_id": "makan-siang",
            "kind": "fixed",
            "amount_minor": 100_000,
            "currency": "IDR",
            "valid_from": "2026-09-01T00:00:00Z",
            "valid_to": None,
        },
        # Rp 500.00 per book, at most Rp 2,000.00 per order line.
        {
            "id": "pl-buku",
            "merchant_id": "toko-buku",
            "product_id": None,
            "project_id": "makan-siang",
            "kind": "fixed",
            "amount_minor": 50_000,
            "currency": "IDR",
            "max_per_line_minor": 200_000,
            "valid_from": "2026-09-01T00:00:00Z",
            "valid_to": None,
        },
        # 3.33 % of Tokyo Shop's sales to a children's canteen in Japan.
        {
            "id": "pl-tokyo",
            "merchant_id": "tokyo-shop",
            "product_id": None,
            "project_id": "kodomo-shokudo",
            "kind": "percent",
            "basis_points": 333,
            "valid_from": "2026-09-01T00:00:00Z",
            "valid_to": None,
        },
    ],
}


def paid(
    event_id: str,
    line: str,
    at: str,
    merchant: str,
    product: str,
    currency: str,
    quantity: int,
    unit_price: int,
    discount: int = 0,
) -> dict[str, Any]:
    order_id, line_id = line.split("/")
    return {
        "event_id": event_id,
        "type": "paid",
        "order_id": order_id,
        "line_id": line_id,
        "occurred_at": at,
        "merchant_id": merchant,
        "product_id": product,
        "currency": currency,
        "quantity": quantity,
        "unit_price_minor": unit_price,
        "discount_minor": discount,
    }


def then(event_id: str, kind: str, line: str, at: str, **fields: Any) -> dict[str, Any]:
    order_id, line_id = line.split("/")
    event = {"event_id": event_id, "type": kind, "order_id": order_id, "line_id": line_id}
    return event | {"occurred_at": at} | fields


def tell(name: str, title: str, story: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Load the catalog, ingest the events one by one, compare with the snapshot."""
    load_catalog(CATALOG)
    for event in events:
        report = ingest_records([event])
        assert report.rejects == [], report.rejects
    assert check_ledger()["ok"]
    text = f"# {title}\n\n{story.strip()}\n\n{render_ledger()}"
    path = SNAPSHOTS / f"{name}.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1, then read it"
    recorded = path.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            recorded.splitlines(keepends=True),
            text.splitlines(keepends=True),
            "snapshot",
            "now",
        )
    )
    assert text == recorded, f"the ledger of {name} changed:\n{diff}"
    return project_totals()


def balances() -> dict[str, int]:
    """Every account's stored balance, as 'kind:owner:currency' -> minor units."""
    return {str(a): a.balance_minor for a in Account.objects.all()}


def row(project: str, currency: str, **figures: int) -> dict[str, Any]:
    defaults = dict.fromkeys(
        ("reversed_minor", "confirmed_minor", "pending_minor"),
        0,
    )
    figures = defaults | figures
    figures["net_minor"] = figures["pledged_minor"] - figures["reversed_minor"]
    return {"project_id": project, "currency": currency} | {
        key: figures[key]
        for key in (
            "donations",
            "pledged_minor",
            "reversed_minor",
            "net_minor",
            "confirmed_minor",
            "pending_minor",
        )
    }


def test_a_sale_with_a_percent_pledge_is_paid_then_completed() -> None:
    totals = tell(
        "sale",
        "A sale: a percent pledge, paid then completed",
        """
Toko Tani pledges 5 % (500 basis points) of its beras-5kg sales to Makan Siang
Gratis. A buyer pays 2 × Rp 125,000.00 less a Rp 5,000.00 discount:
net = 2 × 12,500,000 − 500,000 = 24,500,000 minor;
D = round_half_up(24,500,000 × 500 / 10,000) = 1,225,000 (Rp 12,250.00).
Paid: the merchant owes it and the project holds it pending. Completed: it
moves to the charity's payable.
""",
        [
            paid(
                "sale-paid",
                "ORD-1001/1",
                "2026-09-05T10:00:00+07:00",
                "toko-tani",
                "beras-5kg",
                "IDR",
                2,
                12_500_000,
                500_000,
            ),
            then("sale-completed", "completed", "ORD-1001/1", "2026-09-08T09:30:00+07:00"),
        ],
    )
    assert totals == [
        row("makan-siang", "IDR", donations=1, pledged_minor=1_225_000, confirmed_minor=1_225_000)
    ]


def test_two_partial_refunds_then_completion_round_half_up_without_drift() -> None:
    totals = tell(
        "partial_refunds",
        "Partial refunds: two refunds, then completion",
        """
One beras-5kg at Rp 20,000.00: net = 2,000,000; D = 5 % = 100,000 (Rp 1,000.00).
Refund 1 of 333,330: R = 333,330, reversal = round_half_up(100,000 × 333,330 /
2,000,000) = round_half_up(16,666.5) = 16,667 (half up, not to even).
Refund 2 of 333,330: R = 666,660, total reversal = round_half_up(33,333.0) =
33,333, so this refund reverses 33,333 − 16,667 = 16,666. Rounding each refund
on its own would have reversed 16,667 twice (33,334): a drift of 1.
Completion confirms what is left: 100,000 − 33,333 = 66,667.
""",
        [
            paid(
                "pr-paid",
                "ORD-2001/1",
                "2026-09-05T11:00:00Z",
                "toko-tani",
                "beras-5kg",
                "IDR",
                1,
                2_000_000,
            ),
            then(
                "pr-refund-1",
                "refunded",
                "ORD-2001/1",
                "2026-09-06T08:00:00Z",
                refund_minor=333_330,
            ),
            then(
                "pr-refund-2",
                "refunded",
                "ORD-2001/1",
                "2026-09-06T09:00:00Z",
                refund_minor=333_330,
            ),
            then("pr-completed", "completed", "ORD-2001/1", "2026-09-09T12:00:00Z"),
        ],
    )
    assert totals == [
        row(
            "makan-siang",
            "IDR",
            donations=1,
            pledged_minor=100_000,
            reversed_minor=33_333,
            confirmed_minor=66_667,
        )
    ]


def test_a_cancel_after_a_refund_reverses_exactly_the_donation() -> None:
    totals = tell(
        "cancel",
        "Cancel: a refund, then the order is cancelled",
        """
Five beras-5kg at Rp 49,000.00: net = 24,500,000; D = 5 % = 1,225,000.
A refund of 3,333,333: reversal = round_half_up(1,225,000 × 3,333,333 /
24,500,000) = round_half_up(166,666.65) = 166,667.
Then the order is cancelled: the whole donation is reversed, so the cancel
reverses the rest, 1,225,000 − 166,667 = 1,058,333. Net donation 0.
""",
        [
            paid(
                "cx-paid",
                "ORD-3001/1",
                "2026-09-05T12:00:00Z",
                "toko-tani",
                "beras-5kg",
                "IDR",
                5,
                4_900_000,
            ),
            then(
                "cx-refund",
                "refunded",
                "ORD-3001/1",
                "2026-09-05T15:00:00Z",
                refund_minor=3_333_333,
            ),
            then("cx-cancelled", "cancelled", "ORD-3001/1", "2026-09-05T16:00:00Z"),
        ],
    )
    assert totals == [
        row("makan-siang", "IDR", donations=1, pledged_minor=1_225_000, reversed_minor=1_225_000)
    ]
    assert balances() == {
        "merchant_pledges:toko-tani:IDR": 0,
        "project_pending:makan-siang:IDR": 0,
    }


def test_a_fixed_pledge_stops_at_its_per_line_cap() -> None:
    totals = tell(
        "fixed_cap",
        "A fixed pledge with a per-line cap",
        """
Toko Buku gives Rp 500.00 (50,000) per book, at most Rp 2,000.00 (200,000) per
order line. Line 1: 3 books, D = 3 × 50,000 = 150,000, under the cap; it is
completed. Line 2: 10 books, 10 × 50,000 = 500,000, capped to 200,000; still
pending. Confirmed 150,000, pending 200,000.
""",
        [
            paid(
                "fx-paid-1",
                "ORD-4001/1",
                "2026-09-05T09:00:00Z",
                "toko-buku",
                "novel",
                "IDR",
                3,
                8_900_000,
            ),
            paid(
                "fx-paid-2",
                "ORD-4002/1",
                "2026-09-05T09:05:00Z",
                "toko-buku",
                "novel",
                "IDR",
                10,
                8_900_000,
                1_000_000,
            ),
            then("fx-completed-1", "completed", "ORD-4001/1", "2026-09-07T10:00:00Z"),
        ],
    )
    assert totals == [
        row(
            "makan-siang",
            "IDR",
            donations=2,
            pledged_minor=350_000,
            confirmed_minor=150_000,
            pending_minor=200_000,
        )
    ]


def test_lines_in_several_currencies_keep_their_own_books() -> None:
    totals = tell(
        "multi_currency",
        "Multi-currency: rupiah, Singapore dollars and yen",
        """
Money never changes currency: each line's donation is in the line's currency,
on accounts of that currency, and totals are per project and currency.
- ORD-5001/1, beras-5kg in IDR: 6,500,000 × 5 % = 325,000; completed.
- ORD-5001/2, beras-5kg in SGD: S$12.99 = 1,299; 1,299 × 5 % = 64.95, half up 65
  (S$0.65), to the same project; left pending.
- ORD-5002/1, minyak-2l in IDR: no product pledge, so Toko Tani's merchant-wide
  fixed pledge: 2 × 100,000 = 200,000; completed.
- ORD-5002/2, minyak-2l in SGD: the merchant-wide pledge is fixed in IDR, so it
  is passed over; no donation, no transaction.
- ORD-5003/1, matcha in JPY (no minor unit): 3 × ¥1,980 − ¥40 = ¥5,900;
  5,900 × 3.33 % = 196.47, so ¥196 to Kodomo Shokudo; completed.
""",
        [
            paid(
                "mc-paid-1",
                "ORD-5001/1",
                "2026-09-06T10:00:00+07:00",
                "toko-tani",
                "beras-5kg",
                "IDR",
                1,
                6_500_000,
            ),
            paid(
                "mc-paid-2",
                "ORD-5001/2",
                "2026-09-06T11:00:00+08:00",
                "toko-tani",
                "beras-5kg",
                "SGD",
                1,
                1_299,
            ),
            paid(
                "mc-paid-3",
                "ORD-5002/1",
                "2026-09-06T10:00:00Z",
                "toko-tani",
                "minyak-2l",
                "IDR",
                2,
                3_200_000,
            ),
            paid(
                "mc-paid-4",
                "ORD-5002/2",
                "2026-09-06T10:01:00Z",
                "toko-tani",
                "minyak-2l",
                "SGD",
                1,
                550,
            ),
            paid(
                "mc-paid-5",
                "ORD-5003/1",
                "2026-09-06T20:00:00+09:00",
                "tokyo-shop",
                "matcha",
                "JPY",
                3,
                1_980,
                40,
            ),
            then("mc-completed-1", "completed", "ORD-5001/1", "2026-09-08T10:00:00Z"),
            then("mc-completed-3", "completed", "ORD-5002/1", "2026-09-08T10:00:00Z"),
            then("mc-completed-5", "completed", "ORD-5003/1", "2026-09-08T10:00:00Z"),
            then("mc-completed-4", "completed", "ORD-5002/2", "2026-09-08T10:00:00Z"),
        ],
    )
    assert totals == [
        row("kodomo-shokudo", "JPY", donations=1, pledged_minor=196, confirmed_minor=196),
        row("makan-siang", "IDR", donations=2, pledged_minor=525_000, confirmed_minor=525_000),
        row("makan-siang", "SGD", donations=1, pledged_minor=65, pending_minor=65),
    ]
    assert balances() == {
        "merchant_pledges:toko-tani:IDR": 525_000,
        "merchant_pledges:toko-tani:SGD": 65,
        "merchant_pledges:tokyo-shop:JPY": 196,
        "project_pending:makan-siang:IDR": 0,
        "project_pending:makan-siang:SGD": -65,
        "project_pending:kodomo-shokudo:JPY": 0,
        "charity_payable:yayasan-pangan:IDR": -525_000,
        "charity_payable:kodomo-mirai:JPY": -196,
    }


def test_a_refund_after_completion_is_clawed_back_from_the_charity() -> None:
    totals = tell(
        "refund_after_completion",
        "A refund after completion: a claw-back",
        """
Five beras-5kg at Rp 49,000.00: net = 24,500,000; D = 1,225,000, confirmed on
completion to Yayasan Pangan's payable. Then half the line is refunded
(12,250,000): reversal = round_half_up(1,225,000 × 12,250,000 / 24,500,000) =
612,500. Confirmed money is never rewritten: the reversal is a new
transaction taken from the charity's payable (netted from its next payout),
not from the project's pending. Confirmed 612,500, pending 0.
""",
        [
            paid(
                "cb-paid",
                "ORD-6001/1",
                "2026-09-05T12:00:00Z",
                "toko-tani",
                "beras-5kg",
                "IDR",
                5,
                4_900_000,
            ),
            then("cb-completed", "completed", "ORD-6001/1", "2026-09-08T12:00:00Z"),
            then(
                "cb-refund",
                "refunded",
                "ORD-6001/1",
                "2026-09-20T12:00:00Z",
                refund_minor=12_250_000,
            ),
        ],
    )
    assert totals == [
        row(
            "makan-siang",
            "IDR",
            donations=1,
            pledged_minor=1_225_000,
            reversed_minor=612_500,
            confirmed_minor=612_500,
        )
    ]
    assert balances() == {
        "merchant_pledges:toko-tani:IDR": 612_500,
        "project_pending:makan-siang:IDR": 0,
        "charity_payable:yayasan-pangan:IDR": -612_500,
    }
    assert list(Transaction.objects.order_by("id").values_list("kind", flat=True)) == [
        "pledged",
        "confirmed",
        "reversed",
    ]
