"""Applying API batches: the engine of ``dermawan ingest``, one transaction, one run.

Each event's values are read by the spec's reader (``read_values``); the valid ones go
to the engine in one call, inside the same transaction as their
``IngestRun`` (source ``api``). Concurrent requests of one server process
share that transaction and run (group_commit.py); on PostgreSQL a large
group may take two, the orders free now first (free_orders.py). The answer gives every
event's outcome in request order: applied, duplicate, parked, or rejected
with the spec's reason; plus events parked by earlier batches that were
rejected in this transaction now that their ``paid`` came. Sending the same
batch again is safe: what was applied or parked comes back as duplicates,
what was rejected is judged again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import close_old_connections, connection
from django.utils import timezone

from dermawan.api import engine_cache, free_orders, write_lock
from dermawan.api.group_commit import GroupCommit
from dermawan.core import bulk, checkpoints
from dermawan.core.values import Invalid
from dermawan.donations import hooks
from dermawan.donations.engine import APPLIED, DUPLICATE, PARKED, REJECTED, BatchOutcome
from dermawan.donations.events import OrderEvent, read_values
from dermawan.donations.models import IngestRun
from dermawan.webhooks import outbox

SOURCE = "api"
_COUNTS = IngestRun._meta.get_field("counts")
MAX_GROUP_EVENTS = 5_000
# A group of this many events or more runs beside the other server process's
# on PostgreSQL (free_orders.py); a smaller one holds the write lock, so
# requests keep joining the next group while it runs.
BESIDE_FROM = 1_000


@dataclass
class Share:
    """One request's part of a group's outcome."""

    run_id: int
    statuses: list[str]
    rejected: dict[int, tuple[str, str]]  # index in the request -> (reason, message)
    earlier: list[dict[str, Any]]
    donations_created: int


def _opening() -> write_lock.Opening:
    """The ``IngestRun`` row for this transaction (raw SQL: no ORM per batch),
    with the catalog's version (engine_cache) and, on PostgreSQL, the event
    types webhook endpoints want (outbox) read by the same statement, which
    also takes the write lock: one wait, not four."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    wanted = outbox.TYPES_WANTED_SQL if connection.vendor == "postgresql" else "NULL"
    return write_lock.Opening(
        "INSERT INTO donations_ingestrun (source, started_at, counts)"
        " SELECT %s, %s, %s FROM {locked}"
        f" RETURNING id, {engine_cache.VERSION_SQL}, {wanted}",
        [SOURCE, now, _COUNTS.get_db_prep_save({}, connection)],
    )


@contextmanager
def _transaction(alone: bool = True) -> Iterator[tuple[int, int]]:
    """A group's transaction (``alone``: under the write lock), and its run
    row's id and the catalog's version."""
    opening = write_lock.exclusive if alone else write_lock.beside
    with opening(_opening()) as (run_id, version, wanted):
        if wanted is None:  # SQLite: the outbox reads them itself
            yield int(run_id), int(version or 0)
            return
        types = wanted if isinstance(wanted, list) else orjson.loads(wanted)
        with outbox.types_wanted(frozenset(types)):
            yield int(run_id), int(version or 0)


@contextmanager
def _gate(queued: int) -> Iterator[tuple[int, int] | None]:
    """The group commit's gate: the write lock's transaction; for a large
    group on PostgreSQL, nothing (it opens its own, free_orders.py)."""
    if queued >= BESIDE_FROM and connection.vendor == "postgresql":
        yield None
        return
    with _transaction() as opened:
        yield opened


