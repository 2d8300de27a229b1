"""Which donations a paid payout paid out.

A run settles the confirmations and claw-backs in its rectangle (decisions
0029 and 0032: no row per effect; effects.py finds them again). A line is paid out
when its net settled amount in a run is positive and the run's payout to
the line's charity in the line's currency is paid, or that payout failed
and a later payout that carried its money back is paid. A line whose run
had nothing to pay its charity (claw-backs ate it) is not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from dermawan.core import bulk
from dermawan.core.instants import to_rfc3339
from dermawan.settlement import effects
from dermawan.settlement.models import Payout

# Key of a payout by what it pays: (run, charity, currency).
PayoutKey = tuple[int, str, str]


def paid_out_lines(line_ids: Iterable[int]) -> set[int]:
    """Of these order line pks, those a paid payout covered.

    Receipts ask this of a few lines at a time: each line's confirmation is
    on the line, its reversals are found through the ledger's index of its
    effects by order line. Only the run that settled a line's confirmation
    can hold a positive net for it (every other effect is a claw-back), and
    that net is the confirmation less the claw-backs the same run settled.
    The claw-backs of a line never exceed its confirmation, by (donation -
    reversed) in all; so the net is zero exactly when the line is reversed
    in full and every claw-back of it (a reversal after the confirmation: a
    larger transaction id) was settled by that same run. No amount needs
    reading.
    """
    ids = sorted(set(line_ids))
    runs = effects.rectangles()
    if not ids or not runs:
        return set()
    cursor = bulk.raw_cursor()
    settled: dict[int, tuple[PayoutKey, int, bool]] = {}  # line -> (key, confirmation, in full)
    for line_id, charity_id, currency, donation, reversed_minor, txn, at in bulk.select_in(
        cursor,
        "SELECT id, charity_id, currency, donation_minor, reversed_minor, confirmed_txn_id, "
        "confirmed_at_us FROM donations_orderline WHERE confirmed_txn_id IS NOT NULL AND",
        "id",
        ids,
    ):
        run_id = effects.settling_run(runs, txn, at)
        if run_id is not None:
            settled[line_id] = ((run_id, charity_id, currency), txn, donation == reversed_minor)
    in_full = sorted(line_id for line_id, (_, _, full) in settled.items() if full)
    # The index (ledger migration 0004) holds confirmations and reversals.
    for line_id, kind, transaction_id, occurred_at_us in bulk.select_in(
        cursor,
        "SELECT t.order_line_id, t.kind, t.id, t.occurred_at_us FROM ledger_transaction t "
        "WHERE t.kind IN ('confirmed', 'reversed') AND",
        "t.order_line_id",
        in_full,
    ):
        key, confirmation, _ = settled.get(line_id, (None, 0, False))
        if key is None or kind != "reversed" or transaction_id < confirmation:
            continue
        if effects.settling_run(runs, transaction_id, occurred_at_us) != key[0]:
            settled[line_id] = (key, confirmation, False)  # a claw-back settled later
    for line_id in in_full:
        if settled[line_id][2]:
            del settled[line_id]  # its run netted it to nothing
    paid = _paid_keys({key for key, _, _ in settled.values()})
    return {line_id for line_id, (key, _, _) in settled.items() if key in paid}


def _paid_keys(keys: set[PayoutKey]) -> set[PayoutKey]:
    if not keys:
        return set()
    runs = {run_id for run_id, _, _ in keys}
    found = set()
    for payout in Payout.objects.filter(run_id__in=runs).only(
        "run_id", "charity_id", "currency", "status", "repaid_by_id"
    ):
        key = (payout.run_id, payout.charity_id, payout.currency)
        if key in keys and (
            payout.status == Payout.PAID
            or (payout.status == Payout.FAILED and payout.repaid_by_id is not None)
        ):
            found.add(key)
    return found


def cover_failed(payout: Payout) -> list[Payout]:
    """Mark the failed payouts whose money ``payout`` (now paid) carried as repaid by it.

    The payout's run carried in every failed payout of the same charity and
    currency that failed before the run was made and was not repaid since.
    """
    carried = list(
        Payout.objects.filter(
            charity_id=payout.charity_id,
            currency=payout.currency,
            status=Payout.FAILED,
            repaid_by=None,
            failed_at_us__lt=payout.run.created_at_us,
        ).order_by("id")
    )
    Payout.objects.filter(pk__in=[p.pk for p in carried]).update(repaid_by=payout)
    return carried


# (order line pk, amount, currency) of a donation a payout paid out.
PaidLine = tuple[int, int, str]


def lines_paid_by(cursor: Any, payouts: list[Payout]) -> dict[int, list[PaidLine]]:
    """Per payout pk, the donations it paid out: the lines of its charity and
    currency with a positive net in its run. One scan of each run's lines
    serves all the payouts of that run given."""
    found: dict[int, list[PaidLine]] = {payout.pk: [] for payout in payouts}
    by_run: dict[int, list[Payout]] = defaultdict(list)
    for payout in payouts:
        by_run[payout.run_id].append(payout)
    for of_run in by_run.values():
        keys = {(payout.charity_id, payout.currency): payout.pk for payout in of_run}
        charities = {charity_id for charity_id, _ in keys}
        for line_id, charity_id, currency, net in effects.settled_nets(
            cursor, of_run[0].run, charities
        ):
            pk = keys.get((charity_id, currency))
            if pk is not None and net > 0:
                found[pk].append((line_id, net, currency))
    for lines in found.values():
        lines.sort()
    return found


def _transparency_recording() -> Any:
    """The transparency log's writer, when this build has it (it arrived with issue 5)."""
    try:
        from dermawan.transparency import recording
    except ImportError:
        return None
    return recording


