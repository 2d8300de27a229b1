"""Which subject each record of a file goes to, so a line's events share a partition.

Follow-up events (completed, cancelled, refunded) may leave ``merchant_id``
out (spec section 3), so their partition is their line's: the router
remembers the partition of every paid line it has seen, and holds a
follow-up that comes before its paid until the paid is published, then sends
it right behind. A follow-up whose paid never comes in this file goes, at the
end, to the partition of its order id (``fallback_partition``): counted as
``unresolved``, since it could race its paid if that is published later on
another partition (docs/decisions/0010-streaming-worker.md).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any, NamedTuple

from dermawan.streaming.partitioning import fallback_partition, partition_of, subject


class Outgoing(NamedTuple):
    subject: str
    payload: bytes
    msg_id: str | None  # the Nats-Msg-Id header, None when there is no event_id
    number: int  # line (JSON Lines) or record (CSV, Parquet) in the file


def _text(value: Any) -> str | None:
    """An id as the spec reads it: a string, or a JSON integer's decimal text."""
    if type(value) is str and value:
        return value
    if type(value) is int:
        return str(value)
    return None


def message_id(event_id: str | None, payload: bytes) -> str | None:
    """The event id and a digest of the bytes.

    The server drops a message whose id it saw within its window: a retried
    publish of the same bytes. The same event_id with other bytes still
    reaches the engine, which judges it (a duplicate, or a ``conflict``).
    """
    if event_id is None:
        return None
    return f"{event_id}:{hashlib.blake2b(payload, digest_size=8).hexdigest()}"


class Router:
    def __init__(self, prefix: str, partitions: int) -> None:
        self.prefix = prefix
        self.partitions = partitions
        # hash of (order_id, line_id) -> partition: one small entry per paid line.
        self.paid: dict[int, int] = {}
        # Follow-ups seen before their paid: (message, order_id, merchant_id).
        self.waiting: dict[int, list[tuple[Outgoing, str, str | None]]] = defaultdict(list)
        self.unresolved = 0

    def route(self, number: int, payload: bytes, record: Any) -> list[Outgoing]:
        """The messages ready to send now (this record, and any it released)."""
        if not isinstance(record, dict):
            # Not an event at all: any partition will reject it the same way.
            return [Outgoing(subject(self.prefix, 0, None), payload, None, number)]
        event_id = _text(record.get("event_id"))
        merchant = _text(record.get("merchant_id"))
        order_id, line_id = _text(record.get("order_id")), _text(record.get("line_id"))
        msg_id = message_id(event_id, payload)
        if order_id is None or line_id is None:
            partition = partition_of(merchant or "", self.partitions)
            return [Outgoing(subject(self.prefix, partition, merchant), payload, msg_id, number)]
        key = hash((order_id, line_id))
        if record.get("type") == "paid" and merchant is not None:
            partition = self.paid.setdefault(key, partition_of(merchant, self.partitions))
            ready = [Outgoing(subject(self.prefix, partition, merchant), payload, msg_id, number)]
            for held, _, held_merchant in self.waiting.pop(key, ()):
                ready.append(held._replace(subject=subject(self.prefix, partition, held_merchant)))
            return ready
        partition_or_none = self.paid.get(key)
        if partition_or_none is None and merchant is not None:
            partition_or_none = partition_of(merchant, self.partitions)
        if partition_or_none is not None:
            where = subject(self.prefix, partition_or_none, merchant)
            return [Outgoing(where, payload, msg_id, number)]
        self.waiting[key].append((Outgoing("", payload, msg_id, number), order_id, merchant))
        return []

    def leftovers(self) -> list[Outgoing]:
        """Follow-ups whose paid never came: by order id, in file order."""
        out = []
        for held in self.waiting.values():
            for message, order_id, merchant in held:
                partition = fallback_partition(order_id, self.partitions)
                out.append(message._replace(subject=subject(self.prefix, partition, merchant)))
        self.unresolved += len(out)
        self.waiting.clear()
        return sorted(out, key=lambda m: m.number)
