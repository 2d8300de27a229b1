"""Spec sections 1, 3 and 4: the donation rules, every reject reason, totals.

Each test states its expectation from shared/spec/donations.md. Unless a test
loads its own catalog, MERCHANT gives 5 % (500 basis points) of every line to
PROJECT (IDR), and the default paid line nets 20,000, so D = 1,000.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.donations.builders import (
    ABSENT,
    COUNT_KEYS,
    MERCHANT,
    OTHER_MERCHANT,
    OTHER_PRODUCT,
    PRODUCT,
    PROJECT,
    REJECT_KEYS,
    T0,
    TOTALS_KEYS,
    cancelled,
    catalog,
    completed,
    counts,
    figures,
    fixed_pledge,
    ingest,
    load,
    load_default_catalog,
    paid,
    percent_pledge,
    refunded,
    rejected,
    total,
    totals,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_catalog() -> None:
    load_default_catalog()


def only_reject(report: Any) -> str:
    assert len(report.rejects) == 1, report.rejects
    return report.rejects[0]["reason"]


def assert_accepted(report: Any) -> None:
    assert report.rejects == [], report.rejects
    assert report.counts["rejected"] == 0


def ledger_ok() -> None:
    from dermawan.ledger.checks import check_ledger

    result = check_ledger()
    assert result["ok"] is True, result
    assert result["unbalanced"] == 0 and result["balance_mismatches"] == 0


# (donations, pledged, reversed, net, confirmed, pending) of PROJECT/IDR
PENDING_1000 = (1, 1000, 0, 1000, 0, 1000)


# =============================================================================
# Section 1 and 3: how much a paid line gives
# =============================================================================


@pytest.mark.parametrize(
    "basis_points, quantity, price, discount, expected",
    [
        pytest.param(500, 1, 20_000, 0, 1000, id="5% of 20000"),
        pytest.param(500, 1, 10, 0, 1, id="0.5 rounds up"),
        pytest.param(500, 1, 30, 0, 2, id="1.5 rounds up"),
        pytest.param(500, 1, 50, 0, 3, id="2.5 rounds up, not to even"),
        pytest.param(500, 1, 29, 0, 1, id="1.45 rounds down"),
        pytest.param(500, 1, 31, 0, 2, id="1.55 rounds up"),
        pytest.param(500, 1, 9, 0, 0, id="0.45 rounds to zero"),
        pytest.param(1, 1, 5_000, 0, 1, id="1bp of 5000 is exactly 0.5"),
        pytest.param(1, 1, 4_999, 0, 0, id="1bp of 4999 is 0.4999"),
        pytest.param(1, 1, 15_000, 0, 2, id="1bp of 15000 is exactly 1.5"),
        pytest.param(1, 1, 14_999, 0, 1, id="1bp of 14999"),
        pytest.param(10_000, 3, 7, 0, 21, id="100%"),
        pytest.param(500, 3, 1_000, 500, 125, id="net is quantity*price - discount"),
        pytest.param(2_500, 2, 1_001, 1, 500, id="discount applied before the share"),
        pytest.param(500, 1, 10**14, 0, 5 * 10**12, id="largest amount"),
        pytest.param(9_999, 1_000_000, 10**8, 0, 99_990_000_000_000, id="largest line"),
        pytest.param(500, 2, 1_000, 2_000, 0, id="net 0 gives 0"),
    ],
)
def test_percent_donation(
    basis_points: int, quantity: int, price: int, discount: int, expected: int
) -> None:
    load(catalog(percent_pledge("pl-1", basis_points=basis_points)))
    report = ingest(paid("e1", quantity=quantity, unit_price_minor=price, discount_minor=discount))
    assert_accepted(report)
    if expected == 0:
        assert totals() == {}
        assert report.counts["donations_created"] == 0
    else:
        assert figures() == (1, expected, 0, expected, 0, expected)
        assert report.counts["donations_created"] == 1


@pytest.mark.parametrize(
    "amount, quantity, price, discount, expected",
    [
        pytest.param(2_500, 1, 1_000, 0, 2_500, id="one item"),
        pytest.param(2_500, 3, 1_000, 0, 7_500, id="per item"),
        pytest.param(2_500, 3, 1_000, 2_000, 7_500, id="discount does not matter"),
        pytest.param(2_500, 3, 1_000, 3_000, 7_500, id="net 0 still gives"),
        pytest.param(2_500, 1, 1, 0, 2_500, id="more than the line's price"),
        pytest.param(0, 5, 1_000, 0, 0, id="zero amount gives nothing"),
    ],
)
def test_fixed_donation(
    amount: int, quantity: int, price: int, discount: int, expected: int
) -> None:
    load(catalog(fixed_pledge("pl-1", amount_minor=amount)))
    report = ingest(paid("e1", quantity=quantity, unit_price_minor=price, discount_minor=discount))
    assert_accepted(report)
    if expected == 0:
        assert totals() == {}
    else:
        assert figures() == (1, expected, 0, expected, 0, expected)


@pytest.mark.parametrize(
    "pledge, expected",
    [
        pytest.param(percent_pledge("pl-1", max_per_line_minor=300), 300, id="percent capped"),
        pytest.param(percent_pledge("pl-1", max_per_line_minor=1000), 1000, id="cap equal"),
        pytest.param(percent_pledge("pl-1", max_per_line_minor=5000), 1000, id="cap above"),
        pytest.param(
            fixed_pledge("pl-1", amount_minor=700, max_per_line_minor=1_200),
            1_200,
            id="fixed capped",
        ),
        pytest.param(
            fixed_pledge("pl-1", amount_minor=700, max_per_line_minor=10**9), 1_400, id="fixed"
        ),
        pytest.param(percent_pledge("pl-1", max_per_line_minor=0), 0, id="cap 0: no donation"),
    ],
)
def test_cap_per_line(pledge: dict[str, Any], expected: int) -> None:
    load(catalog(pledge))
    # percent: 5 % of 2 * 10,000 = 1,000; fixed: 700 * 2 = 1,400
    report = ingest(paid("e1", quantity=2, unit_price_minor=10_000))
    assert_accepted(report)
    if expected == 0:
        assert totals() == {}
    else:
        assert figures() == (1, expected, 0, expected, 0, expected)


def test_fixed_pledge_above_the_amount_bound_rejects_the_paid() -> None:
    """Lead's decision: a fixed pledge whose D would exceed 10^14 is invalid_amount."""
    load(catalog(fixed_pledge("pl-1", amount_minor=10**14)))
    report = ingest(paid("e1", quantity=2, unit_price_minor=1))
    assert only_reject(report) == "invalid_amount"
    assert totals() == {}
    # the rejected paid made no line: a later event waits for a paid
    assert ingest(completed("e2")).counts["parked"] == 1


# --- which pledge ----------------------------------------------------------

PRODUCT_PROJECT = "proj-product"
USD_PROJECT = "proj-usd"