# Payouts are announced in parts of at most this many donations, so that
# paying a month of 10 M donations at once holds a part's lines in memory,
# not the month's (each part scans its run's lines once for its charities).
ANNOUNCE_DONATIONS = 500_000


def announce(cursor: Any, paid: list[tuple[Payout, list[Payout]]], paid_at_us: int) -> None:
    """The transparency log's ``paid_out`` leaves and the ``payout.paid`` webhooks
    of these payouts (each with the failed payouts whose money it carried)."""
    part: list[tuple[Payout, list[Payout]]] = []
    donations = 0
    for item in paid:
        size = sum(p.donations for p in (item[0], *item[1]))
        if part and donations + size > ANNOUNCE_DONATIONS:
            _announce(cursor, part, paid_at_us)
            part, donations = [], 0
        part.append(item)
        donations += size
    if part:
        _announce(cursor, part, paid_at_us)


def _announce(cursor: Any, paid: list[tuple[Payout, list[Payout]]], paid_at_us: int) -> None:
    from dermawan.webhooks.models import PAYOUT_PAID
    from dermawan.webhooks.outbox import enqueue

    lines = lines_paid_by(cursor, [p for payout, carried in paid for p in (payout, *carried)])
    per_payout = [
        [line for p in (payout, *carried) for line in lines[p.pk]] for payout, carried in paid
    ]
    recording = _transparency_recording()
    if recording is not None:
        recording.record_paid_out(
            cursor,
            [
                recording.PaidOutLine(line_id, amount, currency)
                for of_payout in per_payout
                for line_id, amount, currency in of_payout
            ],
            paid_at_us,
        )
    enqueue(
        cursor,
        PAYOUT_PAID,
        [
            {
                "reference": payout.reference,
                "charity_id": payout.charity_id,
                "currency": payout.currency,
                "amount_minor": payout.amount_minor,
                "period": payout.run.period,
                "donations": len(of_payout),
                "paid_at": to_rfc3339(paid_at_us),
            }
            for (payout, _), of_payout in zip(paid, per_payout, strict=True)
        ],
        paid_at_us,
    )
