"""Which donations a paid payout paid out.

A run records every confirmation and claw-back it settled (SettledLine). A
line is paid out when its net settled amount in a run is positive and the
run's payout to the line's charity in the line's currency is paid, or that
payout failed and a later payout that carried its money back is paid. A
line whose run had nothing to pay its charity (claw-backs ate it) is not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from dermawan.core import bulk
from dermawan.core.instants import to_rfc3339
from dermawan.settlement.models import Payout

# Key of a payout by what it pays: (run, charity, currency).
PayoutKey = tuple[int, str, str]


def paid_out_lines(line_ids: Iterable[int]) -> set[int]:
    """Of these order line pks, those a paid payout covered."""
    ids = sorted(set(line_ids))
    if not ids:
        return set()
    cursor = bulk.raw_cursor()
    net: dict[tuple[int, int], int] = defaultdict(int)
    keys: dict[tuple[int, int], PayoutKey] = {}
    for line_id, run_id, amount, charity_id, currency in bulk.select_in(
        cursor,
        "SELECT s.order_line_id, s.run_id, s.amount_minor, l.charity_id, l.currency "
        "FROM settlement_settledline s JOIN donations_orderline l ON l.id = s.order_line_id "
        "WHERE",
        "s.order_line_id",
        ids,
    ):
        net[(line_id, run_id)] += amount
        keys[(line_id, run_id)] = (run_id, charity_id, currency)
    settled = {pair: keys[pair] for pair, amount in net.items() if amount > 0}
    paid = _paid_keys({key for key in settled.values()})
    return {line_id for (line_id, _), key in settled.items() if key in paid}


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
    mark = "%s" if bulk.vendor() == "postgresql" else "?"
    for p in payouts:
        cursor.execute(
            "SELECT s.order_line_id, sum(s.amount_minor) FROM settlement_settledline s "
            "JOIN donations_orderline l ON l.id = s.order_line_id "
            f"WHERE s.run_id = {mark} AND l.charity_id = {mark} AND l.currency = {mark} "
            "GROUP BY s.order_line_id HAVING sum(s.amount_minor) > 0 ORDER BY s.order_line_id",
            (p.run_id, p.charity_id, p.currency),
        )
        lines += [(int(line_id), int(amount), p.currency) for line_id, amount in cursor]
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
