"""The life of one order line: what each event does to it (spec section 3).

Pure Python, no database: the engine loads the lines a batch touches, runs
their events through ``open_line`` and ``follow_up`` in arrival order, and
writes what changed in bulk. The rules are sequential per line (a rejected
refund does not count toward the next one), which is why they live here and
not in SQL window functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from dermawan.core.money import MAX_AMOUNT, round_half_up
from dermawan.core.values import Invalid
from dermawan.donations.events import CANCELLED, COMPLETED, OrderEvent
from dermawan.donations.pledges import PledgeBook

PENDING = "pending"

# Ledger effects (dermawan.ledger.models.Transaction kinds).
PLEDGED = "pledged"
CONFIRMED = "confirmed"
REVERSED = "reversed"


@dataclass(slots=True)
class Line:
    order_id: str
    line_id: str
    merchant_id: str
    product_id: str
    currency: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    net_minor: int
    buyer_id: str | None
    campaign_id: str | None
    livestream_id: str | None
    paid_at_us: int
    pledge_id: str | None
    project_id: str | None
    charity_id: str | None
    donation_minor: int
    refunded_minor: int = 0
    reversed_minor: int = 0
    status: str = PENDING
    # The confirmation, once the line is completed with money outstanding:
    # its ledger transaction (set by the engine when it allocates the id),
    # when it occurred, and the amount confirmed (settlement reads these,
    # decision 0032).
    confirmed_txn_id: int | None = None
    confirmed_at_us: int | None = None
    confirmed_minor: int | None = None
    id: int | None = None  # the row id; None until the engine allocates it
    changed: bool = False  # an existing row that needs writing back

    @classmethod
    def from_row(cls, row: tuple[object, ...]) -> Line:
        """A line read back in the order of engine.LINE_COLUMNS."""
        line = cls(*row[1:])  # type: ignore[arg-type]
        line.id = row[0]  # type: ignore[assignment]
        return line

    def row(self) -> tuple[object, ...]:
        """The row in the order of engine.LINE_COLUMNS."""
        return (
            self.id, self.order_id, self.line_id, self.merchant_id, self.product_id,
            self.currency, self.quantity, self.unit_price_minor, self.discount_minor,
            self.net_minor, self.buyer_id, self.campaign_id, self.livestream_id,
            self.paid_at_us, self.pledge_id, self.project_id, self.charity_id,
            self.donation_minor, self.refunded_minor, self.reversed_minor, self.status,
            self.confirmed_txn_id, self.confirmed_at_us, self.confirmed_minor,
        )  # fmt: skip

    def changes(self) -> tuple[object, ...]:
        """The id and what follow_up may change, in the order of engine.CHANGED_COLUMNS."""
        return (
            self.id, self.refunded_minor, self.reversed_minor, self.status,
            self.confirmed_txn_id, self.confirmed_at_us, self.confirmed_minor,
        )  # fmt: skip


class Effect(NamedTuple):
    """A donation moving between states: one ledger transaction."""

    kind: str
    amount_minor: int
    # For a reversal: whether the money had already been confirmed (then it is
    # clawed back from the charity's payable, not from the project's pending).
    after_confirmation: bool = False


def open_line(event: OrderEvent, pledges: PledgeBook) -> tuple[Line, Effect | None]:
    """A ``paid`` event: the line, its pledge and its donation D."""
    assert event.quantity is not None and event.unit_price_minor is not None
    assert event.discount_minor is not None
    assert event.merchant_id and event.product_id and event.currency
    net = event.quantity * event.unit_price_minor - event.discount_minor
    terms = pledges.choose(
        event.merchant_id, event.product_id, event.currency, event.occurred_at_us
    )
    donation = 0 if terms is None else terms.donation(event.quantity, net)
    if donation > MAX_AMOUNT:
        raise Invalid("invalid_amount", f"the pledge would donate {donation}, more than 10^14")
    line = Line(
        event.order_id,
        event.line_id,
        event.merchant_id,
        event.product_id,
        event.currency,
        event.quantity,
        event.unit_price_minor,
        event.discount_minor,
        net,
        event.buyer_id,
        event.campaign_id,
        event.livestream_id,
        event.occurred_at_us,
        None if terms is None else terms.pledge_id,
        None if terms is None else terms.project_id,
        None if terms is None else terms.charity_id,
        donation,
    )
    return line, (Effect(PLEDGED, donation) if donation else None)


def follow_up(line: Line, event: OrderEvent) -> Effect | None:
    """A completed, cancelled or refunded event of a paid line.

    Raises ``Invalid`` (and leaves the line as it was) when the spec rejects it.
    """
    if event.currency is not None and event.currency != line.currency:
        raise Invalid(
            "currency_mismatch",
            f"currency {event.currency} differs from the line's {line.currency}",
        )
    if event.merchant_id is not None and event.merchant_id != line.merchant_id:
        raise Invalid(
            "conflict", f"merchant {event.merchant_id} is not the line's {line.merchant_id}"
        )
    if event.product_id is not None and event.product_id != line.product_id:
        raise Invalid("conflict", f"product {event.product_id} is not the line's {line.product_id}")
    kind = event.type
    outstanding = line.donation_minor - line.reversed_minor
    if kind == COMPLETED:
        if line.status == CANCELLED:
            raise Invalid("conflict", "the line was cancelled; it cannot also be completed")
        if line.status == COMPLETED:
            return None
        line.status = COMPLETED
        line.changed = True
        if not outstanding:
            return None
        line.confirmed_at_us, line.confirmed_minor = event.occurred_at_us, outstanding
        return Effect(CONFIRMED, outstanding)
    if kind == CANCELLED:
        if line.status == COMPLETED:
            raise Invalid("conflict", "the line was completed; it cannot also be cancelled")
        if line.status == CANCELLED:
            return None
        line.status = CANCELLED
        line.reversed_minor = line.donation_minor
        line.changed = True
        return Effect(REVERSED, outstanding) if outstanding else None
    # refunded
    if line.status == CANCELLED:
        raise Invalid("conflict", "the line was cancelled; it cannot be refunded")
    assert event.refund_minor is not None
    refunded = line.refunded_minor + event.refund_minor
    if refunded > line.net_minor:
        raise Invalid(
            "refund_exceeds_paid",
            f"refunds would total {refunded}, more than the line's net {line.net_minor}",
        )
    # Reversal from the cumulative refund, so partial refunds never drift and
    # a full refund reverses exactly D.
    reversed_total = round_half_up(line.donation_minor * refunded, line.net_minor)
    delta = reversed_total - line.reversed_minor
    line.refunded_minor = refunded
    line.reversed_minor = reversed_total
    line.changed = True
    if not delta:
        return None
    return Effect(REVERSED, delta, after_confirmation=line.status == COMPLETED)
