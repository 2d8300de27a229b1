"""What happens to one order line after it is paid: the plan of its later events.

A plan is a list of ``(seconds after paid, type, refund_minor)`` in time order.
It keeps the spec's rules by construction: never both completed and
cancelled, no refund after a cancel, refunds never above the line's net.

Skewed delays square or cube a uniform draw by multiplying, not with ``**``
(pow() may round differently between C libraries; * never does). Delays are
hours rather than the days of real delivery: a run covers a week
or so, and with day-long delays most lines of its busiest days (11.11 is the
last day of the default week) would still be pending when the file ends.
"""

from __future__ import annotations

from collections.abc import Callable

Step = tuple[int, str, int]

MINUTE = 60
HOUR = 3600
DAY = 86400

CANCEL_RATE = 0.08  # of orders
PENDING_RATE = 0.10  # of orders not confirmed within the run (besides the run's last hours)
PARTIAL_REFUND_RATE = 0.07  # of lines
FULL_REFUND_RATE = 0.03  # of lines
REFUND_RATE = PARTIAL_REFUND_RATE + FULL_REFUND_RATE
REFUND_BEFORE_CANCEL_RATE = 0.2  # of cancelled lines
REFUND_SHARES = (10, 20, 25, 30, 50)  # percent given back for a damaged item

COMPLETED = 0
CANCELLED = 1
PENDING = 2


def order_outcome(rnd: Callable[[], float]) -> tuple[int, int]:
    """(outcome, seconds after paid) for a whole order: its lines complete or cancel together."""
    u = rnd()
    if u < CANCEL_RATE:
        u = rnd()
        return CANCELLED, 5 * MINUTE + int(u * u * 6 * HOUR)
    if u < CANCEL_RATE + PENDING_RATE:
        return PENDING, 0
    # Confirmation: usually within hours, with a long tail.
    u = rnd()
    return COMPLETED, 10 * MINUTE + int(u * u * u * 12 * HOUR)


def _partial(rnd: Callable[[], float], net: int, quantity: int) -> int:
    """A partial refund strictly between 0 and net (0 when the net is too small)."""
    if quantity > 1:
        # Some of the items come back, with their share of the discount.
        amount = net * (1 + int(rnd() * (quantity - 1))) // quantity
    else:
        amount = net * REFUND_SHARES[int(rnd() * len(REFUND_SHARES))] // 100
    return amount if 0 < amount < net else 0


def plan(
    rnd: Callable[[], float], u: float, outcome: int, settle: int, net: int, quantity: int
) -> list[Step]:
    """The later events of one line of an order with ``outcome`` at ``settle`` seconds.

    ``u`` is the line's uniform draw: the caller draws it first, so that it can
    take the common case (completed, no refund: ``u >= REFUND_RATE`` with
    ``outcome == COMPLETED``) without a call.
    """
    steps: list[Step] = []
    if outcome == CANCELLED:
        if net > 1 and u < REFUND_BEFORE_CANCEL_RATE:
            amount = _partial(rnd, net, quantity)
            if amount:
                # The seller refunds part, then the buyer cancels the rest.
                at = 5 * MINUTE + int(rnd() * 3 * HOUR)
                steps.append((at, "refunded", amount))
                settle = max(settle, at + 5 * MINUTE + int(rnd() * 3 * HOUR))
        steps.append((settle, "cancelled", 0))
        return steps
    if outcome == COMPLETED:
        steps.append((settle, "completed", 0))
    if net > 1 and u < PARTIAL_REFUND_RATE:
        amount = _partial(rnd, net, quantity)
        if amount:
            v = rnd()
            at = HOUR + int(v * v * DAY)
            if amount > 1 and rnd() < 0.3:
                # Two refunds: a first offer, then a top-up; together still below net.
                first = amount // 2
                steps.append((at, "refunded", first))
                steps.append((at + 30 * MINUTE + int(rnd() * 6 * HOUR), "refunded", amount - first))
            else:
                steps.append((at, "refunded", amount))
    elif net > 0 and u < REFUND_RATE:
        v = rnd()
        at = 30 * MINUTE + int(v * v * 12 * HOUR)
        part = _partial(rnd, net, quantity) if rnd() < 0.3 else 0
        if part:
            # Refunded in two goes that add up to exactly the net.
            steps.append((at, "refunded", part))
            steps.append((at + 30 * MINUTE + int(rnd() * 6 * HOUR), "refunded", net - part))
        else:
            steps.append((at, "refunded", net))
    if len(steps) > 1:
        steps.sort()
    return steps
