"""``dermawan settle``: one run per period, set-based, idempotent (decision 0014).

A run settles the ledger's confirmations and claw-backs (the engine's postings
on ``charity_payable``) that lie inside its rectangle: ledger transaction id
at most the run's watermark and occurred before the period's end, less the
previous run's rectangle. Runs go in period order and both bounds only grow,
so the rectangles nest: every effect is settled by exactly one run (the first
whose rectangle holds it), a late confirmation dated in a settled month lands
in the next run, and settling a period again changes nothing.

The heavy work is one grouped statement over the rectangle (per merchant,
charity and currency; decision 0029): no row per settled effect is written,
since the rectangles alone say which run settled what (effects.py). The
per-owner figures are few, and go to the ledger through the journal.
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
    watermark, posting_top = _watermark()
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
        groups = _group(cursor, run, previous, posting_top)
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


def _watermark() -> tuple[int, int]:
    """The last ledger transaction id, with no engine batch still writing below it,
    and the last posting id then (every posting up to it committed on return).

    On PostgreSQL ids are reserved before commit (in blocks), so a batch in
    flight may hold ids below the largest committed one. Such a batch got
    its transaction id when it wrote its order lines and events, before its
    ledger ids: so after reading the maximum, wait for the transactions of
    this database in flight at that moment to end. Later batches reserve
    ids above it. Ingest never waits for settlement.

    Posting ids come from their sequence as the rows are inserted, by a
    batch that already has its transaction id: the sequence's last value,
    read before the transactions in flight, bounds every posting those
    transactions (or any committed before) wrote.
    """
    cursor = bulk.raw_cursor()
    with transaction.atomic():
        if connection.vendor != "postgresql":
            # One writer at a time: nothing is in flight.
            cursor.execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM ledger_transaction), "
                "(SELECT coalesce(max(id), 0) FROM ledger_posting)"
            )
            watermark, posting_top = cursor.fetchone()
            return int(watermark), int(posting_top)
        cursor.execute(
            "SELECT coalesce(pg_sequence_last_value("
            "pg_get_serial_sequence('ledger_posting', 'id')::regclass), 0)"
        )
        posting_top = int(cursor.fetchone()[0])
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
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
    return watermark, posting_top


# (merchant_id, charity_id, currency) -> [confirmations, confirmed, clawed back]
Groups = dict[tuple[str, str, str], list[int]]


def _group(cursor: Any, run: Run, previous: Run | None, posting_top: int) -> Groups:
    """One grouped statement over the run's rectangle, less the previous one's.

    It reads the postings from the previous run's horizon on (every posting
    a later run may settle lies there, see below), so a month's run scans
    the month's postings, not every posting ever written. Besides the
    figures it finds the range of posting ids the run settled (where the
    readers of effects.py look for them again) and this run's horizon: the
    first posting id the next run must read. That is the lowest posting
    up to ``posting_top`` (the last posting id when the watermark was read,
    every one of them committed by now) that this run leaves for later
    (past the watermark, or dated after the period), else ``posting_top + 1``:
    a posting written later has a larger id.
    """
    cursor.execute(
        "SELECT id, owner_id, currency FROM ledger_account WHERE kind = 'charity_payable'"
    )
    payable = {int(id_): (owner, currency) for id_, owner, currency in cursor.fetchall()}
    run.horizon = posting_top + 1
    run.first_posting_id, run.last_posting_id, run.lines = run.horizon, run.horizon - 1, 0
    groups: Groups = {}
    if payable:
        prev_watermark, prev_end, horizon = (
            (previous.watermark, previous.period_end_us, previous.horizon)
            if previous
            else (0, 0, 0)
        )
        if connection.vendor == "postgresql":
            # A monthly batch over millions of rows: hash joins in memory, no
            # JIT (as for the engine), and a plain SELECT, which PostgreSQL
            # runs in parallel (an INSERT ... SELECT would run on one core).
            cursor.execute("SET LOCAL work_mem = '1GB'")
            cursor.execute("SET LOCAL jit = off")
        accounts, accounts_params = effects.in_accounts(sorted(payable))
        mark = bulk.marks(1)
        held = f"(t.id <= {mark} AND t.occurred_at_us < {mark})"  # in this run's rectangle
        held_params = [run.watermark, run.period_end_us]
        # The engine's postings on charity_payable: a confirmation credits it
        # (amount < 0), a claw-back debits it; a reversal before confirmation
        # never touches it. The order line gives the merchant. Grouped also by
        # "held" and by sign, so that every aggregate is a plain one.
        cursor.execute(
            f"SELECT l.merchant_id, p.account_id, {held}, p.amount_minor < 0, "
            "count(*), sum(p.amount_minor), min(p.id), max(p.id) "
            "FROM ledger_posting p "
            "JOIN ledger_transaction t ON t.id = p.transaction_id "
            "JOIN donations_orderline l ON l.id = t.order_line_id "
            f"WHERE p.id >= {mark} AND {accounts} AND t.kind IN {effects.EFFECT_KINDS} "
            f"AND NOT (t.id <= {mark} AND t.occurred_at_us < {mark}) "
            f"AND ({held} OR p.id <= {mark}) "
            "GROUP BY 1, 2, 3, 4",
            [
                *held_params,
                horizon,
                *accounts_params,
                prev_watermark,
                prev_end,
                *held_params,
                posting_top,
            ],
        )
        first, last = None, None
        for merchant_id, account_id, is_held, credit, count, amount, low, high in cursor:
            if not is_held:  # left for a later run
                run.horizon = min(run.horizon, int(low))
                continue
            charity_id, currency = payable[int(account_id)]
            figures = groups.setdefault((merchant_id, charity_id, currency), [0, 0, 0])
            if credit:  # confirmations
                figures[0] += int(count)
                figures[1] -= int(amount)
            else:  # claw-backs
                figures[2] += int(amount)
            run.lines += int(count)
            first = int(low) if first is None else min(first, int(low))
            last = int(high) if last is None else max(last, int(high))
        if first is not None and last is not None:
            run.first_posting_id, run.last_posting_id = first, last
    run.save(update_fields=["lines", "horizon", "first_posting_id", "last_posting_id"])
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
