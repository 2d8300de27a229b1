"""``dermawan settle``: one run per period, set-based, idempotent (decision 0014).

A run settles the ledger's confirmations and claw-backs (the engine's
transactions to and from ``charity_payable``) that lie inside its rectangle:
ledger transaction id at most the run's watermark and occurred before the
period's end, less the previous run's rectangle. Runs go in period order and
both bounds only grow, so the rectangles nest: every effect is settled by
exactly one run (the first whose rectangle holds it), a late confirmation
dated in a settled month lands in the next run, and settling a period again
changes nothing.

The heavy work is two grouped statements over the rectangle (per merchant,
charity and currency): the confirmations, from the order lines that carry
them, and the few claw-backs, from the ledger (decision 0032). No row per
settled effect is written, since the rectangles alone say which run settled
what (decision 0029, effects.py). The per-owner figures are few, and go to
the ledger through the journal.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from dermawan.auditlog.entries import record
from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook
from dermawan.ledger.journal import Entry, post
from dermawan.settlement import books, effects
from dermawan.settlement.fees import fee_bps, fee_of
from dermawan.settlement.models import Collection, Payout, Run
from dermawan.settlement.periods import Period, parse_period

# Advisory-lock key of settlement's own writers (runs, approvals, exports, payments).
SETTLEMENT_LOCK = 0x5345  # "SE"
# How long a run waits for ingest transactions in flight (see _watermark).
IN_FLIGHT_WAIT_S = 60


class Refused(ValueError):
    """A settlement action refused; the message names the record and the reason."""


@dataclass
class Settled:
    run: Run
    created: bool  # False: the period was settled before, nothing changed


def now_us() -> int:
    return time.time_ns() // 1_000


def settle(period_text: str, *, actor: str, at_us: int | None = None) -> Settled:
    """Settle ``period_text`` (YYYY-MM); return its run, new or the one settled before."""
    if not actor:
        raise Refused("a settlement run needs an actor (who asks for it)")
    period = parse_period(period_text)
    bps = fee_bps()
    at_us = now_us() if at_us is None else at_us
    if period.end_us > at_us:
        raise Refused(f"period {period.name} has not ended yet; it can be settled from its end")
    existing = Run.objects.filter(period=period.name).first()
    if existing is not None:
        return Settled(existing, created=False)
    _refuse_out_of_order(period)
    watermark, tops = _watermark()
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        lock(cursor)
        existing = Run.objects.filter(period=period.name).first()
        if existing is not None:  # a concurrent settle of the same period won
            return Settled(existing, created=False)
        _refuse_out_of_order(period)
        previous = Run.objects.order_by("-period_end_us").first()
        run = Run.objects.create(
            period=period.name,
            period_start_us=period.start_us,
            period_end_us=period.end_us,
            watermark=watermark,
            fee_bps=bps,
            created_by=actor,
            created_at_us=at_us,
        )
        groups = _group(cursor, run, previous, tops)
        _book(cursor, run, groups, at_us)
        record(
            actor,
            "settlement.run_created",
            f"settlement-run:{run.pk}",
            period=period.name,
            watermark=watermark,
            fee_bps=bps,
            lines=run.lines,
        )
    return Settled(run, created=True)


def lock(cursor: Any) -> None:
    """One settlement writer at a time (SQLite's write transaction already is one)."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", (SETTLEMENT_LOCK,))


def _refuse_out_of_order(period: Period) -> None:
    latest = Run.objects.order_by("-period_end_us").first()
    if latest is not None and latest.period_end_us >= period.end_us:
        raise Refused(
            f"period {period.name} is before the last settled period {latest.period}: "
            "runs go in period order (late effects land in the next run)"
        )


@dataclass(frozen=True)
class Tops:
    """The last id of ledger transactions and of order lines when the watermark
    was read: every row up to them is committed once ``_watermark`` returns."""

    transaction: int
    line: int


def _watermark() -> tuple[int, Tops]:
    """The last ledger transaction id, with no engine batch still writing below it,
    and the last transaction and order line ids handed out then (``Tops``).

    On PostgreSQL ids are reserved before commit (in blocks), so a batch in
    flight may hold ids below the largest committed one. Such a batch got
    its transaction id when it wrote its order lines and events, before its
    ledger ids: so after reading the maximum, wait for the transactions of
    this database in flight at that moment to end. Later batches reserve
    ids above it. Ingest never waits for settlement.

    Ledger transaction and order line ids come from their sequences, a block
    at a time, by a batch that already has its database transaction id: the
    last id each sequence had handed out, read before the transactions in
    flight, bounds every row those transactions (or any committed before)
    wrote.
    """
    cursor = bulk.raw_cursor()
    with transaction.atomic():
        tops = read_tops(cursor)
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
        if connection.vendor != "postgresql":
            # One writer at a time: nothing is in flight.
            return int(cursor.fetchone()[0]), tops
        watermark = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT pid, backend_xid::text FROM pg_stat_activity WHERE datname = "
            "current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        in_flight = [(pid, xid) for pid, xid in cursor.fetchall()]
    deadline = time.monotonic() + IN_FLIGHT_WAIT_S
    while in_flight:
        cursor.execute(
            "SELECT pid, backend_xid::text FROM pg_stat_activity WHERE pid = ANY(%s)",
            ([pid for pid, _ in in_flight],),
        )
        still = set(cursor.fetchall())
        in_flight = [entry for entry in in_flight if entry in still]
        if in_flight and time.monotonic() > deadline:
            raise Refused(
                f"{len(in_flight)} database transactions that may be writing donations have "
                f"not ended in {IN_FLIGHT_WAIT_S} s (pids {[p for p, _ in in_flight]}); "
                "settle again when they have"
            )
        if in_flight:
            time.sleep(0.05)
    return watermark, tops


def read_tops(cursor: Any) -> Tops:
    """The last ledger transaction and order line ids handed out so far."""
    if connection.vendor != "postgresql":
        cursor.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM ledger_transaction), "
            "(SELECT coalesce(max(id), 0) FROM donations_orderline)"
        )
        top, line = cursor.fetchone()
        return Tops(int(top), int(line))
    # The end of the last block handed out (a block is increment_by ids).
    cursor.execute(
        "SELECT t.name, coalesce(s.last_value + s.increment_by - 1, 0) "
        "FROM unnest(%s::text[]) AS t(name) JOIN pg_sequences s "
        "ON s.schemaname || '.' || s.sequencename = pg_get_serial_sequence(t.name, 'id')",
        (["ledger_transaction", "donations_orderline"],),
    )
    tops = {name: int(top) for name, top in cursor.fetchall()}
    return Tops(tops.get("ledger_transaction", 0), tops.get("donations_orderline", 0))


