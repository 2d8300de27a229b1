"""Buyer receipts: per order and per buyer, with each line's status."""

from __future__ import annotations

import pytest

from tests.api.support import Api, Keys, problem
from tests.donations.builders import (
    MERCHANT,
    OTHER_MERCHANT,
    PROJECT,
    cancelled,
    completed,
    paid,
    refunded,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(api: Api, keys: Keys) -> None:
    response = api.events(
        paid("p-1", "o-1", "1", buyer_id="b-1", occurred_at="2026-09-10T08:00:00Z"),
        paid("p-2", "o-1", "2", buyer_id="b-1", occurred_at="2026-09-10T08:00:00Z"),
        paid("p-3", "o-1", "3", buyer_id="b-1", occurred_at="2026-09-10T08:00:00Z"),
        paid(
            "p-4",
            "o-1",
            "4",
            buyer_id="b-1",
            merchant_id=OTHER_MERCHANT,
            product_id="sumur",
            occurred_at="2026-09-10T08:00:00Z",
        ),
        paid("p-5", "o-2", "1", buyer_id="b-1", occurred_at="2026-09-11T08:00:00Z"),
        completed("c-2", "o-1", "2"),
        cancelled("x-3", "o-1", "3"),
        refunded("r-5", "o-2", "1", refund_minor=5_000),
        key=keys.marketplace,
    )
    assert response.json()["counts"]["applied"] == 8


def test_an_order_receipt_gives_each_lines_donation_and_status(
    api: Api, keys: Keys, orders: None
) -> None:
    receipt = api.get("/api/v1/orders/o-1/receipt", key=keys.marketplace).json()
    lines = {
        (
            ln["line_id"],
            ln["project_id"],
            ln["donation_minor"],
            ln["reversed_minor"],
            ln["net_minor"],
            ln["status"],
        )
        for ln in receipt["lines"]
    }
    assert lines == {
        ("1", PROJECT, 1_000, 0, 1_000, "pending"),
        ("2", PROJECT, 1_000, 0, 1_000, "confirmed"),
        ("3", PROJECT, 1_000, 1_000, 0, "reversed"),
        ("4", "sumur-desa", 2_000, 0, 2_000, "pending"),
    }
    assert receipt["totals"] == [
        {"currency": "IDR", "donation_minor": 5_000, "reversed_minor": 1_000, "net_minor": 4_000}
    ]
    assert {ln["project_name"] for ln in receipt["lines"]} == {
        f"Project {PROJECT}",
        "Project sumur-desa",
    }


def test_a_merchant_sees_only_its_own_lines(api: Api, keys: Keys, orders: None) -> None:
    mine = api.get("/api/v1/orders/o-1/receipt", key=keys.merchant).json()
    assert {ln["merchant_id"] for ln in mine["lines"]} == {MERCHANT}
    theirs = api.get("/api/v1/orders/o-1/receipt", key=keys.other_merchant).json()
    assert [ln["line_id"] for ln in theirs["lines"]] == ["4"]
    problem(api.get("/api/v1/orders/o-2/receipt", key=keys.other_merchant), 404, "not-found")


def test_a_buyers_history_newest_first_with_totals(api: Api, keys: Keys, orders: None) -> None:
    page = api.get("/api/v1/buyers/b-1/receipts?limit=2", key=keys.marketplace).json()
    assert page["count"] == 5
    partial = page["items"][0]
    assert (partial["order_id"], partial["line_id"]) == ("o-2", "1")
    # A quarter of the net refunded: a quarter of the donation reversed, still pending.
    assert (partial["reversed_minor"], partial["status"]) == (250, "pending")
    assert page["totals"] == [
        {"currency": "IDR", "donation_minor": 6_000, "reversed_minor": 1_250, "net_minor": 4_750}
    ]
    rest = api.get("/api/v1/buyers/b-1/receipts?limit=2&offset=4", key=keys.marketplace).json()
    assert len(rest["items"]) == 1


def test_unknown_order_and_buyer(api: Api, keys: Keys, orders: None) -> None:
    problem(api.get("/api/v1/orders/nope/receipt", key=keys.marketplace), 404, "not-found")
    problem(api.get("/api/v1/buyers/nobody/receipts", key=keys.admin), 404, "not-found")