def test_product_pledge_beats_merchant_wide() -> None:
    load(
        catalog(
            percent_pledge("pl-wide", basis_points=500),
            percent_pledge(
                "pl-product", basis_points=1_000, product_id=PRODUCT, project_id=PRODUCT_PROJECT
            ),
        )
    )
    assert_accepted(
        ingest(
            paid("e1", "o-1", product_id=PRODUCT),
            paid("e2", "o-2", product_id=OTHER_PRODUCT),
        )
    )
    assert figures(PRODUCT_PROJECT) == (1, 2_000, 0, 2_000, 0, 2_000)
    assert figures(PROJECT) == (1, 1_000, 0, 1_000, 0, 1_000)


def test_fixed_pledge_in_another_currency_is_passed_over() -> None:
    load(
        catalog(
            percent_pledge("pl-wide", basis_points=500),
            fixed_pledge(
                "pl-usd",
                amount_minor=150,
                currency="USD",
                product_id=PRODUCT,
                project_id=USD_PROJECT,
            ),
        )
    )
    assert_accepted(
        ingest(
            paid("e1", "o-idr", product_id=PRODUCT, currency="IDR"),
            paid("e2", "o-usd", product_id=PRODUCT, currency="USD", quantity=2),
        )
    )
    # IDR line: the USD fixed pledge is passed over, the merchant-wide one applies
    assert figures(PROJECT, "IDR") == (1, 1_000, 0, 1_000, 0, 1_000)
    # USD line: the product pledge wins
    assert figures(USD_PROJECT, "USD") == (1, 300, 0, 300, 0, 300)
    assert set(totals()) == {(PROJECT, "IDR"), (USD_PROJECT, "USD")}


def test_fixed_pledge_in_another_currency_alone_gives_nothing() -> None:
    load(catalog(fixed_pledge("pl-usd", amount_minor=150, currency="USD")))
    report = ingest(paid("e1", currency="IDR"), completed("e2"))
    assert_accepted(report)
    assert totals() == {}


def test_merchant_wide_fixed_in_line_currency_beats_product_fixed_in_another() -> None:
    load(
        catalog(
            fixed_pledge("pl-wide", amount_minor=40, currency="IDR"),
            fixed_pledge(
                "pl-usd", amount_minor=9, currency="USD", product_id=PRODUCT, project_id=USD_PROJECT
            ),
        )
    )
    assert_accepted(ingest(paid("e1", quantity=3)))
    assert figures(PROJECT, "IDR") == (1, 120, 0, 120, 0, 120)
    assert (USD_PROJECT, "USD") not in totals()


def test_percent_pledge_applies_in_the_line_currency() -> None:
    load(catalog(percent_pledge("pl-wide")))
    assert_accepted(ingest(paid("e1", currency="JPY", unit_price_minor=3_000)))
    assert figures(PROJECT, "JPY") == (1, 150, 0, 150, 0, 150)
    assert (PROJECT, "IDR") not in totals()


def test_other_merchant_pledge_does_not_apply(default_catalog: None) -> None:
    report = ingest(paid("e1", merchant_id=OTHER_MERCHANT))
    assert_accepted(report)
    assert totals() == {}


WINDOW_FROM = "2026-09-05T00:00:00Z"
WINDOW_TO = "2026-09-06T00:00:00Z"


@pytest.mark.parametrize(
    "occurred_at, in_window",
    [
        pytest.param("2026-09-05T00:00:00Z", True, id="exactly valid_from"),
        pytest.param("2026-09-04T23:59:59.999999Z", False, id="just before valid_from"),
        pytest.param("2026-09-05T23:59:59.999999Z", True, id="just before valid_to"),
        pytest.param("2026-09-06T00:00:00Z", False, id="exactly valid_to"),
        pytest.param("2026-09-05T07:00:00+07:00", True, id="valid_from at +07:00"),
        pytest.param("2026-09-05T06:59:59+07:00", False, id="before valid_from at +07:00"),
        pytest.param("2026-09-05T16:59:59-07:00", True, id="before valid_to at -07:00"),
        pytest.param("2026-09-05T17:00:00-07:00", False, id="valid_to at -07:00"),
        pytest.param("2026-09-05T12:00:00.5+00:00", True, id="fraction, +00:00"),
    ],
)
def test_pledge_window(occurred_at: str, in_window: bool) -> None:
    """valid_from <= occurred_at < valid_to, compared as instants; outside the
    product pledge's window the merchant-wide one applies."""
    load(
        catalog(
            percent_pledge("pl-wide", valid_from="2026-01-01T00:00:00Z"),
            percent_pledge(
                "pl-product",
                product_id=PRODUCT,
                project_id=PRODUCT_PROJECT,
                valid_from=WINDOW_FROM,
                valid_to=WINDOW_TO,
            ),
        )
    )
    assert_accepted(ingest(paid("e1", occurred_at=occurred_at)))
    winner, loser = (PRODUCT_PROJECT, PROJECT) if in_window else (PROJECT, PRODUCT_PROJECT)
    assert figures(winner) == PENDING_1000
    assert total(loser) is None


@pytest.mark.parametrize(
    "occurred_at, expected",
    [
        pytest.param("2026-01-31T23:59:59Z", "proj-jan", id="end of first window"),
        pytest.param("2026-02-01T00:00:00Z", "proj-feb", id="start of second window"),
        pytest.param("2026-02-01T06:59:59+07:00", "proj-jan", id="offset: still january"),
        pytest.param("2025-12-31T23:59:59Z", None, id="before any pledge"),
        pytest.param("2026-12-31T23:59:59+07:00", "proj-feb", id="open ended"),
    ],
)
def test_consecutive_pledges_of_one_scope(occurred_at: str, expected: str | None) -> None:
    load(
        catalog(
            percent_pledge(
                "pl-jan",
                project_id="proj-jan",
                valid_from="2026-01-01T00:00:00Z",
                valid_to="2026-02-01T00:00:00Z",
            ),
            percent_pledge("pl-feb", project_id="proj-feb", valid_from="2026-02-01T00:00:00Z"),
        )
    )
    assert_accepted(ingest(paid("e1", occurred_at=occurred_at)))
    if expected is None:
        assert totals() == {}
    else:
        assert set(totals()) == {(expected, "IDR")}


def test_catalog_times_with_offsets_are_instants() -> None:
    load(
        catalog(
            percent_pledge(
                "pl-1", valid_from="2026-09-05T07:00:00+07:00", valid_to="2026-09-05T10:00:00+09:00"
            )
        )
    )
    assert_accepted(
        ingest(
            paid("e1", "o-before", occurred_at="2026-09-04T23:59:59Z"),
            paid("e2", "o-start", occurred_at="2026-09-05T00:00:00Z"),
            paid("e3", "o-last", occurred_at="2026-09-05T00:59:59Z"),
            paid("e4", "o-end", occurred_at="2026-09-05T01:00:00Z"),
        )
    )
    assert figures() == (2, 2_000, 0, 2_000, 0, 2_000)


def test_shortened_pledge_stops_giving_after_its_new_valid_to() -> None:
    load(catalog(percent_pledge("pl-wide")))
    load(catalog(percent_pledge("pl-wide", valid_to="2026-09-10T00:00:00Z")))
    assert_accepted(
        ingest(
            paid("e1", "o-before", occurred_at="2026-09-09T23:59:59Z"),
            paid("e2", "o-after", occurred_at="2026-09-10T00:00:00Z"),
        )
    )
    assert figures() == PENDING_1000


