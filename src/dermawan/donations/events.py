"""Order events (spec section 3): reading one record into a normalised event.

``read_values`` is on the hot path of every ingest, so it reads a record's
values (in the order of ``FIELDS``) with plain type checks; every failure
raises ``Invalid`` with the spec's reason code and a message naming the
field. ``read_event`` hands it a dict's values; the API hands it the tuples
its decoder makes.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import orjson

from dermawan.core.instants import parse_instant
from dermawan.core.money import CURRENCY_EXPONENTS, MAX_AMOUNT, MAX_QUANTITY
from dermawan.core.values import Invalid

PAID = "paid"
COMPLETED = "completed"
CANCELLED = "cancelled"
REFUNDED = "refunded"
TYPES = frozenset((PAID, COMPLETED, CANCELLED, REFUNDED))

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
AMOUNT_FIELDS = frozenset(("quantity", "unit_price_minor", "discount_minor", "refund_minor"))


class OrderEvent(NamedTuple):
    event_id: str
    type: str
    order_id: str
    line_id: str
    occurred_at_us: int
    merchant_id: str | None
    product_id: str | None
    currency: str | None
    quantity: int | None
    unit_price_minor: int | None
    discount_minor: int | None
    refund_minor: int | None
    buyer_id: str | None
    campaign_id: str | None
    livestream_id: str | None
    # 64 bits of BLAKE2b over the normalised content of the type's fields.
    fingerprint: int
    # Where it came from, for the rejects file: the physical line or record.
    source_line: int

    @property
    def line_key(self) -> tuple[str, str]:
        return (self.order_id, self.line_id)


# Longest ids the tables hold (donations.models); longer is malformed, not a crash.
ID_LENGTH = 100
EVENT_ID_LENGTH = 200


def _id(value: Any, name: str, required: bool, longest: int = ID_LENGTH) -> str | None:
    if type(value) is str:
        if 0 < len(value) <= longest:
            return value
        if value:
            raise Invalid("malformed", f"{name} is longer than {longest} characters")
        raise Invalid("malformed", f"{name} is empty")
    if value is None:
        if required:
            raise Invalid("malformed", f"{name} is required")
        return None
    if type(value) is int:
        return str(value)
    raise Invalid("malformed", f"{name} must be a string, got {value!r}")


def _int(value: Any, name: str, required: bool) -> int | None:
    if type(value) is int:
        return value
    if value is None:
        if required:
            raise Invalid("malformed", f"{name} is required")
        return None
    raise Invalid("malformed", f"{name} must be an integer, got {value!r}")


def _amount(name: str, value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_AMOUNT:
        raise Invalid("invalid_amount", f"{name} {value} is outside 0..10^14")


def fingerprint(content: tuple[object, ...]) -> int:
    digest = hashlib.blake2b(orjson.dumps(content), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def read_event(record: dict[str, Any], source_line: int) -> OrderEvent:
    """Validate one record; raises ``Invalid`` with the spec's reason."""
    return read_values(values_of(record), source_line)


def values_of(record: dict[str, Any]) -> tuple[Any, ...]:
    """A record's values in the order of ``FIELDS`` (None where missing)."""
    return tuple(map(record.get, FIELDS))


def read_values(values: tuple[Any, ...], source_line: int) -> OrderEvent:
    """``read_event`` of a record's values in the order of ``FIELDS`` (a
    decoded API body hands them over as tuples, with no dict between)."""
    (event_id, kind, order_id, line_id, occurred, merchant_id, product_id, currency, quantity,
     unit_price, discount, refund, buyer_id, campaign_id, livestream_id) = values  # fmt: skip
    event_id = _id(event_id, "event_id", True, EVENT_ID_LENGTH)
    if kind not in TYPES:
        if kind is None:
            raise Invalid("malformed", "type is required")
        raise Invalid(
            "unknown_type", f"type {kind!r} is not paid, completed, cancelled or refunded"
        )
    order_id = _id(order_id, "order_id", True)
    line_id = _id(line_id, "line_id", True)
    occurred_at_us = parse_instant(occurred)
    if occurred_at_us is None:
        if occurred is None:
            raise Invalid("malformed", "occurred_at is required")
        raise Invalid("malformed", f"occurred_at {occurred!r} is not RFC 3339 with an offset")
    paid = kind == PAID
    merchant_id = _id(merchant_id, "merchant_id", paid)
    product_id = _id(product_id, "product_id", paid)
    if currency is not None and type(currency) is not str:
        raise Invalid("malformed", f"currency must be a string, got {currency!r}")
    if paid and currency is None:
        raise Invalid("malformed", "currency is required")
    if paid:
        quantity = _int(quantity, "quantity", True)
        unit_price = _int(unit_price, "unit_price_minor", True)
        discount = _int(discount, "discount_minor", False)
        buyer_id = _id(buyer_id, "buyer_id", False)
        campaign_id = _id(campaign_id, "campaign_id", False)
        livestream_id = _id(livestream_id, "livestream_id", False)
        refund = None
    else:  # a type's other fields are not its business
        quantity = unit_price = discount = buyer_id = campaign_id = livestream_id = None
        refund = _int(refund, "refund_minor", True) if kind == REFUNDED else None
    if currency is not None and currency not in CURRENCY_EXPONENTS:
        raise Invalid("invalid_currency", f"currency {currency!r} is not a known ISO 4217 code")
    if paid:
        assert quantity is not None and unit_price is not None
        if not 1 <= quantity <= MAX_QUANTITY:
            raise Invalid("invalid_amount", f"quantity {quantity} is outside 1..1,000,000")
        _amount("unit_price_minor", unit_price)
        if discount is None:
            discount = 0
        else:
            _amount("discount_minor", discount)
        gross = quantity * unit_price
        if gross > MAX_AMOUNT:
            raise Invalid("invalid_amount", f"quantity * unit_price_minor {gross} exceeds 10^14")
        if discount > gross:
            raise Invalid("invalid_amount", f"discount_minor {discount} exceeds the line's {gross}")
        content: tuple[object, ...] = (
            kind, order_id, line_id, occurred_at_us, merchant_id, product_id, currency,
            quantity, unit_price, discount, buyer_id, campaign_id, livestream_id,
        )  # fmt: skip
    elif refund is not None:
        if refund == 0:
            raise Invalid("invalid_amount", "refund_minor must be greater than 0")
        _amount("refund_minor", refund)
        content = (kind, order_id, line_id, occurred_at_us, merchant_id, product_id, currency,
                   refund)  # fmt: skip
    else:
        content = (kind, order_id, line_id, occurred_at_us, merchant_id, product_id, currency)
    return OrderEvent(
        event_id,  # type: ignore[arg-type]
        kind,
        order_id,  # type: ignore[arg-type]
        line_id,  # type: ignore[arg-type]
        occurred_at_us,
        merchant_id,
        product_id,
        currency,
        quantity,
        unit_price,
        discount,
        refund,
        buyer_id,
        campaign_id,
        livestream_id,
        fingerprint(content),
        source_line,
    )