# (merchant_id, charity_id, currency) -> [confirmations, confirmed, clawed back]
Groups = dict[tuple[str, str, str], list[int]]

# A line whose confirmation may still come: pending, with money outstanding.
MAY_CONFIRM = (
    "l.confirmed_txn_id IS NULL AND l.status = 'pending' AND l.donation_minor > l.reversed_minor"
)


def _group(cursor: Any, run: Run, previous: Run | None, tops: Tops) -> Groups:
    """Two grouped statements over the run's rectangle, less the previous one's.

    Confirmations are read from the order lines (no join), claw-backs from
    the few debits of charity_payable joined to their transactions and
    lines (decision 0032). Each statement starts at the previous run's
    horizon for its table (every row a later run may settle lies there, see
    below), so a month's run scans the month's rows, not every row ever
    written. Besides the figures each finds the range of ids the run
    settled (where the readers of effects.py look for them again) and this
    run's horizon: the first id the next run must read. That is the lowest
    id up to the table's top (``tops``: every row up to it committed by
    now) that this run leaves for later (an effect past the watermark or
    dated after the period; for lines also one that may still be
    confirmed), else the top + 1: a row written later has a larger id.
    """
    cursor.execute(
        "SELECT id, owner_id, currency FROM ledger_account WHERE kind = 'charity_payable'"
    )
    payable = {int(id_): (owner, currency) for id_, owner, currency in cursor.fetchall()}
    run.lines = 0
    groups: Groups = {}
    if connection.vendor == "postgresql":
        # A monthly batch over millions of rows: aggregates in memory, no
        # JIT (as for the engine), and plain SELECTs, which PostgreSQL runs
        # in parallel (an INSERT ... SELECT would run on one core).
        cursor.execute("SET LOCAL work_mem = '1GB'")
        cursor.execute("SET LOCAL jit = off")
    before = effects.newly_held_params(run, previous)
    mark = bulk.marks(1)
    # In this run's rectangle (and not the previous one's, by the WHERE).
    held_line = f"(l.confirmed_txn_id <= {mark} AND l.confirmed_at_us < {mark})"
    held_params = [run.watermark, run.period_end_us]
    cursor.execute(
        f"SELECT l.merchant_id, l.charity_id, l.currency, {held_line}, "
        "count(*), sum(l.confirmed_minor), min(l.id), max(l.id) "
        f"FROM donations_orderline l WHERE l.id >= {mark} AND ("
        f"({MAY_CONFIRM} AND l.id <= {mark}) OR (l.confirmed_txn_id IS NOT NULL "
        f"AND NOT (l.confirmed_txn_id <= {mark} AND l.confirmed_at_us < {mark}) "
        f"AND ({held_line} OR l.id <= {mark}))) "
        "GROUP BY 1, 2, 3, 4",
        [
            *held_params,
            previous.line_horizon if previous else 0,
            tops.line,
            *before[2:],
            *held_params,
            tops.line,
        ],
    )
    run.line_horizon = tops.line + 1
    lines: list[int] = []
    for merchant_id, charity_id, currency, is_held, count, amount, low, high in cursor.fetchall():
        if not is_held:  # left for a later run
            run.line_horizon = min(run.line_horizon, int(low))
            continue
        figures = groups.setdefault((merchant_id, charity_id, currency), [0, 0, 0])
        figures[0] += int(count)
        figures[1] += int(amount)
        run.lines += int(count)
        lines += [int(low), int(high)]
    run.first_line_id, run.last_line_id = (min(lines), max(lines)) if lines else (1, 0)
    run.horizon = tops.transaction + 1
    claw_backs: list[int] = []
    if payable:
        accounts, accounts_params = effects.in_accounts(sorted(payable))
        held = f"(t.id <= {mark} AND t.occurred_at_us < {mark})"
        if connection.vendor == "postgresql":
            # The claw-backs come from their own index (ledger_reversals_by_
            # debit), a few per hundred donations; the planner may still
            # choose to hash the month's order lines to join them. Look each
            # line up by primary key instead, a cost that grows with the
            # claw-backs, not with the month.
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(
            f"SELECT l.merchant_id, t.debit_account_id, {held}, "
            "count(*), sum(t.amount_minor), min(t.id), max(t.id) "
            "FROM ledger_transaction t "
            "JOIN donations_orderline l ON l.id = t.order_line_id "
            f"WHERE t.id >= {mark} AND {accounts} AND {effects.CLAW_BACK} "
            f"AND NOT (t.id <= {mark} AND t.occurred_at_us < {mark}) "
            f"AND ({held} OR t.id <= {mark}) "
            "GROUP BY 1, 2, 3",
            [
                *held_params,
                previous.horizon if previous else 0,
                *accounts_params,
                *before[2:],
                *held_params,
                tops.transaction,
            ],
        )
        for merchant_id, account_id, is_held, count, amount, low, high in cursor.fetchall():
            if not is_held:
                run.horizon = min(run.horizon, int(low))
                continue
            charity_id, currency = payable[int(account_id)]
            figures = groups.setdefault((merchant_id, charity_id, currency), [0, 0, 0])
            figures[2] += int(amount)
            run.lines += int(count)
            claw_backs += [int(low), int(high)]
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_hashjoin = on")
            cursor.execute("SET LOCAL enable_mergejoin = on")
    run.first_transaction_id, run.last_transaction_id = (
        (min(claw_backs), max(claw_backs)) if claw_backs else (1, 0)
    )
    run.save(
        update_fields=[
            "lines", "horizon", "first_transaction_id", "last_transaction_id",
            "line_horizon", "first_line_id", "last_line_id",
        ]
    )  # fmt: skip
    return groups


