"""``dermawan settle``: one run per period, set-based, idempotent (decision 0014).

A run settles the ledger's confirmations and claw-backs (the engine's postings
on ``charity_payable``) that lie inside its rectangle: ledger transaction id
at most the run's watermark and occurred before the period's end, less the
previous run's rectangle. Runs go in period order and both bounds only grow,
so the rectangles nest: every effect is settled by exactly one run (the first
whose rectangle holds it), a late confirmation dated in a settled month lands
in the next run, and settling a period again changes nothing.

The heavy work is three statements over the candidates (stage them, record
them as settled lines, group them per merchant, charity and currency); the
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
from dermawan.settlement import books
from dermawan.settlement.fees import fee_bps, fee_of
from dermawan.settlement.models import Collection, Payout, Run
from dermawan.settlement.periods import Period, parse_period

# Advisory-lock key of settlement's own writers (runs, approvals, exports, payments).
SETTLEMENT_LOCK = 0x5345  # "SE"
STAGE = "settlement_stage"
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
    watermark = _watermark()
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
        groups = _stage_and_group(cursor, run, period, previous)
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


def _watermark() -> int:
    """The last ledger transaction id, with no engine batch still writing below it.

    On PostgreSQL ids are reserved before commit (in blocks), so a batch in
    flight may hold ids below the largest committed one. Such a batch got
    its transaction id when it wrote its order lines and events, before its
    ledger ids: so after reading the maximum, wait for the transactions of
    this database in flight at that moment to end. Later batches reserve
    ids above it. Ingest never waits for settlement.
    """
    cursor = bulk.raw_cursor()
    with transaction.atomic():
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
        watermark = int(cursor.fetchone()[0])
        if connection.vendor != "postgresql":
            return watermark  # one writer at a time: nothing is in flight
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
    return watermark


# (merchant_id, charity_id, currency) -> [confirmations, confirmed, clawed back]
Groups = dict[tuple[str, str, str], list[int]]


def _marks(count: int) -> str:
    mark = "%s" if connection.vendor == "postgresql" else "?"
    return ", ".join([mark] * count)


def _stage_and_group(cursor: Any, run: Run, period: Period, previous: Run | None) -> Groups:
    cursor.execute("SELECT id FROM ledger_account WHERE kind = 'charity_payable'")
    payable = [row[0] for row in cursor.fetchall()]
    if not payable:
        return {}
    # The engine's postings on charity_payable: a confirmation credits it, a
    # claw-back debits it; a reversal before confirmation never touches it.
    prev_watermark, prev_end = (previous.watermark, previous.period_end_us) if previous else (0, 0)
    if connection.vendor == "postgresql":
        # A monthly batch over millions of rows: hash joins in memory, no JIT
        # (as for the engine), and CREATE TABLE AS, which PostgreSQL runs in
        # parallel where INSERT ... SELECT runs on one core.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        accounts, params = "p.account_id = ANY(%s)", [payable]
    else:
        accounts, params = f"p.account_id IN ({_marks(len(payable))})", list(payable)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE TEMP TABLE {STAGE} AS "
        "SELECT t.order_line_id, l.merchant_id, l.charity_id, t.currency, "
        "-p.amount_minor AS amount_minor "
        "FROM ledger_posting p "
        "JOIN ledger_transaction t ON t.id = p.transaction_id "
        "JOIN donations_orderline l ON l.id = t.order_line_id "
        f"WHERE {accounts} AND t.kind IN ('confirmed', 'reversed') "
        f"AND t.id <= {_marks(1)} AND t.occurred_at_us < {_marks(1)} "
        f"AND NOT (t.id <= {_marks(1)} AND t.occurred_at_us < {_marks(1)})",
        [*params, run.watermark, period.end_us, prev_watermark, prev_end],
    )
    cursor.execute(
        "INSERT INTO settlement_settledline (run_id, order_line_id, amount_minor) "
        f"SELECT {int(run.pk)}, order_line_id, amount_minor FROM {STAGE}"
    )
    cursor.execute(
        "SELECT merchant_id, charity_id, currency, "
        " sum(CASE WHEN amount_minor > 0 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END),"
        " sum(CASE WHEN amount_minor < 0 THEN -amount_minor ELSE 0 END), count(*) "
        f"FROM {STAGE} GROUP BY merchant_id, charity_id, currency"
    )
    groups: Groups = {}
    lines = 0
    for merchant_id, charity_id, currency, donations, confirmed, clawed, count in cursor:
        groups[(merchant_id, charity_id, currency)] = [
            int(donations),
            int(confirmed),
            int(clawed),
        ]
        lines += int(count)
    bulk.drop_stage(cursor, STAGE)
    run.lines = lines
    run.save(update_fields=["lines"])
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
