"""The transactional outbox: webhook messages written in the causing transaction.

The engine calls ``record_effects`` (through dermawan.api.batch_effects)
inside its write phase, with the batch's effects; settlement will call
``enqueue`` for ``payout.paid`` the same way. Both write set-based (one
bulk insert of messages, one of deliveries), and nothing at all when no
active endpoint wants the event type, so an ingest without webhooks pays
one small query per batch; an API batch, none (``types_wanted``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson

from dermawan.core import bulk
from dermawan.core.instants import to_rfc3339
from dermawan.donations.hooks import Applied, Effects
from dermawan.donations.rules import CONFIRMED, REVERSED
from dermawan.webhooks.models import DONATION_CONFIRMED, DONATION_REVERSED

EFFECT_EVENTS = {CONFIRMED: DONATION_CONFIRMED, REVERSED: DONATION_REVERSED}

# PostgreSQL: the event types some active endpoint wants (a JSON array), for a
# caller that reads them with another statement of its transaction.
TYPES_WANTED_SQL = (
    "(SELECT coalesce(json_agg(DISTINCT t), '[]') FROM webhooks_endpoint AS e,"
    " jsonb_array_elements_text(e.events) AS t WHERE e.active)"
)
_types_wanted: ContextVar[frozenset[str] | None] = ContextVar("types_wanted", default=None)


@contextmanager
def types_wanted(types: frozenset[str]) -> Iterator[None]:
    """Within the block, the caller's transaction has read ``TYPES_WANTED_SQL``:
    no message is built for a type nobody wants.

    An endpoint made after that read misses this transaction's messages, as it
    would had the transaction committed first.
    """
    token = _types_wanted.set(types)
    try:
        yield
    finally:
        _types_wanted.reset(token)


def subscribers(cursor: Any) -> dict[str, list[int]]:
    """Active endpoint ids by the event types they receive."""
    cursor.execute("SELECT id, events FROM webhooks_endpoint WHERE active ORDER BY id")
    wanted: dict[str, list[int]] = {}
    for endpoint_id, events in cursor.fetchall():
        for event_type in orjson.loads(events) if isinstance(events, str | bytes) else events:
            wanted.setdefault(event_type, []).append(endpoint_id)
    return wanted


def record_effects(
    cursor: Any,
    effects: Effects,
    applied: Applied,
    now_us: int,
) -> None:
    """``donation.confirmed`` and ``donation.reversed`` for the batch's effects."""
    known = _types_wanted.get()
    kinds = {
        kind for kind, event_type in EFFECT_EVENTS.items() if known is None or event_type in known
    }
    if not any(effect.kind in kinds for effect, _, _ in effects):
        return
    # In a pipeline (a batch on PostgreSQL) the endpoints are matched in the
    # statement that writes, so the batch does not wait to read them.
    wanted = None if bulk.in_pipeline() else subscribers(cursor)
    messages = []
    for effect, line, index in effects:
        if effect.kind not in kinds:
            continue
        event_type = EFFECT_EVENTS[effect.kind]
        if wanted is not None and event_type not in wanted:
            continue
        event = applied[index][0]
        messages.append(
            (
                event_type,
                {
                    "order_id": line.order_id,
                    "line_id": line.line_id,
                    "merchant_id": line.merchant_id,
                    "product_id": line.product_id,
                    "buyer_id": line.buyer_id,
                    "pledge_id": line.pledge_id,
                    "project_id": line.project_id,
                    "charity_id": line.charity_id,
                    "currency": line.currency,
                    "amount_minor": effect.amount_minor,
                    "donation_minor": line.donation_minor,
                    "after_confirmation": effect.after_confirmation,
                    "order_event_id": event.event_id,
                    "occurred_at": to_rfc3339(event.occurred_at_us),
                },
            )
        )
    if wanted is None:
        _write_where_wanted(cursor, messages, now_us)
    else:
        _write(cursor, messages, wanted, now_us)


def enqueue(cursor: Any, event_type: str, datas: Sequence[dict[str, Any]], now_us: int) -> int:
    """Messages of ``event_type`` (e.g. ``payout.paid``) in the caller's transaction.

    Returns how many deliveries were queued.
    """
    wanted = subscribers(cursor)
    if event_type not in wanted:
        return 0
    return _write(cursor, [(event_type, data) for data in datas], wanted, now_us)


# PostgreSQL: the messages some active endpoint wants, and a delivery per
# such endpoint, in one statement. Ids come from the message table's own
# sequence, one per row.
_WRITE_WHERE_WANTED_SQL = (
    "WITH message AS (INSERT INTO webhooks_message (type, data, created_at_us)"
    " SELECT m.type, m.data, %s FROM json_to_recordset(%s::json)"
    " AS m(type text, data text)"
    " WHERE EXISTS (SELECT 1 FROM webhooks_endpoint AS e WHERE e.active AND e.events ? m.type)"
    " RETURNING id, type)"
    " INSERT INTO webhooks_delivery (message_id, endpoint_id, status, attempts, created_at_us,"
    " next_attempt_at_us, lease_until_us, last_error)"
    " SELECT message.id, e.id, 'pending', 0, %s, %s, 0, '' FROM message"
    " JOIN webhooks_endpoint AS e ON e.active AND e.events ? message.type"
    " ORDER BY message.id, e.id"
)


def _write_where_wanted(
    cursor: Any, messages: list[tuple[str, dict[str, Any]]], now_us: int
) -> None:
    if messages:
        documents = [
            {"type": event_type, "data": orjson.dumps(data).decode()}
            for event_type, data in messages
        ]
        bulk.execute_later(
            cursor,
            "webhooks_message",
            _WRITE_WHERE_WANTED_SQL,
            (now_us, orjson.dumps(documents).decode(), now_us, now_us),
        )


def _write(
    cursor: Any,
    messages: list[tuple[str, dict[str, Any]]],
    wanted: dict[str, list[int]],
    now_us: int,
) -> int:
    if not messages:
        return 0
    ids = bulk.allocate_ids(cursor, "webhooks_message", len(messages))
    bulk.insert_rows(
        cursor,
        "webhooks_message",
        ("id", "type", "data", "created_at_us"),
        [
            (message_id, event_type, orjson.dumps(data).decode(), now_us)
            for message_id, (event_type, data) in zip(ids, messages, strict=True)
        ],
    )
    deliveries = [
        (message_id, endpoint_id, "pending", 0, now_us, now_us, 0, "")
        for message_id, (event_type, _) in zip(ids, messages, strict=True)
        for endpoint_id in wanted[event_type]
    ]
    bulk.insert_rows(
        cursor,
        "webhooks_delivery",
        ("message_id", "endpoint_id", "status", "attempts", "created_at_us",
         "next_attempt_at_us", "lease_until_us", "last_error"),
        deliveries,
    )  # fmt: skip
    return len(deliveries)
