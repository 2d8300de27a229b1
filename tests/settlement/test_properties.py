"""Settlement over any history: money is conserved, every confirmed donation is
settled exactly once, claw-backs land in the next run, re-runs change nothing.

A valid history (tests.properties.strategies) arrives in chunks; after each
chunk a month is settled, approved by a second admin and exported, and each
payout is paid, failed or left in flight, as hypothesis draws. The spec model
(tests.properties.model) says what each line's confirmed donation is.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from dermawan.catalog.loader import load_catalog
from tests.properties.harness import PROPERTY, fresh_books, ingest
from tests.properties.model import lines_of
from tests.properties.strategies import History, histories

pytestmark = pytest.mark.django_db

PERIODS = ("2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02")
# Runs happen "later", on a clock of their own, so every month has ended.
LATER_US = 1_900_000_000_000_000
FATES = ("paid", "failed", "in flight")


@PROPERTY
@given(history=histories(max_orphans=0), data=st.data())
def test_settlement_conserves_money_and_settles_each_donation_once(
    history: History, data: st.DataObject
) -> None:
    from dermawan.settlement.approval import approve
    from dermawan.settlement.models import Payout
    from dermawan.settlement.payouts import export_run, mark_failed, mark_paid
    from dermawan.settlement.runs import settle

    events = history.events
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=4), label="cuts"))
    bounds = [0, *cuts, len(events)]
    chunks = [events[a:b] for a, b in itertools.pairwise(bounds)]
    fee = data.draw(st.sampled_from((0, 1, 250, 1_000)), label="fee bps")
    note(f"pledges: {history.catalog['pledges']}; chunks of {[len(c) for c in chunks]}")
    clock = iter(range(LATER_US, LATER_US + 10**9, 1_000_000))
    previous = os.environ.get("DERMAWAN_PLATFORM_FEE_BPS")
    os.environ["DERMAWAN_PLATFORM_FEE_BPS"] = str(fee)
    try:
        with fresh_books():
            load_catalog(history.catalog)
            charity_of = {p["id"]: p["charity_id"] for p in history.catalog["projects"]}
            seen: list[dict[str, Any]] = []
            for period, chunk in zip(PERIODS, [*chunks, []], strict=False):
                ingest([(chunk, 7)])
                seen += chunk
                run = settle(period, actor="user:ayu", at_us=next(clock)).run
                before = _balances()
                assert settle(period, actor="user:ayu", at_us=next(clock)).created is False
                assert _balances() == before, "settling a period again changed the ledger"
                approve(run.pk, actor="user:budi", at_us=next(clock))
                for instruction in export_run(run.pk, actor="user:budi", at_us=next(clock)):
                    fate = data.draw(st.sampled_from(FATES), label="payout fate")
                    if fate == "paid":
                        mark_paid(instruction.reference, actor="bank", paid_at=_at(next(clock)))
                    elif fate == "failed":
                        mark_failed(
                            instruction.reference, actor="bank", reason="returned",
                            at_us=next(clock),
                        )  # fmt: skip
                _assert_settled_as_the_model_says(lines_of(history.catalog, seen), charity_of)
                _assert_paid_out_as_settled()
                _assert_conserved()
                _assert_payout_arithmetic(run.pk)
            # Everything ingested is settled now: each confirmed line exactly once.
            _assert_each_line_settled_once(lines_of(history.catalog, seen))
            assert Payout.objects.filter(amount_minor__lt=0).count() == 0
    finally:
        if previous is None:
            os.environ.pop("DERMAWAN_PLATFORM_FEE_BPS", None)
        else:
            os.environ["DERMAWAN_PLATFORM_FEE_BPS"] = previous


def _at(at_us: int) -> Any:
    from dermawan.core.instants import to_datetime

    return to_datetime(at_us)


def _balances() -> dict[tuple[str, str, str], int]:
    from dermawan.ledger.models import Account

    return {
        (a.kind, a.owner_id, a.currency): a.balance_minor
        for a in Account.objects.all()
        if a.balance_minor
    }


def _kind(kind: str) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (k, _, currency), balance in _balances().items():
        if k == kind:
            totals[currency] += balance
    return totals


def _assert_settled_as_the_model_says(lines: dict[tuple, Any], charity_of: dict[str, str]) -> None:
    """Each run settles everything ingested before it: claw-backs land in the next run."""
    from dermawan.settlement.models import Collection, Payout

    want_charity: dict[tuple[str, str], int] = defaultdict(int)
    want_merchant: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines.values():
        if line.donation and line.completed:
            net = line.donation - line.reversed
            want_charity[(charity_of[line.project_id], line.currency)] += net
            want_merchant[(line.merchant_id, line.currency)] += net
    got_charity: dict[tuple[str, str], int] = defaultdict(int)
    for p in Payout.objects.all():
        got_charity[(p.charity_id, p.currency)] += p.confirmed_minor - p.clawed_back_minor
    got_merchant: dict[tuple[str, str], int] = defaultdict(int)
    for c in Collection.objects.all():
        got_merchant[(c.merchant_id, c.currency)] += c.amount_minor
    drop = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    assert drop(got_charity) == drop(want_charity), "settled per charity vs the model"
    assert drop(got_merchant) == drop(want_merchant), "collected per merchant vs the model"


def _assert_conserved() -> None:
    """Collections = fees + paid + payouts in flight + carried balances, per currency,
    in the settlement tables and in the ledger alike."""
    from dermawan.ledger.checks import check_ledger
    from dermawan.settlement.models import Collection, Payout

    assert check_ledger()["ok"]
    collected: dict[str, int] = defaultdict(int)
    for c in Collection.objects.all():
        collected[c.currency] += c.amount_minor
    fees: dict[str, int] = defaultdict(int)
    paid: dict[str, int] = defaultdict(int)
    in_flight: dict[str, int] = defaultdict(int)
    for p in Payout.objects.all():
        fees[p.currency] += p.fee_minor
        if p.status == Payout.PAID:
            paid[p.currency] += p.amount_minor
        elif p.status in (Payout.DRAFT, Payout.APPROVED, Payout.EXPORTED):
            in_flight[p.currency] += p.amount_minor
    carried = {currency: -balance for currency, balance in _kind("charity_settled").items()}
    for currency in set(collected) | set(fees) | set(paid) | set(carried):
        assert collected[currency] == (
            fees[currency] + paid[currency] + in_flight[currency] + carried.get(currency, 0)
        ), f"conservation in {currency}"
        assert _kind("platform_clearing").get(currency, 0) == collected[currency] - paid[currency]
        assert -_kind("platform_fees").get(currency, 0) == fees[currency]
        in_ledger = sum(
            -_kind(kind).get(currency, 0)
            for kind in ("payout_draft", "payout_approved", "payout_exported")
        )
        assert in_ledger == in_flight[currency], f"payouts in flight in {currency}"


def _assert_payout_arithmetic(run_id: int) -> None:
    """carried in + confirmed - clawed back - fee = payout + carried forward; payout >= 0;
    what a charity carries in is what it carried forward plus what failed since."""
    from dermawan.settlement.models import Payout

    for p in Payout.objects.filter(run_id=run_id):
        assert p.amount_minor >= 0
        assert p.carried_out_minor <= 0 or p.amount_minor == 0 or p.carried_out_minor == 0
        assert (
            p.carried_in_minor + p.confirmed_minor - p.clawed_back_minor - p.fee_minor
            == p.amount_minor + p.carried_out_minor
        ), p
        if p.amount_minor > 0:
            assert p.carried_out_minor == 0, "a payout leaves nothing behind but a debt"
        earlier = (
            Payout.objects.filter(charity_id=p.charity_id, currency=p.currency, run_id__lt=run_id)
            .order_by("-run_id")
            .first()
        )
        failed_since = sum(
            f.amount_minor
            for f in Payout.objects.filter(
                charity_id=p.charity_id, currency=p.currency, status=Payout.FAILED,
                failed_at_us__lt=p.run.created_at_us,
            )
            if earlier is None or f.failed_at_us > earlier.run.created_at_us  # type: ignore[operator]
        )  # fmt: skip
        carried_before = 0 if earlier is None else earlier.carried_out_minor
        assert p.carried_in_minor == carried_before + failed_since, p


def _settled_per_run() -> dict[int, dict[int, int]]:
    """Run -> order line pk -> net amount it settled, read back by the readers
    of effects.py (confirmations from the lines, claw-backs from the ledger);
    checked against the ledger's own effects sorted into runs by the
    rectangle rule, with no stored line."""
    from dermawan.core import bulk
    from dermawan.settlement import effects
    from dermawan.settlement.models import Run

    cursor = bulk.raw_cursor()
    per_run: dict[int, dict[int, int]] = {}
    for run in Run.objects.order_by("period_end_us"):
        per_run[run.pk] = {
            line_id: net for line_id, _, _, net in effects.settled_nets(cursor, run) if net
        }
    assert per_run == _settled_per_run_from_the_ledger(), "readers vs the ledger's effects"
    return per_run


def _settled_per_run_from_the_ledger() -> dict[int, dict[int, int]]:
    """The same, from every posting on charity_payable of a confirmation or a reversal."""
    from dermawan.core import bulk
    from dermawan.settlement import effects

    runs = effects.rectangles()
    per_run: dict[int, dict[int, int]] = {r.run_id: defaultdict(int) for r in runs}
    cursor = bulk.raw_cursor()
    cursor.execute(
        "SELECT t.id, t.occurred_at_us, t.order_line_id, -p.amount_minor FROM ledger_posting p "
        "JOIN ledger_transaction t ON t.id = p.transaction_id "
        "JOIN ledger_account a ON a.id = p.account_id "
        "WHERE a.kind = 'charity_payable' AND t.kind IN ('confirmed', 'reversed')"
    )
    for txn, at, line_id, amount in cursor.fetchall():
        run_id = effects.settling_run(runs, txn, at)
        if run_id is not None:
            per_run[run_id][line_id] += amount
    return {run_id: {k: v for k, v in nets.items() if v} for run_id, nets in per_run.items()}


def _assert_each_line_settled_once(lines: dict[tuple, Any]) -> None:
    from dermawan.donations.models import OrderLine

    settled: dict[int, int] = defaultdict(int)
    for per_line in _settled_per_run().values():
        for line_id, amount in per_line.items():
            settled[line_id] += amount
    for row in OrderLine.objects.all():
        line = lines[(row.order_id, row.line_id)]
        want = line.donation - line.reversed if line.completed else 0
        assert settled.get(row.pk, 0) == want, f"line {row.order_id}/{row.line_id}"


def _assert_paid_out_as_settled() -> None:
    """Each run's figures are the sums of the effects read back, and receipts'
    ``paid_out`` (which reads no amount) and the paid-out leaves of a payout
    (``lines_paid_by``) are "a positive net in a run whose payout was paid, or
    repaid by a later one"."""
    from dermawan.core import bulk
    from dermawan.donations.models import OrderLine
    from dermawan.settlement.models import Payout
    from dermawan.settlement.paid import lines_paid_by, paid_out_lines

    per_run = _settled_per_run()
    where = {row.pk: (row.charity_id, row.currency) for row in OrderLine.objects.all()}
    paid = {
        (p.run_id, p.charity_id, p.currency)
        for p in Payout.objects.all()
        if p.status == Payout.PAID or (p.status == Payout.FAILED and p.repaid_by_id is not None)
    }
    want, want_runs = set(), set()
    for run_id, per_line in per_run.items():
        nets: dict[tuple[str, str], int] = defaultdict(int)
        for line_id, amount in per_line.items():
            nets[where[line_id]] += amount
            if amount > 0 and (run_id, *where[line_id]) in paid:
                want.add(line_id)
                want_runs.add((run_id, line_id))
        for p in Payout.objects.filter(run_id=run_id):
            assert nets.pop((p.charity_id, p.currency), 0) == (
                p.confirmed_minor - p.clawed_back_minor
            ), p
        assert not any(nets.values()), f"run {run_id} settled lines no payout shows: {nets}"
    assert paid_out_lines(where) == want
    # All payouts at once, one scan per run, as marking a run's payouts paid reads them.
    covered = [
        p
        for p in Payout.objects.select_related("run")
        if (p.run_id, p.charity_id, p.currency) in paid
    ]
    leaves = lines_paid_by(bulk.raw_cursor(), covered)
    assert {
        (p.run_id, line_id, amount) for p in covered for line_id, amount, _ in leaves[p.pk]
    } == {(run_id, line_id, per_run[run_id][line_id]) for run_id, line_id in want_runs}