def _close_run(run_id: int, counts: dict[str, int]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = "UPDATE donations_ingestrun SET finished_at = %s, counts = %s WHERE id = %s"
    params = [now, _COUNTS.get_db_prep_save(counts, connection), run_id]
    if bulk.in_pipeline():  # bound and planned once per connection, sent with the last writes
        bulk.execute_later(bulk.raw_cursor(), "donations_ingestrun", sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _apply_group(batches: list[list[OrderEvent]], opened: tuple[int, int] | None) -> list[Share]:
    """Runs inside ``_gate()``, which ``opened`` (None: a large group, beside)."""
    if opened is None:
        return _apply_beside(batches)
    events = [event for batch in batches for event in batch]
    return _shares(batches, opened[0], _run(events, opened, len(batches)))


def _apply_beside(batches: list[list[OrderEvent]]) -> list[Share]:
    """A large group on PostgreSQL: the events of the orders free now, then
    the rest, each in a transaction beside other groups (free_orders.py)."""
    events = [event for batch in batches for event in batch]
    request_of = [index for index, batch in enumerate(batches) for _ in batch]
    with _transaction(alone=False) as opened:
        now, later = free_orders.split(bulk.raw_cursor(), events)
        requests = len({request_of[p] for p in now})
        # split() locked these orders: the engine need not lock them again.
        parts = [(now, _run([events[p] for p in now], opened, requests, orders_locked=True))]
    if later:
        with _transaction(alone=False) as opened_later:
            requests = len({request_of[p] for p in later})
            parts.append((later, _run([events[p] for p in later], opened_later, requests)))
    # The answer names the group's first run; the second's counts are its own.
    return _shares(batches, opened[0], free_orders.merge(len(events), parts))


def _run(
    events: list[OrderEvent], opened: tuple[int, int], requests: int, *, orders_locked: bool = False
) -> BatchOutcome:
    """The engine over ``events`` in the transaction ``opened``, its run
    closed and the transaction committed."""
    run_id, catalog_version = opened
    # A small group's run bookkeeping rides the engine's pipeline (core.bulk).
    with bulk.pipelined(len(events)):
        outcome = (
            engine_cache.engine(run_id, catalog_version).apply(events, orders_locked=orders_locked)
            if events
            else BatchOutcome()
        )
        _close_run(
            run_id,
            {
                "read": len(events),
                "requests": requests,
                "applied": outcome.applied,
                "duplicates": outcome.duplicates,
                "rejected": len(outcome.rejected),
                "parked": outcome.statuses.count(PARKED),
                "donations_created": outcome.donations_created,
            },
        )
        bulk.commit_with_pipeline()  # the group's last statement: one wait fewer
    return outcome


def _shares(batches: list[list[OrderEvent]], run_id: int, outcome: BatchOutcome) -> list[Share]:
    """Each request's part of a group's outcome."""
    earlier = [
        {"event_id": r.event_id, "reason": r.reason, "message": r.message}
        for r in outcome.rejected
        if r.index is None
    ]
    shares, start = [], 0
    for batch in batches:
        end = start + len(batch)
        rejected = {
            r.index - start: (r.reason, r.message)
            for r in outcome.rejected
            if r.index is not None and start <= r.index < end
        }
        made = sum(1 for e, s in zip(batch, outcome.statuses[start:end], strict=True)
                   if s == APPLIED and e.type == "paid")  # fmt: skip
        shares.append(Share(run_id, outcome.statuses[start:end], rejected, earlier, made))
        start = end
    return shares


# The writer thread checks its connection like a request would (Django's
# health check: a ``SELECT 1``), but once a second while batches keep it busy:
# on PostgreSQL the check was one round trip of the dozen a small batch waits for.
HEALTH_CHECK_SECONDS = 1.0
_checked_at = 0.0


def _check_connection() -> None:
    global _checked_at
    close_old_connections()  # closes it after errors or past its age
    # SQLite: checkpoints of the write-ahead log leave the writer's turns (decision 0048).
    checkpoints.offload(connection)
    now = time.monotonic()
    if now - _checked_at < HEALTH_CHECK_SECONDS and not connection.errors_occurred:
        connection.health_check_done = True  # type: ignore[attr-defined]  # Django internals
    else:
        _checked_at = now


# A batch waits up to 3 ms for more requests while they keep coming, when the
# last one was shared.
LINGER_SECONDS = 0.003
# The writer thread appends what its groups left for the transparency log at
# most this often while busy, and at once when idle.
LOG_APPEND_SECONDS = 0.2
_groups: GroupCommit[list[OrderEvent], Share, tuple[int, int] | None] = GroupCommit(
    _apply_group,
    size=len,
    limit=MAX_GROUP_EVENTS,
    linger=LINGER_SECONDS,
    # The writer thread's connection outlives requests.
    before_group=_check_connection,
    gate=_gate,
    # Once requests are answered: the transparency log's append, of several
    # groups at a time under load (decision 0041).
    # Another process appending now takes these groups' leaves, or the next
    # append does: the writer does not wait for it (after_groups False).
    after_groups=lambda: hooks.run_after_commit(write_lock.log_append, wait=False),
    after_groups_every=LOG_APPEND_SECONDS,
)


def apply_records(records: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Apply a request's events, each given as its values in the order of
    ``FIELDS`` (event_bodies.event_values); the answer's document."""
    outcomes: list[dict[str, Any]] = []
    events: list[OrderEvent] = []
    positions: list[int] = []  # position in the request of each event given to the engine
    for index, values in enumerate(records):
        event_id = str(values[0])
        try:
            events.append(read_values(values, index + 1))
        except Invalid as invalid:
            outcomes.append(_rejected(event_id, invalid.reason, invalid.message))
            continue
        positions.append(index)
        outcomes.append({"event_id": event_id, "outcome": PARKED})
    share = _groups.submit(events)
    for position, (index, status) in zip(positions, enumerate(share.statuses), strict=True):
        if status == REJECTED:
            reason, message = share.rejected[index]
            outcomes[position] = _rejected(outcomes[position]["event_id"], reason, message)
        else:
            outcomes[position]["outcome"] = status
    counts = {
        "read": len(records),
        "applied": share.statuses.count(APPLIED),
        "duplicates": share.statuses.count(DUPLICATE),
        "parked": share.statuses.count(PARKED),
        "rejected": sum(1 for o in outcomes if o["outcome"] == REJECTED) + len(share.earlier),
        "donations_created": share.donations_created,
    }
    return {
        "run_id": share.run_id,
        "counts": counts,
        "outcomes": outcomes,
        "earlier_parked_rejected": share.earlier,
    }


def _rejected(event_id: str, reason: str, message: str) -> dict[str, Any]:
    return {"event_id": event_id, "outcome": REJECTED, "reason": reason, "message": message}