def _book(cursor: Any, run: Run, groups: Groups, at_us: int) -> None:
    """Collections, charity statements and draft payouts: rows and ledger entries."""
    per_merchant: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_charity: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (merchant_id, charity_id, currency), figures in groups.items():
        for total, key in ((per_merchant, (merchant_id, currency)),
                           (per_charity, (charity_id, currency))):  # fmt: skip
            for index, value in enumerate(figures):
                total[key][index] += value
    # What each charity carried in: its settled balance (credit: owed to it).
    cursor.execute(
        "SELECT owner_id, currency, balance_minor FROM ledger_account "
        "WHERE kind = 'charity_settled' AND balance_minor <> 0"
    )
    carried_in = {(owner, currency): -int(balance) for owner, currency, balance in cursor}
    entries: list[Entry] = []

    def move(kind: str, currency: str, debit: Any, credit: Any, amount: int) -> None:
        if amount < 0:
            debit, credit, amount = credit, debit, -amount
        if amount:
            entries.append(Entry(kind, currency, None, None, at_us, debit, credit, amount))

    collections = []
    for (merchant_id, currency), (donations, confirmed, clawed) in sorted(per_merchant.items()):
        amount = confirmed - clawed
        collections.append(
            Collection(
                run=run,
                merchant_id=merchant_id,
                currency=currency,
                donations=donations,
                confirmed_minor=confirmed,
                clawed_back_minor=clawed,
                amount_minor=amount,
            )
        )
        move(books.COLLECTED, currency, books.clearing(currency),
             books.pledges(merchant_id, currency), amount)  # fmt: skip
    payouts = []
    for key in sorted(set(per_charity) | set(carried_in)):
        charity_id, currency = key
        donations, confirmed, clawed = per_charity.get(key, [0, 0, 0])
        net = confirmed - clawed
        fee = fee_of(net, run.fee_bps)
        available = carried_in.get(key, 0) + net - fee
        amount = max(0, available)
        payouts.append(
            Payout(
                run=run,
                charity_id=charity_id,
                currency=currency,
                donations=donations,
                carried_in_minor=carried_in.get(key, 0),
                confirmed_minor=confirmed,
                clawed_back_minor=clawed,
                fee_minor=fee,
                amount_minor=amount,
                carried_out_minor=available - amount,
                status=Payout.DRAFT if amount else Payout.NOTHING,
            )
        )
        settled = books.settled(charity_id, currency)
        move(books.SETTLED, currency, books.payable(charity_id, currency), settled, net)
        move(books.FEE, currency, settled, books.fees(currency), fee)
        move(books.DRAFTED, currency, settled,
             books.payout_account("draft", charity_id, currency), amount)  # fmt: skip
    Collection.objects.bulk_create(collections)
    Payout.objects.bulk_create(payouts)
    post(cursor, AccountBook(), entries)
