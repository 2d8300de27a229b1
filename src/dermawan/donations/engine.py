"""Applying one batch of order events in one database transaction.

Stage, decide, write:
1. read in bulk what the batch touches: which of its event ids are known
   (applied or parked), the lines it names, and the events parked on them;
2. run each event through the line rules (rules.py) in arrival order;
3. write in bulk: new lines, changed lines, applied events, parked events,
   ledger transactions and balances, and the per-project rollups.

A batch commits whole or not at all, so a crash at any point followed by a
re-run gives the ledger of a clean run: what committed comes back as
duplicates, the rest applies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from dermawan.core import bulk
from dermawan.core.values import Invalid
from dermawan.donations import hooks
from dermawan.donations.events import PAID, OrderEvent
from dermawan.donations.pledges import PledgeBook
from dermawan.donations.rollups import TOTALS, totals_deltas
from dermawan.donations.rules import (
    CONFIRMED,
    PLEDGED,
    Effect,
    Line,
    follow_up,
    open_line,
)
from dermawan.ledger.accounts import AccountBook
from dermawan.ledger.journal import Entry, post
from dermawan.ledger.models import Account

LINE_COLUMNS = (
    "id", "order_id", "line_id", "merchant_id", "product_id", "currency", "quantity",
    "unit_price_minor", "discount_minor", "net_minor", "buyer_id", "campaign_id",
    "livestream_id", "paid_at_us", "pledge_id", "project_id", "charity_id",
    "donation_minor", "refunded_minor", "reversed_minor", "status",
    "confirmed_txn_id", "confirmed_at_us", "confirmed_minor",
)  # fmt: skip
# What follow_up may change on a line (rules.Line.changes).
CHANGED_COLUMNS = (
    "refunded_minor", "reversed_minor", "status",
    "confirmed_txn_id", "confirmed_at_us", "confirmed_minor",
)  # fmt: skip
# Advisory-lock namespace of the engine's order locks (core.bulk.lock_keys).
ORDER_LOCKS = 0x4757  # "GW": Goods for Good
# pg_advisory_xact_lock key of the rows every batch writes ("shared" in
# ASCII): concurrent batches write them in turn, so two cannot deadlock there.
SHARED_ROWS_LOCK = 0x736861726564
# The tables whose ids a batch reserves in bulk (core.bulk.allocate_many).
ID_TABLES = ("donations_orderline", "donations_event", "ledger_transaction")

PARKED_COLUMNS = (
    "event_id", "fingerprint", "type", "order_id", "line_id", "occurred_at_us",
    "merchant_id", "product_id", "currency", "refund_minor", "run_id", "source_line",
)  # fmt: skip


@dataclass
class Rejection:
    line: int
    event_id: str | None
    reason: str
    message: str
    # Its position in the batch; None for an event parked by an earlier batch.
    index: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "event_id": self.event_id,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    donations_created: int = 0
    # Per event of the batch, in order: what became of it (see STATUSES).
    statuses: list[str] = field(default_factory=list)


APPLIED, DUPLICATE, PARKED, REJECTED = "applied", "duplicate", "parked", "rejected"
STATUSES = (APPLIED, DUPLICATE, PARKED, REJECTED)


@dataclass
class _Parked:
    """An event waiting for its line's paid; ``row_id`` when stored earlier."""

    event: OrderEvent
    index: int | None = None  # position in this batch, when it arrived in it
    row_id: int | None = None
    run_id: int | None = None


class Engine:
    """Applies batches for one ingest run; holds what is worth caching across them."""

    # Inside a caller's transaction a failed batch rolls back to a savepoint,
    # so the caller may go on; a caller that fails whole with it sets False.
    savepoint = True

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.pledges = PledgeBook.load()
        self.accounts = AccountBook()

    def apply(self, events: list[OrderEvent], *, orders_locked: bool = False) -> BatchOutcome:
        """``orders_locked``: the caller's transaction holds the events' order
        locks already (api/free_orders.py), so the batch does not take them again."""
        try:
            # A small batch on PostgreSQL waits only for the reads (core.bulk).
            with transaction.atomic(savepoint=self.savepoint), bulk.pipelined(len(events)):
                return _Batch(self, events, orders_locked).run()
        except BaseException:
            self.accounts.forget()  # accounts it created were rolled back
            raise


