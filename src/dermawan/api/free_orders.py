"""Large API groups on PostgreSQL: the orders free now first, the rest after (decision 0051).

Under the API's lock for a whole turn, one server process applied a group
while the other waited, and half the machine sat idle whenever the turn
waited for the database. A large group runs beside the other process's
instead: in its transaction it locks, without waiting, the orders no other
transaction holds (``split``), and the engine applies their events; the
events of the orders another group holds now go to a second transaction,
whose order locks wait for that group's commit. Batches still write the
rows they all share one at a time (engine.SHARED_ROWS_LOCK).

Every event of an order goes the same way, so an order's events keep their
order. An event id found in both parts sends all its events to the second,
so the first of them in the batch is still judged first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dermawan.core import bulk
from dermawan.donations.engine import ORDER_LOCKS, BatchOutcome
from dermawan.donations.events import OrderEvent


def split(cursor: Any, events: Sequence[OrderEvent]) -> tuple[list[int], list[int]]:
    """The positions of the events whose orders this transaction locked now,
    and of the rest (in batch order, each)."""
    free = bulk.try_lock_keys(cursor, ORDER_LOCKS, {e.order_id for e in events})
    now: list[int] = []
    later: list[int] = []
    for position, event in enumerate(events):
        (now if bulk.lock_bucket(event.order_id) in free else later).append(position)
    waiting = {events[p].event_id for p in later}
    if waiting and any(events[p].event_id in waiting for p in now):
        later = sorted(later + [p for p in now if events[p].event_id in waiting])
        now = [p for p in now if events[p].event_id not in waiting]
    return now, later


def merge(count: int, parts: Sequence[tuple[Sequence[int], BatchOutcome]]) -> BatchOutcome:
    """One outcome for ``count`` events from each part's outcome, given with
    the positions of its events."""
    merged = BatchOutcome(statuses=[""] * count)
    for positions, outcome in parts:
        for status, position in zip(outcome.statuses, positions, strict=True):
            merged.statuses[position] = status
        for rejection in outcome.rejected:
            if rejection.index is not None:  # None: an event parked by an earlier batch
                rejection.index = positions[rejection.index]
            merged.rejected.append(rejection)
        merged.applied += outcome.applied
        merged.duplicates += outcome.duplicates
        merged.donations_created += outcome.donations_created
    return merged
