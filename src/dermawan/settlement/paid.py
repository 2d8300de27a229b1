"""Which donations a paid payout paid out.

A run settles the confirmations and claw-backs in its rectangle (decision
0029: no row per effect; effects.py finds them again). A line is paid out
when its net settled amount in a run is positive and the run's payout to
the line's charity in the line's currency is paid, or that payout failed
and a later payout that carried its money back is paid. A line whose run
had nothing to pay its charity (claw-backs ate it) is not.
"""

from __future__ import annotations

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

    Receipts ask this of a few lines at a time, through the ledger's index of
    its effects by order line. Only the run that settled a line's
    confirmation can hold a positive net for it (every other effect is a
    claw-back), and that net is the confirmation less the claw-backs the
    same run settled. The claw-backs of a line never exceed its
    confirmation, by (donation - reversed) in all; so the net is zero
    exactly when the line is reversed in full and every claw-back of it
    (a reversal after the confirmation: a larger transaction id) was settled
    by that same run. No amount needs reading.
    """
    ids = sorted(set(line_ids))
    runs = effects.rectangles()
    if not ids or not runs:
        return set()
    cursor = bulk.raw_cursor()
    confirmations: dict[int, tuple[int, int]] = {}
    reversals: dict[int, list[tuple[int, int]]] = {}
    for line_id, kind, transaction_id, occurred_at_us in bulk.select_in(
        cursor,
        "SELECT t.order_line_id, t.kind, t.id, t.occurred_at_us FROM ledger_transaction t "
        f"WHERE t.kind IN {effects.EFFECT_KINDS} AND",
        "t.order_line_id",
        ids,
    ):
        if kind == "confirmed":
            confirmations[line_id] = (transaction_id, occurred_at_us)
        else:
            reversals.setdefault(line_id, []).append((transaction_id, occurred_at_us))
    if not confirmations:
        return set()
    settled: dict[int, PayoutKey] = {}
    for line_id, charity_id, currency, donation, reversed_minor in bulk.select_in(
        cursor,
        "SELECT id, charity_id, currency, donation_minor, reversed_minor "
        "FROM donations_orderline WHERE",
        "id",
        sorted(confirmations),
    ):
        confirmed_at = confirmations[line_id]
        run_id = effects.settling_run(runs, *confirmed_at)
        if run_id is None:
            continue
        claws = [r for r in reversals.get(line_id, []) if r[0] > confirmed_at[0]]
        if donation == reversed_minor and all(
            effects.settling_run(runs, *claw) == run_id for claw in claws
        ):
            continue  # its run netted it to nothing
        settled[line_id] = (run_id, charity_id, currency)
    paid = _paid_keys(set(settled.values()))
    return {line_id for line_id, key in settled.items() if key in paid}


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


def lines_paid_by(cursor: Any, payouts: list[Payout]) -> list[tuple[int, int, str]]:
    """(order line pk, amount, currency) of the donations these payouts paid out."""
    lines: list[tuple[int, int, str]] = []
    for payout in payouts:
        accounts = effects.payable_accounts(cursor, payout.charity_id, payout.currency)
        if not accounts or payout.run.lines == 0:
            continue
        settled, params = effects.run_effects(payout.run)
        within, accounts_params = effects.in_accounts(accounts)
        cursor.execute(
            f"SELECT t.order_line_id, -sum(p.amount_minor) {settled} AND {within} "
            "GROUP BY t.order_line_id HAVING sum(p.amount_minor) < 0 ORDER BY t.order_line_id",
            [*params, *accounts_params],
        )
        lines += [(int(line_id), int(amount), payout.currency) for line_id, amount in cursor]
    return lines


def _transparency_recording() -> Any:
    """The transparency log's writer, when this build has it (it arrived with issue 5)."""
    try:
        from dermawan.transparency import recording
    except ImportError:
        return None
    return recording


def announce(cursor: Any, payout: Payout, carried: list[Payout], paid_at_us: int) -> None:
    """The transparency log's ``paid_out`` leaves and the ``payout.paid`` webhook."""
    from dermawan.webhooks.models import PAYOUT_PAID
    from dermawan.webhooks.outbox import enqueue

    lines = lines_paid_by(cursor, [payout, *carried])
    recording = _transparency_recording()
    if recording is not None:
        recording.record_paid_out(
            cursor,
            [
                recording.PaidOutLine(line_id, amount, currency)
                for line_id, amount, currency in lines
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
                "donations": len(lines),
                "paid_at": to_rfc3339(paid_at_us),
            }
        ],
        paid_at_us,
    )