class _Batch:
    def __init__(self, engine: Engine, events: list[OrderEvent], orders_locked: bool) -> None:
        self.engine = engine
        self.events = events
        self.orders_locked = orders_locked
        self.cursor = bulk.raw_cursor()
        self.outcome = BatchOutcome()
        # event_id -> fingerprint, of every event applied or parked (stored or in this batch)
        self.known: dict[str, int] = {}
        self.lines: dict[tuple[str, str], Line] = {}
        self.new_lines: list[Line] = []
        self.waiting: dict[tuple[str, str], list[_Parked]] = defaultdict(list)
        self.parked_now: dict[str, OrderEvent] = {}  # parked by this batch, still waiting
        self.unparked_rows: list[int] = []  # stored parked events applied or rejected now
        self.applied: list[tuple[OrderEvent, Line]] = []
        self.effects: list[tuple[Effect, Line, int]] = []  # (effect, line, index in applied)
        # Ids reserved with the reads (a small batch: core.bulk.send_allocation).
        self.reserved: Callable[[dict[str, int]], dict[str, list[int]]] | None = None

    # 1. read ---------------------------------------------------------------

    def load(self) -> None:
        # Two writers (API, stream workers, ingests) must not decide about the
        # same line at once: each would park what the other is paying. Lock
        # the batch's orders before reading them; a line is in one order.
        if not self.orders_locked:
            bulk.lock_keys(self.cursor, ORDER_LOCKS, {e.order_id for e in self.events})
        ids = list({e.event_id for e in self.events})
        keys = list({e.line_key for e in self.events})
        known = bulk.Read(
            "SELECT event_id, fingerprint FROM donations_event WHERE", ("event_id",), ids
        )
        lines = bulk.Read(
            f"SELECT order_id, line_id, {', '.join(LINE_COLUMNS)} FROM donations_orderline WHERE",
            ("order_id", "line_id"),
            keys,
        )
        # A small batch sends all its reads together (one round trip in its
        # pipeline, core.bulk), so it probes parked events on all its lines,
        # and reserves the ids it will write with them: once it has decided,
        # it writes without waiting again.
        small = bulk.is_small(len(ids)) or bulk.in_pipeline()
        parked = self.parked_reads(ids, keys) if small else []
        if small:
            self.reserved = bulk.send_allocation(self.cursor, ID_TABLES)
        known_rows, line_rows, *parked_rows = bulk.read_all(self.cursor, [known, lines, *parked])
        for event_id, fp in known_rows:
            self.known[event_id] = fp
        for row in line_rows:
            line = Line.from_row(row[2:])
            self.lines[(line.order_id, line.line_id)] = line
        unpaid = {key for key in keys if key not in self.lines}
        rows = self.parked_by_arrival(*parked_rows) if small else self.parked_rows(ids, unpaid)
        for row in rows:
            (row_id, event_id, fp, kind, order_id, line_id, at, merchant_id, product_id,
             currency, refund, run_id, source_line) = row  # fmt: skip
            self.known[event_id] = fp
            if (order_id, line_id) in unpaid:
                event = OrderEvent(
                    event_id, kind, order_id, line_id, at, merchant_id, product_id, currency,
                    None, None, None, refund, None, None, None, fp, source_line,
                )  # fmt: skip
                self.waiting[(order_id, line_id)].append(_Parked(event, None, row_id, run_id))

    def parked_reads(self, ids: list[str], keys: list[tuple[str, str]]) -> list[bulk.Read]:
        """Stored parked events with one of ``ids``, and those on one of the lines ``keys``."""
        select = f"SELECT id, {', '.join(PARKED_COLUMNS)} FROM donations_parkedevent WHERE"
        return [
            bulk.Read(select, ("event_id",), ids),
            bulk.Read(
                f"SELECT order_id, line_id, id, {', '.join(PARKED_COLUMNS)}"
                " FROM donations_parkedevent WHERE",
                ("order_id", "line_id"),
                sorted(keys),
            ),
        ]

    @staticmethod
    def parked_by_arrival(
        by_id: list[tuple[Any, ...]], by_line: list[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        rows = {r[0]: r for r in by_id + [r[2:] for r in by_line]}.values()
        return sorted(rows, key=lambda r: r[0])  # by id: arrival order

    def parked_rows(self, ids: list[str], unpaid: set[tuple[str, str]]) -> list[tuple[Any, ...]]:
        """Stored parked events with one of ``ids`` or on an ``unpaid`` line, by arrival."""
        select = f"SELECT id, {', '.join(PARKED_COLUMNS)} FROM donations_parkedevent"
        # Few events wait at any time: reading them all beats probing the
        # indexes once per event of the batch.
        self.cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM donations_parkedevent LIMIT {len(ids) + 1}) w"
        )
        if self.cursor.fetchone()[0] <= len(ids) // 8:
            self.cursor.execute(select)
            wanted = set(ids)
            rows = [r for r in self.cursor.fetchall() if r[1] in wanted or r[4:6] in unpaid]
            return sorted(rows, key=lambda r: r[0])  # by id: arrival order
        return self.parked_by_arrival(
            *bulk.read_all(self.cursor, self.parked_reads(ids, sorted(unpaid)))
        )

    # 2. decide -------------------------------------------------------------

    def run(self) -> BatchOutcome:
        self.load()
        self.outcome.statuses = [PARKED] * len(self.events)
        for index, event in enumerate(self.events):
            self.decide(index, event)
        self.write()
        return self.outcome

    def decide(self, index: int, event: OrderEvent) -> None:
        prior = self.known.get(event.event_id)
        if prior is not None:
            if prior == event.fingerprint:
                self.outcome.duplicates += 1
                self.outcome.statuses[index] = DUPLICATE
            else:
                self.reject(
                    index, event, "conflict", "this event_id was sent before with other content"
                )
            return
        key = event.line_key
        line = self.lines.get(key)
        if event.type == PAID:
            if line is not None:
                self.reject(index, event, "conflict", f"line {key[0]}/{key[1]} is already paid")
                return
            try:
                line, effect = open_line(event, self.engine.pledges)
            except Invalid as invalid:
                self.reject(index, event, invalid.reason, invalid.message)
                return
            self.lines[key] = line
            self.new_lines.append(line)
            if line.donation_minor:
                self.outcome.donations_created += 1
            self.accept(index, event, line, effect)
            for parked in self.waiting.pop(key, ()):
                self.unpark(parked, line)
        elif line is None:
            self.known[event.event_id] = event.fingerprint
            self.waiting[key].append(_Parked(event, index))
            self.parked_now[event.event_id] = event
        else:
            try:
                effect = follow_up(line, event)
            except Invalid as invalid:
                self.reject(index, event, invalid.reason, invalid.message)
                return
            self.accept(index, event, line, effect)

    def accept(
        self, index: int | None, event: OrderEvent, line: Line, effect: Effect | None
    ) -> None:
        if index is not None:
            self.outcome.statuses[index] = APPLIED
        self.known[event.event_id] = event.fingerprint
        if effect is not None:
            self.effects.append((effect, line, len(self.applied)))
        self.applied.append((event, line))
        self.outcome.applied += 1

    def unpark(self, parked: _Parked, line: Line) -> None:
        event = parked.event
        if parked.row_id is not None:
            self.unparked_rows.append(parked.row_id)
        else:
            del self.parked_now[event.event_id]
        try:
            effect = follow_up(line, event)
        except Invalid as invalid:
            # Rejected events are not remembered: sent again, judged again.
            self.known.pop(event.event_id, None)
            message = invalid.message
            if parked.run_id is not None and parked.run_id != self.engine.run_id:
                message = f"parked by ingest run {parked.run_id}; when its paid came: {message}"
            self.reject(parked.index, event, invalid.reason, message)
            return
        self.accept(parked.index, event, line, effect)

    def reject(self, index: int | None, event: OrderEvent, reason: str, message: str) -> None:
        if index is not None:
            self.outcome.statuses[index] = REJECTED
        self.outcome.rejected.append(
            Rejection(event.source_line, event.event_id, reason, message, index)
        )

    # 3. write --------------------------------------------------------------

    def write(self) -> None:
        cursor, run_id = self.cursor, self.engine.run_id
        # Lines read from the database have ids; lines opened now get theirs below.
        changed = [line for line in self.lines.values() if line.changed and line.id is not None]
        if self.effects:  # its accounts' read goes with the allocation's (one wait in a pipeline)
            self.engine.accounts.prefetch(
                cursor,
                {owner for _, line, _ in self.effects
                 for owner in (line.merchant_id, line.project_id, line.charity_id) if owner},
            )  # fmt: skip
        counts = {
            "donations_orderline": len(self.new_lines),
            "donations_event": len(self.applied),
            "ledger_transaction": len(self.effects),  # one per effect (entries())
        }
        ids = self.reserved(counts) if self.reserved else bulk.allocate_many(cursor, counts)
        for line, line_id in zip(self.new_lines, ids["donations_orderline"], strict=True):
            line.id = line_id
        # A confirmation's transaction id goes on its line too (settlement, decision 0032).
        for (effect, line, _), txn_id in zip(self.effects, ids["ledger_transaction"], strict=True):
            if effect.kind == CONFIRMED:
                line.confirmed_txn_id = txn_id
        bulk.insert_rows(
            cursor,
            "donations_orderline",
            LINE_COLUMNS,
            [line.row() for line in self.new_lines],
        )
        bulk.update_rows(
            cursor,
            "donations_orderline",
            CHANGED_COLUMNS,
            [line.changes() for line in changed],
        )
        event_ids = ids["donations_event"]
        bulk.insert_rows(
            cursor,
            "donations_event",
            ("id", "event_id", "type", "order_line_id", "occurred_at_us", "refund_minor",
             "fingerprint", "run_id"),
            [
                (row_id, e.event_id, e.type, line.id, e.occurred_at_us, e.refund_minor,
                 e.fingerprint, run_id)
                for row_id, (e, line) in zip(event_ids, self.applied, strict=True)
            ],
        )  # fmt: skip
        bulk.delete_in(cursor, "donations_parkedevent", "id", self.unparked_rows)
        bulk.insert_rows(
            cursor,
            "donations_parkedevent",
            PARKED_COLUMNS,
            [
                (e.event_id, e.fingerprint, e.type, e.order_id, e.line_id, e.occurred_at_us,
                 e.merchant_id, e.product_id, e.currency, e.refund_minor, run_id, e.source_line)
                for e in self.parked_now.values()
            ],
        )  # fmt: skip
        # From here on every batch writes the same rows (balances, rollups,
        # the log's waiting leaves, the outbox): one batch at a time.
        bulk.lock_shared(cursor, SHARED_ROWS_LOCK)
        post(cursor, self.engine.accounts, self.entries(event_ids), ids["ledger_transaction"])
        self.write_rollups()
        hooks.run_after_write(
            cursor,
            self.effects,
            [(e, line, row_id) for row_id, (e, line) in zip(event_ids, self.applied, strict=True)],
        )

    def entries(self, event_row_ids: list[int]) -> list[Entry]:
        entries = []
        for effect, line, index in self.effects:
            currency = line.currency
            # Only lines with a pledge make effects, so project and charity are set.
            assert line.project_id is not None and line.charity_id is not None
            merchant = (Account.MERCHANT_PLEDGES, line.merchant_id, currency)
            pending = (Account.PROJECT_PENDING, line.project_id, currency)
            payable = (Account.CHARITY_PAYABLE, line.charity_id, currency)
            if effect.kind == PLEDGED:
                debit, credit = merchant, pending
            elif effect.kind == CONFIRMED:
                debit, credit = pending, payable
            else:
                debit, credit = (payable if effect.after_confirmation else pending), merchant
            event = self.applied[index][0]
            entries.append(
                Entry(
                    effect.kind,
                    currency,
                    line.id,
                    event_row_ids[index],
                    event.occurred_at_us,
                    debit,
                    credit,
                    effect.amount_minor,
                )
            )
        return entries

    def write_rollups(self) -> None:
        deltas = totals_deltas(self.effects, lambda line: line.project_id)
        bulk.add_to_rows(
            self.cursor, "donations_projecttotals", ("project_id", "currency"), TOTALS, deltas
        )