# --- lines that give nothing ------------------------------------------------

NO_DONATION_LINES = {
    "no pledge": dict(merchant_id=OTHER_MERCHANT),
    "D rounds to 0": dict(unit_price_minor=9),
    "net 0": dict(quantity=2, unit_price_minor=50, discount_minor=100),
}


@pytest.mark.parametrize("line", NO_DONATION_LINES.values(), ids=NO_DONATION_LINES.keys())
def test_line_without_donation_is_recorded(default_catalog: None, line: dict[str, Any]) -> None:
    first = ingest(paid("e1", **line))
    assert_accepted(first)
    assert first.counts["applied"] == 1 and first.counts["parked"] == 0
    assert first.counts["donations_created"] == 0
    # its later events are accepted (not parked) and do nothing
    later = ingest(completed("e2", **_ids(line)))
    assert_accepted(later)
    assert later.counts["applied"] == 1 and later.counts["parked"] == 0
    assert totals() == {}
    # and it follows the same rules: never both completed and cancelled
    assert only_reject(ingest(cancelled("e3", **_ids(line)))) == "conflict"


def _ids(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k == "merchant_id"}


def test_line_without_donation_refund_rules(default_catalog: None) -> None:
    assert_accepted(ingest(paid("e1", merchant_id=OTHER_MERCHANT, unit_price_minor=1_000)))
    assert_accepted(ingest(refunded("r1", refund_minor=600)))
    assert only_reject(ingest(refunded("r2", refund_minor=401))) == "refund_exceeds_paid"
    assert_accepted(ingest(cancelled("c1")))
    assert only_reject(ingest(refunded("r4", refund_minor=1))) == "conflict"
    assert totals() == {}


# =============================================================================
# Rejects: malformed, unknown_type, invalid_amount, invalid_currency
# =============================================================================

PAID_REQUIRED = (
    "event_id",
    "order_id",
    "line_id",
    "occurred_at",
    "merchant_id",
    "product_id",
    "currency",
    "quantity",
    "unit_price_minor",
)
LATER_REQUIRED = ("event_id", "order_id", "line_id", "occurred_at")


def _event(kind: str, **overrides: Any) -> dict[str, Any]:
    """A valid event of ``kind`` for line o-1/1, with ``overrides`` applied."""
    if kind == "paid":
        event = paid("ev")
    elif kind == "refunded":
        event = refunded("ev", refund_minor=100)
    else:
        event = {"completed": completed, "cancelled": cancelled}[kind]("ev")
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not ABSENT}


MISSING = [("paid", f) for f in PAID_REQUIRED]
MISSING += [(k, f) for k in ("completed", "cancelled", "refunded") for f in LATER_REQUIRED]
MISSING += [("refunded", "refund_minor")]


@pytest.mark.parametrize("how", ["absent", "null"])
@pytest.mark.parametrize("kind, field", MISSING, ids=[f"{k}-{f}" for k, f in MISSING])
def test_missing_required_field_is_malformed(
    default_catalog: None, kind: str, field: str, how: str
) -> None:
    if kind != "paid":
        assert_accepted(ingest(paid("p1")))
    event = _event(kind, **{field: ABSENT if how == "absent" else None})
    report = ingest(event)
    assert only_reject(report) == "malformed"
    assert report.counts["parked"] == 0
    assert report.counts["applied"] == 0
    expected_id = None if field == "event_id" else "ev"
    assert report.rejects[0]["event_id"] == expected_id
    assert figures() == (None if kind == "paid" else PENDING_1000)


def test_empty_id_is_malformed(default_catalog: None) -> None:
    assert only_reject(ingest(paid("e1", order_id=""))) == "malformed"


BAD_INTEGERS = {"2.0": 2.0, '"2"': "2", "true": True, "false": False, "list": [2]}
AMOUNT_CASES = [
    ("paid", "quantity"),
    ("paid", "unit_price_minor"),
    ("paid", "discount_minor"),
    ("refunded", "refund_minor"),
]


@pytest.mark.parametrize("value", BAD_INTEGERS.values(), ids=BAD_INTEGERS.keys())
@pytest.mark.parametrize("kind, field", AMOUNT_CASES, ids=[f for _, f in AMOUNT_CASES])
def test_amount_that_is_not_a_json_integer_is_malformed(
    default_catalog: None, kind: str, field: str, value: Any
) -> None:
    if kind != "paid":
        assert_accepted(ingest(paid("p1")))
    report = ingest(_event(kind, **{field: value}))
    assert only_reject(report) == "malformed"
    assert figures() == (None if kind == "paid" else PENDING_1000)


BAD_TIMES = {
    "no offset": "2026-09-10T08:00:00",
    "date only": "2026-09-10",
    "words": "yesterday",
    "no such day": "2026-02-30T08:00:00Z",
    "hour 25": "2026-09-10T25:00:00Z",
    "epoch number": 1_788_940_800,
    "empty": "",
}


@pytest.mark.parametrize("value", BAD_TIMES.values(), ids=BAD_TIMES.keys())
@pytest.mark.parametrize("kind", ["paid", "completed"])
def test_bad_timestamp_is_malformed(default_catalog: None, kind: str, value: Any) -> None:
    if kind != "paid":
        assert_accepted(ingest(paid("p1")))
    assert only_reject(ingest(_event(kind, occurred_at=value))) == "malformed"


def test_integer_ids_are_read_as_decimal_text() -> None:
    load(
        catalog(
            percent_pledge("pl-1", merchant_id="777", product_id="555"),
            percent_pledge("pl-2", merchant_id="777", product_id=None, project_id="proj-other"),
        )
    )
    report = ingest(
        paid(42, 1001, 1, merchant_id=777, product_id=555),
        completed(43, "1001", "1", merchant_id="777", product_id="555"),
    )
    assert_accepted(report)
    assert report.counts["applied"] == 2
    # the product pledge matched: 555 is the product "555"
    assert figures(PROJECT) == (1, 1000, 0, 1000, 1000, 0)
    # the same ids as text are the same events
    again = ingest(
        paid("42", "1001", "1", merchant_id="777", product_id="555"),
        completed("43", 1001, 1, merchant_id=777, product_id=555),
    )
    assert_accepted(again)
    assert again.counts["duplicates"] == 2


@pytest.mark.parametrize("type_", ["shipped", "refund", "PAID", "", None])
def test_unknown_type(default_catalog: None, type_: Any) -> None:
    assert_accepted(ingest(paid("p1")))
    event = completed("e1", type=type_)
    report = ingest(event)
    if type_ in (None, ""):  # a missing type: malformed or unknown_type, both fit the spec
        assert only_reject(report) in ("unknown_type", "malformed")
    else:
        assert only_reject(report) == "unknown_type"
    assert figures() == PENDING_1000


INVALID_PAID_AMOUNTS = {
    "quantity 0": dict(quantity=0),
    "quantity -1": dict(quantity=-1),
    "quantity 1,000,001": dict(quantity=1_000_001, unit_price_minor=1),
    "price -1": dict(unit_price_minor=-1),
    "price above 10^14": dict(unit_price_minor=10**14 + 1),
    "quantity * price above 10^14": dict(quantity=2, unit_price_minor=5 * 10**13 + 1),
    "quantity * price far above 10^14": dict(quantity=1_000_000, unit_price_minor=10**14),
    "discount -1": dict(discount_minor=-1),
    "discount above 10^14": dict(
        quantity=2, unit_price_minor=5 * 10**13, discount_minor=10**14 + 1
    ),
    "negative net": dict(quantity=2, unit_price_minor=100, discount_minor=201),
}


@pytest.mark.parametrize("fields", INVALID_PAID_AMOUNTS.values(), ids=INVALID_PAID_AMOUNTS.keys())
def test_paid_amount_out_of_bounds(default_catalog: None, fields: dict[str, Any]) -> None:
    report = ingest(paid("e1", **fields))
    assert only_reject(report) == "invalid_amount"
    assert totals() == {}


VALID_PAID_AMOUNTS = {
    "quantity 1,000,000": (dict(quantity=1_000_000, unit_price_minor=1), 50_000),
    "price 10^14": (dict(unit_price_minor=10**14), 5 * 10**12),
    "quantity * price = 10^14": (dict(quantity=1_000_000, unit_price_minor=10**8), 5 * 10**12),
    "discount = quantity * price": (dict(quantity=2, unit_price_minor=100, discount_minor=200), 0),
    "price 0": (dict(unit_price_minor=0), 0),
}


@pytest.mark.parametrize(
    "fields, expected", VALID_PAID_AMOUNTS.values(), ids=VALID_PAID_AMOUNTS.keys()
)
def test_paid_amount_at_the_bounds(
    default_catalog: None, fields: dict[str, Any], expected: int
) -> None:
    assert_accepted(ingest(paid("e1", **fields)))
    if expected:
        assert figures() == (1, expected, 0, expected, 0, expected)
    else:
        assert totals() == {}


@pytest.mark.parametrize("refund", [0, -1, 10**14 + 1], ids=["0", "-1", "above 10^14"])
def test_refund_amount_out_of_bounds(default_catalog: None, refund: int) -> None:
    assert_accepted(ingest(paid("p1")))
    assert only_reject(ingest(refunded("r1", refund_minor=refund))) == "invalid_amount"
    assert figures() == PENDING_1000


@pytest.mark.parametrize("currency", ["XXX", "idr", "Idr", "IDRX", "RP"])
def test_invalid_currency(default_catalog: None, currency: str) -> None:
    report = ingest(paid("e1", currency=currency))
    assert only_reject(report) == "invalid_currency"
    assert totals() == {}


@pytest.mark.parametrize("currency", ["IDR", "CNY", "USD", "SGD", "MYR", "JPY", "EUR"])
def test_known_currencies(default_catalog: None, currency: str) -> None:
    assert_accepted(ingest(paid("e1", currency=currency)))
    assert total(PROJECT, currency)["pledged_minor"] == 1000


# =============================================================================
# Rejects: conflict, refund_exceeds_paid, currency_mismatch
# =============================================================================


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
@pytest.mark.parametrize(
    "first, second",
    [
        pytest.param(paid("e1"), paid("e1", quantity=2), id="paid quantity"),
        pytest.param(paid("e1"), paid("e1", buyer_id="b-9"), id="paid optional set"),
        pytest.param(paid("e1"), paid("e1", occurred_at="2026-09-10T08:00:01Z"), id="paid time"),
        pytest.param(paid("e1"), completed("e1"), id="paid id reused by completed"),
        pytest.param(completed("e1"), cancelled("e1"), id="completed id as cancelled"),
        pytest.param(completed("e1"), completed("e1", currency="IDR"), id="currency null vs set"),
        pytest.param(
            completed("e1"), completed("e1", occurred_at="2026-09-11T00:00:00Z"), id="later time"
        ),
        pytest.param(
            refunded("e1", refund_minor=100), refunded("e1", refund_minor=200), id="refund amount"
        ),
        pytest.param(completed("e1"), completed("e1", "o-1", "2"), id="other line"),
    ],
)
def test_same_event_id_other_content_is_conflict(
    default_catalog: None, first: dict[str, Any], second: dict[str, Any], split: bool
) -> None:
    setup = [paid("p1"), paid("p2", "o-1", "2")] if first["type"] != "paid" else []
    if split:
        assert_accepted(ingest(*setup, first))
        report = ingest(second)
    else:
        report = ingest(*setup, first, second)
    assert rejected(report) == [("e1", "conflict")]
    assert report.counts["duplicates"] == 0
    # the first stands
    expected = {
        "paid": PENDING_1000,
        "completed": (2, 2000, 0, 2000, 1000, 1000),
        "refunded": (2, 2000, 5, 1995, 0, 1995),
    }[first["type"]]
    assert figures() == expected


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
def test_second_paid_for_a_line_is_conflict(default_catalog: None, split: bool) -> None:
    first, second = paid("e1"), paid("e2", quantity=5)
    report = ingest(first, second) if not split else (ingest(first), ingest(second))[1]
    assert rejected(report) == [("e2", "conflict")]
    assert figures() == PENDING_1000


def test_second_paid_with_identical_fields_is_still_conflict(default_catalog: None) -> None:
    assert_accepted(ingest(paid("e1")))
    report = ingest(paid("e2"))
    assert rejected(report) == [("e2", "conflict")]
    assert report.counts["duplicates"] == 0
    assert figures() == PENDING_1000


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
@pytest.mark.parametrize(
    "first, second, expected",
    [
        pytest.param(
            completed("e1"), cancelled("e2"), (1, 1000, 0, 1000, 1000, 0), id="cancel completed"
        ),
        pytest.param(
            cancelled("e1"), completed("e2"), (1, 1000, 1000, 0, 0, 0), id="complete cancelled"
        ),
        pytest.param(
            cancelled("e1"),
            refunded("e2", refund_minor=1),
            (1, 1000, 1000, 0, 0, 0),
            id="refund cancelled",
        ),
    ],
)
def test_state_conflicts(
    default_catalog: None,
    first: dict[str, Any],
    second: dict[str, Any],
    expected: tuple[int, ...],
    split: bool,
) -> None:
    if split:
        assert_accepted(ingest(paid("p1"), first))
        report = ingest(second)
    else:
        report = ingest(paid("p1"), first, second)
    assert rejected(report) == [("e2", "conflict")]
    assert figures() == expected
    ledger_ok()


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(completed("e2", merchant_id=OTHER_MERCHANT), id="completed merchant"),
        pytest.param(completed("e2", product_id=OTHER_PRODUCT), id="completed product"),
        pytest.param(
            refunded("e2", refund_minor=10, merchant_id=OTHER_MERCHANT), id="refund merchant"
        ),
        pytest.param(
            refunded("e2", refund_minor=10, product_id=OTHER_PRODUCT), id="refund product"
        ),
        pytest.param(cancelled("e2", product_id=OTHER_PRODUCT), id="cancelled product"),
    ],
)
def test_later_event_for_another_merchant_or_product_is_conflict(
    default_catalog: None, event: dict[str, Any]
) -> None:
    """Lead's decision: merchant_id or product_id differing from the paid's is a conflict."""
    assert_accepted(ingest(paid("p1")))
    assert only_reject(ingest(event)) == "conflict"
    assert figures() == PENDING_1000


def test_later_event_repeating_the_paid_fields_is_accepted(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1")))
    report = ingest(
        refunded(
            "r1", refund_minor=2_000, merchant_id=MERCHANT, product_id=PRODUCT, currency="IDR"
        ),
        completed("c1", merchant_id=MERCHANT, product_id=PRODUCT, currency="IDR"),
    )
    assert_accepted(report)
    assert figures() == (1, 1000, 100, 900, 900, 0)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(completed("e2", currency="USD"), id="completed"),
        pytest.param(cancelled("e2", currency="USD"), id="cancelled"),
        pytest.param(refunded("e2", refund_minor=10, currency="USD"), id="refunded"),
    ],
)
def test_currency_mismatch(default_catalog: None, event: dict[str, Any]) -> None:
    assert_accepted(ingest(paid("p1")))
    report = ingest(event)
    assert rejected(report) == [("e2", "currency_mismatch")]
    assert figures() == PENDING_1000


def test_refund_exceeding_net_in_one_go(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1")))
    assert only_reject(ingest(refunded("r1", refund_minor=20_001))) == "refund_exceeds_paid"
    assert figures() == PENDING_1000


def test_refunds_exceeding_net_together(default_catalog: None) -> None:
    report = ingest(
        paid("p1"),
        refunded("r1", refund_minor=12_000),
        refunded("r2", refund_minor=8_001),
        refunded("r3", refund_minor=8_000),
    )
    assert rejected(report) == [("r2", "refund_exceeds_paid")]
    # R = 20,000 = net: the whole donation is reversed
    assert figures() == (1, 1000, 1000, 0, 0, 0)
    assert only_reject(ingest(refunded("r4", refund_minor=1))) == "refund_exceeds_paid"


def test_refund_on_zero_net_line_exceeds_paid() -> None:
    load(catalog(fixed_pledge("pl-1", amount_minor=500)))
    assert_accepted(ingest(paid("p1", quantity=1, unit_price_minor=100, discount_minor=100)))
    assert figures() == (1, 500, 0, 500, 0, 500)
    assert only_reject(ingest(refunded("r1", refund_minor=1))) == "refund_exceeds_paid"
    assert_accepted(ingest(cancelled("c1")))
    assert figures() == (1, 500, 500, 0, 0, 0)


def test_rejected_event_changes_nothing(default_catalog: None) -> None:
    report = ingest(paid("p1", quantity=0))
    assert only_reject(report) == "invalid_amount"
    assert report.counts["applied"] == 0 and report.counts["donations_created"] == 0
    # no line was made: a later event of that line waits for its paid
    later = ingest(completed("c1"))
    assert_accepted(later)
    assert later.counts["parked"] == 1 and later.counts["applied"] == 0
    assert totals() == {}


# =============================================================================
# Duplicates and rejected events re-sent
# =============================================================================


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
def test_duplicates_are_counted_and_change_nothing(default_catalog: None, split: bool) -> None:
    events = [paid("p1"), refunded("r1", refund_minor=5_000), completed("c1")]
    if split:
        first = ingest(*events)
        assert counts(first)["applied"] == 3
        report = ingest(*events)
    else:
        report = ingest(*events, *events)
    assert_accepted(report)
    assert report.counts["duplicates"] == 3
    assert report.counts["applied"] == (0 if split else 3)
    assert report.counts["donations_created"] == (0 if split else 1)
    assert figures() == (1, 1000, 250, 750, 750, 0)


SAME_CONTENT = {
    "paid: time at another offset": (
        paid("e1", occurred_at="2026-09-10T08:00:00Z"),
        paid("e1", occurred_at="2026-09-10T15:00:00+07:00"),
    ),
    "paid: time with fraction zero": (
        paid("e1", occurred_at="2026-09-10T08:00:00Z"),
        paid("e1", occurred_at="2026-09-10T08:00:00.000+00:00"),
    ),
    "paid: discount absent vs 0": (paid("e1"), paid("e1", discount_minor=0)),
    "paid: discount null vs 0": (paid("e1", discount_minor=None), paid("e1", discount_minor=0)),
    "paid: optional absent vs null": (
        paid("e1"),
        paid("e1", buyer_id=None, campaign_id=None, livestream_id=None),
    ),
    "paid: optional present both": (
        paid("e1", buyer_id="b-1", campaign_id="c-1", livestream_id="l-1"),
        paid("e1", buyer_id="b-1", campaign_id="c-1", livestream_id="l-1"),
    ),
    "paid: unknown field ignored": (paid("e1"), paid("e1", note="resent", source="replay")),
    "paid: integer id vs text": (paid("e1", "1001", "7"), paid("e1", 1001, 7)),
    "completed: time at another offset": (
        completed("e1", occurred_at="2026-09-11T00:00:00Z"),
        completed("e1", occurred_at="2026-09-10T19:00:00-05:00"),
    ),
    "completed: optional absent vs null": (
        completed("e1"),
        completed("e1", merchant_id=None, product_id=None, currency=None),
    ),
    "completed: paid-only field ignored": (completed("e1"), completed("e1", buyer_id="b-1")),
    "refunded: unknown field ignored": (
        refunded("e1", refund_minor=100),
        refunded("e1", refund_minor=100, reason="damaged"),
    ),
    "refunded: currency set both": (
        refunded("e1", refund_minor=100, currency="IDR"),
        refunded("e1", refund_minor=100, currency="IDR"),
    ),
}


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
@pytest.mark.parametrize("first, second", SAME_CONTENT.values(), ids=SAME_CONTENT.keys())
def test_same_content_after_normalising_is_duplicate(
    default_catalog: None, first: dict[str, Any], second: dict[str, Any], split: bool
) -> None:
    setup = [] if first["type"] == "paid" else [paid("p1")]
    if split:
        assert_accepted(ingest(*setup, first))
        report = ingest(second)
    else:
        report = ingest(*setup, first, second)
    assert_accepted(report)
    assert report.counts["duplicates"] == 1
    expected = {
        "paid": PENDING_1000,
        "completed": (1, 1000, 0, 1000, 1000, 0),
        "refunded": (1, 1000, 5, 995, 0, 995),
    }[first["type"]]
    assert figures() == expected


def test_rejected_event_is_judged_again(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1")))
    over = ingest(refunded("r1", refund_minor=30_000))
    assert rejected(over) == [("r1", "refund_exceeds_paid")]
    # sent again unchanged: judged again, rejected again, not a duplicate
    again = ingest(refunded("r1", refund_minor=30_000))
    assert rejected(again) == [("r1", "refund_exceeds_paid")]
    assert again.counts["duplicates"] == 0
    # the same event_id with a smaller refund is a new judgement, not a conflict
    fixed = ingest(refunded("r1", refund_minor=10_000))
    assert_accepted(fixed)
    assert fixed.counts["applied"] == 1
    assert figures() == (1, 1000, 500, 500, 0, 500)


def test_malformed_event_id_can_be_used_by_a_valid_event(default_catalog: None) -> None:
    assert only_reject(ingest(paid("p1", quantity="1"))) == "malformed"
    report = ingest(paid("p1"))
    assert_accepted(report)
    assert report.counts["applied"] == 1
    assert figures() == PENDING_1000


def test_rejected_in_the_same_run_then_accepted(default_catalog: None) -> None:
    report = ingest(paid("p1", currency="XYZ"), paid("p1"))
    assert rejected(report) == [("p1", "invalid_currency")]
    assert report.counts["applied"] == 1
    assert figures() == PENDING_1000


# =============================================================================
# Line lifecycle: completion, cancellation, refunds
# =============================================================================


def test_completed_confirms(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1"), completed("c1")))
    assert figures() == (1, 1000, 0, 1000, 1000, 0)
    ledger_ok()


def test_cancelled_reverses_the_whole_donation(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1"), cancelled("c1")))
    assert figures() == (1, 1000, 1000, 0, 0, 0)
    ledger_ok()


@pytest.mark.parametrize("make", [completed, cancelled], ids=["completed", "cancelled"])
def test_second_completed_or_cancelled_changes_nothing(default_catalog: None, make: Any) -> None:
    assert_accepted(ingest(paid("p1"), make("s1")))
    before = totals()
    report = ingest(make("s2", occurred_at="2026-09-12T00:00:00Z"))
    assert_accepted(report)
    assert report.counts["parked"] == 0
    assert totals() == before
    ledger_ok()


def test_cancel_after_refunds_reverses_exactly_d(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1")))
    assert_accepted(ingest(refunded("r1", refund_minor=3_333)))  # 166.65 -> 167
    assert figures() == (1, 1000, 167, 833, 0, 833)
    assert_accepted(ingest(refunded("r2", refund_minor=1)))  # R=3334: 166.7 -> 167
    assert figures() == (1, 1000, 167, 833, 0, 833)
    assert_accepted(ingest(cancelled("c1")))
    assert figures() == (1, 1000, 1000, 0, 0, 0)
    ledger_ok()


def test_partial_refunds_never_drift() -> None:
    """D = 10 on net 3: refunds of 1 each reverse round(10*R/3): 3, 7, 10."""
    load(catalog(fixed_pledge("pl-1", amount_minor=10)))
    assert_accepted(ingest(paid("p1", unit_price_minor=3)))
    reversed_after = []
    for n in (1, 2, 3):
        assert_accepted(ingest(refunded(f"r{n}", refund_minor=1)))
        reversed_after.append(total()["reversed_minor"])
    assert reversed_after == [3, 7, 10]
    assert figures() == (1, 10, 10, 0, 0, 0)
    ledger_ok()


def test_many_small_refunds_sum_to_exactly_d() -> None:
    """D = 1,000 on net 20,000 refunded 7 at a time: never drifts from round(D*R/net)."""
    load_default_catalog()
    assert_accepted(ingest(paid("p1")))
    refunds = [refunded(f"r{n}", refund_minor=7) for n in range(1, 101)]
    assert_accepted(ingest(*refunds))
    assert total()["reversed_minor"] == (2 * 1000 * 700 + 20_000) // (2 * 20_000)  # 35
    assert_accepted(ingest(refunded("rest", refund_minor=20_000 - 700)))
    assert figures() == (1, 1000, 1000, 0, 0, 0)


@pytest.mark.parametrize(
    "amount, price, refund, expected",
    [
        pytest.param(5, 2, 1, 3, id="2.5 rounds up"),
        pytest.param(3, 2, 1, 2, id="1.5 rounds up"),
        pytest.param(7, 3, 3, 7, id="full refund reverses exactly D"),
        pytest.param(7, 3, 1, 2, id="2.33 rounds down"),
        pytest.param(7, 3, 2, 5, id="4.67 rounds up"),
        pytest.param(1, 3, 1, 0, id="0.33 rounds to 0"),
    ],
)
def test_refund_reversal_rounding(amount: int, price: int, refund: int, expected: int) -> None:
    load(catalog(fixed_pledge("pl-1", amount_minor=amount)))
    assert_accepted(ingest(paid("p1", unit_price_minor=price), refunded("r1", refund_minor=refund)))
    assert figures() == (1, amount, expected, amount - expected, 0, amount - expected)


def test_full_refund_of_percent_donation(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1", quantity=3, unit_price_minor=3_333, discount_minor=1)))
    # net 9,998: D = round(499.9) = 500
    assert figures() == (1, 500, 0, 500, 0, 500)
    assert_accepted(ingest(refunded("r1", refund_minor=4_999)))
    assert total()["reversed_minor"] == 250
    assert_accepted(ingest(refunded("r2", refund_minor=4_999)))
    assert figures() == (1, 500, 500, 0, 0, 0)


def test_refund_after_completion_reduces_confirmed(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1"), completed("c1")))
    assert_accepted(ingest(refunded("r1", refund_minor=5_000)))
    assert figures() == (1, 1000, 250, 750, 750, 0)
    assert_accepted(ingest(refunded("r2", refund_minor=15_000)))
    assert figures() == (1, 1000, 1000, 0, 0, 0)
    ledger_ok()


def test_refund_then_complete(default_catalog: None) -> None:
    assert_accepted(ingest(paid("p1"), refunded("r1", refund_minor=5_000), completed("c1")))
    assert figures() == (1, 1000, 250, 750, 750, 0)


# =============================================================================
# Parking: events before their paid
# =============================================================================


def test_events_before_paid_in_the_same_run(default_catalog: None) -> None:
    report = ingest(refunded("r1", refund_minor=5_000), completed("c1"), paid("p1"))
    assert_accepted(report)
    assert counts(report) == {
        "read": 3,
        "applied": 3,
        "duplicates": 0,
        "rejected": 0,
        "parked": 0,
        "donations_created": 1,
    }
    assert figures() == (1, 1000, 250, 750, 750, 0)


def test_events_before_paid_across_runs(default_catalog: None) -> None:
    first = ingest(completed("c1"), refunded("r1", refund_minor=5_000))
    assert_accepted(first)
    assert counts(first) == {
        "read": 2,
        "applied": 0,
        "duplicates": 0,
        "rejected": 0,
        "parked": 2,
        "donations_created": 0,
    }
    assert totals() == {}
    second = ingest(paid("p1"))
    assert_accepted(second)
    assert counts(second) == {
        "read": 1,
        "applied": 3,
        "duplicates": 0,
        "rejected": 0,
        "parked": 0,
        "donations_created": 1,
    }
    assert figures() == (1, 1000, 250, 750, 750, 0)
    ledger_ok()


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
@pytest.mark.parametrize("order", [("r600", "r500"), ("r500", "r600")])
def test_parked_events_apply_in_arrival_order(
    default_catalog: None, order: tuple[str, str], split: bool
) -> None:
    amounts = {"r600": 12_000, "r500": 10_000}  # together they exceed net 20,000 - 1
    parked = [
        refunded(order[0], refund_minor=amounts[order[0]]),
        refunded(order[1], refund_minor=amounts[order[1]]),
    ]
    if split:
        assert_accepted(ingest(*parked))
        report = ingest(paid("p1", unit_price_minor=19_999))
    else:
        report = ingest(*parked, paid("p1", unit_price_minor=19_999))
    assert rejected(report) == [(order[1], "refund_exceeds_paid")]
    assert report.counts["rejected"] == 1
    assert report.counts["parked"] == 0
    first = amounts[order[0]]
    assert total()["reversed_minor"] == (2 * 1000 * first + 19_999) // (2 * 19_999)


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
def test_parked_events_apply_right_after_their_paid(default_catalog: None, split: bool) -> None:
    early = refunded("early", refund_minor=12_000)
    late = refunded("late", refund_minor=10_000)
    if split:
        assert_accepted(ingest(early))
        report = ingest(paid("p1"), late)
    else:
        report = ingest(early, paid("p1"), late)
    assert rejected(report) == [("late", "refund_exceeds_paid")]
    assert total()["reversed_minor"] == 600


@pytest.mark.parametrize("split", [False, True], ids=["same run", "later run"])
def test_parked_cancel_then_complete(default_catalog: None, split: bool) -> None:
    events = [cancelled("x1"), completed("x2")]
    if split:
        assert_accepted(ingest(*events))
        report = ingest(paid("p1"))
    else:
        report = ingest(*events, paid("p1"))
    assert rejected(report) == [("x2", "conflict")]
    assert figures() == (1, 1000, 1000, 0, 0, 0)


def test_parked_event_rejected_when_its_paid_arrives_counts_in_that_run(
    default_catalog: None,
) -> None:
    first = ingest(
        refunded("r-over", refund_minor=20_001),
        completed("c-usd", currency="USD"),
        completed("c-ok", "o-2"),
    )
    assert_accepted(first)
    assert first.counts["parked"] == 3
    second = ingest(paid("p1"), paid("p2", "o-2"))
    assert sorted(rejected(second)) == [
        ("c-usd", "currency_mismatch"),
        ("r-over", "refund_exceeds_paid"),
    ]
    assert counts(second) == {
        "read": 2,
        "applied": 3,
        "duplicates": 0,
        "rejected": 2,
        "parked": 0,
        "donations_created": 2,
    }
    assert figures() == (2, 2000, 0, 2000, 1000, 1000)


def test_parked_count_is_the_whole_database(default_catalog: None) -> None:
    assert ingest(completed("a", "o-a"), completed("b", "o-b")).counts["parked"] == 2
    report = ingest(completed("c", "o-c"), paid("pb", "o-b"))
    assert report.counts["parked"] == 2  # a and c still wait
    assert report.counts["applied"] == 2  # pb and the earlier-parked b
    assert ingest(paid("pa", "o-a"), paid("pc", "o-c")).counts["parked"] == 0
    assert figures() == (3, 3000, 0, 3000, 3000, 0)


def test_invalid_event_is_rejected_not_parked(default_catalog: None) -> None:
    report = ingest(
        refunded("r0", "o-9", refund_minor=0),
        completed("c1", "o-9", occurred_at="2026-09-10 08:00"),
        {"event_id": "u1", "type": "shipped", "order_id": "o-9", "line_id": "1", "occurred_at": T0},
    )
    assert sorted(rejected(report)) == [
        ("c1", "malformed"),
        ("r0", "invalid_amount"),
        ("u1", "unknown_type"),
    ]
    assert report.counts["parked"] == 0


def test_resending_a_parked_event(default_catalog: None) -> None:
    assert ingest(refunded("r1", refund_minor=5_000)).counts["parked"] == 1
    again = ingest(refunded("r1", refund_minor=5_000))
    assert_accepted(again)
    assert again.counts["duplicates"] == 1
    assert again.counts["parked"] == 1
    other = ingest(refunded("r1", refund_minor=6_000))
    assert rejected(other) == [("r1", "conflict")]
    assert ingest(paid("p1")).counts["applied"] == 2
    assert figures() == (1, 1000, 250, 750, 0, 750)


def test_parked_events_of_lines_without_donation(default_catalog: None) -> None:
    assert ingest(completed("c1"), cancelled("c2")).counts["parked"] == 2
    report = ingest(paid("p1", merchant_id=OTHER_MERCHANT))
    assert rejected(report) == [("c2", "conflict")]
    assert report.counts["applied"] == 2
    assert totals() == {}


# =============================================================================
# Counts and totals
# =============================================================================


def test_counts_of_a_mixed_run(default_catalog: None) -> None:
    report = ingest(
        paid("p1", "o-1"),
        paid("p2", "o-2", merchant_id=OTHER_MERCHANT),  # recorded, no donation
        paid("p3", "o-3"),
        paid("p1", "o-1"),  # duplicate
        paid("bad", "o-4", quantity=0),  # rejected
        completed("c9", "o-9"),  # parked
        completed("c1", "o-1"),
    )
    assert set(report.counts) == COUNT_KEYS
    assert counts(report) == {
        "read": 7,
        "applied": 4,
        "duplicates": 1,
        "rejected": 1,
        "parked": 1,
        "donations_created": 2,
    }
    assert isinstance(report.counts["seconds"], int | float) and report.counts["seconds"] >= 0
    assert isinstance(report.counts["events_per_second"], int | float)
    assert report.counts["events_per_second"] >= 0
    assert len(report.rejects) == 1
    reject = report.rejects[0]
    assert set(reject) == REJECT_KEYS
    assert reject == {
        "line": 5,
        "event_id": "bad",
        "reason": "invalid_amount",
        "message": reject["message"],
    }
    assert isinstance(reject["message"], str) and reject["message"]


def test_reject_lines_count_records_from_one(default_catalog: None) -> None:
    report = ingest(
        paid("a", quantity=0),
        paid("b", "o-2"),
        paid("c", "o-3", currency="ABC"),
        completed("d", "o-4", type="shipped"),
    )
    assert sorted((r["line"], r["event_id"], r["reason"]) for r in report.rejects) == [
        (1, "a", "invalid_amount"),
        (3, "c", "invalid_currency"),
        (4, "d", "unknown_type"),
    ]


def test_totals_figures() -> None:
    load(
        catalog(
            percent_pledge("pl-a", project_id="proj-a"),
            percent_pledge("pl-b", merchant_id=OTHER_MERCHANT, project_id="proj-b"),
        )
    )
    report = ingest(
        paid("p1", "o-1"),  # D 1000, completed, refunded 25 %
        completed("c1", "o-1"),
        refunded("r1", "o-1", refund_minor=5_000),
        paid("p2", "o-2", unit_price_minor=30_000),  # D 1500, cancelled
        cancelled("x2", "o-2"),
        paid("p3", "o-3", unit_price_minor=9_999),  # D 500, refunded 2 x 3,333 -> 333
        refunded("r3a", "o-3", refund_minor=3_333),
        refunded("r3b", "o-3", refund_minor=3_333),
        paid("p4", "o-4", quantity=3, unit_price_minor=7_000, discount_minor=1_000),  # D 1000
        paid("p5", "o-5", currency="USD", unit_price_minor=1_999),  # USD D 100
        paid("p6", "o-6", unit_price_minor=9),  # D 0: no donation, not counted
        completed("c6", "o-6"),
        paid("p7", "o-7", merchant_id=OTHER_MERCHANT, unit_price_minor=40_000),  # proj-b 2000
        completed("c7", "o-7"),
    )
    assert_accepted(report)
    assert totals() == {
        ("proj-a", "IDR"): {
            "project_id": "proj-a",
            "currency": "IDR",
            "donations": 4,
            "pledged_minor": 4000,
            "reversed_minor": 250 + 1500 + 333,
            "net_minor": 4000 - 2083,
            "confirmed_minor": 750,
            "pending_minor": 167 + 1000,
        },
        ("proj-a", "USD"): {
            "project_id": "proj-a",
            "currency": "USD",
            "donations": 1,
            "pledged_minor": 100,
            "reversed_minor": 0,
            "net_minor": 100,
            "confirmed_minor": 0,
            "pending_minor": 100,
        },
        ("proj-b", "IDR"): {
            "project_id": "proj-b",
            "currency": "IDR",
            "donations": 1,
            "pledged_minor": 2000,
            "reversed_minor": 0,
            "net_minor": 2000,
            "confirmed_minor": 2000,
            "pending_minor": 0,
        },
    }
    ledger_ok()


def test_totals_rows_are_sorted_and_only_with_donations() -> None:
    from dermawan.donations.totals import project_totals

    load(
        catalog(
            percent_pledge("pl-b", product_id="pb", project_id="b"),
            percent_pledge("pl-a2", product_id="pa2", project_id="a-2"),
            percent_pledge("pl-a", product_id="pa", project_id="a"),
            percent_pledge("pl-c", product_id="pc", project_id="c-empty"),
        )
    )
    events = []
    for n, (product, currency) in enumerate(
        [("pb", "USD"), ("pa2", "IDR"), ("pa", "USD"), ("pa", "EUR"), ("pa", "IDR"), ("pb", "CNY")]
    ):
        events.append(paid(f"p{n}", f"o-{n}", product_id=product, currency=currency))
    events.append(paid("pc", "o-c", product_id="pc", unit_price_minor=9))  # D = 0
    assert_accepted(ingest(*events))
    rows = project_totals()
    assert [(r["project_id"], r["currency"]) for r in rows] == [
        ("a", "EUR"),
        ("a", "IDR"),
        ("a", "USD"),
        ("a-2", "IDR"),
        ("b", "CNY"),
        ("b", "USD"),
    ]
    for row in rows:
        assert set(row) == TOTALS_KEYS
        assert all(type(row[k]) is int for k in TOTALS_KEYS - {"project_id", "currency"})


def test_totals_empty_without_donations() -> None:
    from dermawan.donations.totals import project_totals

    assert project_totals() == []


# --- the same totals whatever the order, batching or duplication -------------

SCENARIO = [
    paid("p1", "o-1", quantity=2, unit_price_minor=10_000),
    completed("c1", "o-1"),
    refunded("r1", "o-1", refund_minor=5_000),
    paid("p2", "o-2", unit_price_minor=30_000),
    cancelled("x2", "o-2"),
    paid("p3", "o-3", unit_price_minor=9_999),
    refunded("r3a", "o-3", refund_minor=3_333),
    refunded("r3b", "o-3", refund_minor=3_333),
    paid("p4", "o-4", quantity=3, unit_price_minor=7_000, discount_minor=1_000),
    paid("p5", "o-5", merchant_id=OTHER_MERCHANT),
    completed("c5", "o-5"),
    completed("c6", "o-6", "2"),
    paid("p6", "o-6", "2", occurred_at="2026-09-10T15:00:00+07:00"),
]
# o-1: D 1,000, completed, 25 % refunded (250); o-2: D 1,500 cancelled;
# o-3: D 500, 6,666 of 9,999 refunded (333); o-4: D 1,000 pending;
# o-5: no pledge; o-6/2: D 1,000 completed (its completed arrives first)
SCENARIO_FIGURES = (5, 5000, 2083, 2917, 1750, 1167)


def _shuffled(seed: int) -> list[dict[str, Any]]:
    events = list(SCENARIO)
    random.Random(seed).shuffle(events)
    return events


SCENARIO_ORDERS = {
    "as written": [SCENARIO],
    "reversed": [SCENARIO[::-1]],
    "paids last": [
        [e for e in SCENARIO if e["type"] != "paid"] + [e for e in SCENARIO if e["type"] == "paid"]
    ],
    "shuffled 1": [_shuffled(1)],
    "shuffled 2": [_shuffled(2)],
    "shuffled 3": [_shuffled(3)],
    "every event twice": [SCENARIO + SCENARIO[::-1]],
    "two runs, second half first": [SCENARIO[7:], SCENARIO[:7]],
    "one run per event": [[e] for e in _shuffled(4)],
    "duplicates across runs": [SCENARIO[:9], SCENARIO[4:], SCENARIO],
}


@pytest.mark.parametrize("runs", SCENARIO_ORDERS.values(), ids=SCENARIO_ORDERS.keys())
def test_totals_whatever_the_order(runs: list[list[dict[str, Any]]]) -> None:
    load(catalog(percent_pledge("pl-wide")))
    for run in runs:
        assert_accepted(ingest(*run))
    assert figures() == SCENARIO_FIGURES
    assert set(totals()) == {(PROJECT, "IDR")}
    ledger_ok()


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5])
def test_totals_whatever_the_batching(batch_size: int) -> None:
    load(catalog(percent_pledge("pl-wide")))
    events = _shuffled(5) + SCENARIO
    report = ingest(*events, batch_size=batch_size)
    assert_accepted(report)
    assert counts(report) == {
        "read": 2 * len(SCENARIO),
        "applied": len(SCENARIO),
        "duplicates": len(SCENARIO),
        "rejected": 0,
        "parked": 0,
        "donations_created": 5,
    }
    assert figures() == SCENARIO_FIGURES
    ledger_ok()


def test_batching_keeps_rejects_and_their_lines() -> None:
    load(catalog(percent_pledge("pl-wide")))
    events = [
        refunded("r1", refund_minor=15_000),
        paid("p1"),
        refunded("r2", refund_minor=15_000),
        paid("p2"),
        paid("p3", "o-3", quantity=0),
        completed("c1"),
        cancelled("x1"),
    ]
    report = ingest(*events, batch_size=2)
    assert sorted((r["line"], r["event_id"], r["reason"]) for r in report.rejects) == [
        (3, "r2", "refund_exceeds_paid"),
        (4, "p2", "conflict"),
        (5, "p3", "invalid_amount"),
        (7, "x1", "conflict"),
    ]
    assert figures() == (1, 1000, 750, 250, 250, 0)
