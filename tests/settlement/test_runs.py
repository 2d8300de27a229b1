"""Settlement runs (issue 4): what a period collects and pays, and nothing twice."""

from __future__ import annotations

import pytest

from tests.donations.builders import MERCHANT
from tests.settlement.support import (
    ADMIN,
    CHARITY_A,
    CHARITY_B,
    MERCHANT_B,
    balances,
    complete,
    donate,
    kind_totals,
    ledger_ok,
    load_two_charities,
    refund,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_charities() -> None:
    load_two_charities()


def settle(period: str, actor: str = ADMIN):  # type: ignore[no-untyped-def]
    from dermawan.settlement.runs import settle as run

    return run(period, actor=actor)


def test_a_run_collects_per_merchant_and_pays_per_charity() -> None:
    # 5 % of 20,000 = 1,000 for MERCHANT -> CHARITY_A; 10 % of 30,000 = 3,000 MERCHANT_B -> B.
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    donate("o-2", at="2026-09-04T10:00:00Z", complete_at="2026-09-06T10:00:00Z")
    donate("o-3", at="2026-09-04T10:00:00Z", complete_at="2026-09-07T10:00:00Z",
           merchant_id=MERCHANT_B, price=30_000)  # fmt: skip
    donate("o-4", at="2026-09-04T10:00:00Z")  # never completed: not settled
    settled = settle("2026-09")
    assert settled.created
    run = settled.run
    collections = {(c.merchant_id, c.currency): c.amount_minor for c in run.collections.all()}
    assert collections == {(MERCHANT, "IDR"): 2_000, (MERCHANT_B, "IDR"): 3_000}
    payouts = {(p.charity_id, p.currency): (p.amount_minor, p.status) for p in run.payouts.all()}
    assert payouts == {(CHARITY_A, "IDR"): (2_000, "draft"), (CHARITY_B, "IDR"): (3_000, "draft")}
    assert run.lines == 3
    totals = kind_totals()
    assert totals[("platform_clearing", "IDR")] == 5_000
    assert totals[("payout_draft", "IDR")] == -5_000
    # The pending donation stays where the engine left it.
    assert totals[("project_pending", "IDR")] == -1_000
    assert ("charity_payable", "IDR") not in totals
    ledger_ok()


def test_the_period_is_a_month_in_jakarta_time() -> None:
    # 2026-09-30T17:30Z is 1 October 00:30 in Jakarta: October's, not September's.
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-30T16:59:59Z")
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-30T17:30:00Z")
    run = settle("2026-09").run
    assert [p.amount_minor for p in run.payouts.all()] == [1_000]
    run = settle("2026-10").run
    assert [p.amount_minor for p in run.payouts.all()] == [1_000]


def test_settling_a_period_again_changes_nothing() -> None:
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    first = settle("2026-09")
    before = balances()
    again = settle("2026-09")
    assert not again.created and again.run.pk == first.run.pk
    assert balances() == before


def test_a_late_confirmation_dated_in_a_settled_month_lands_in_the_next_run() -> None:
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    settle("2026-09")
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-20T10:00:00Z")  # arrives late
    assert settle("2026-09").created is False
    october = settle("2026-10").run
    assert [(p.confirmed_minor, p.amount_minor) for p in october.payouts.all()] == [(1_000, 1_000)]
    ledger_ok()


def test_a_claw_back_after_settlement_is_netted_from_the_next_payout() -> None:
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    settle("2026-09")
    refund("o-1", 10_000, at="2026-10-02T10:00:00Z")  # half the line: 500 of the donation back
    donate("o-2", at="2026-10-03T10:00:00Z", complete_at="2026-10-05T10:00:00Z")
    october = settle("2026-10").run
    (payout,) = october.payouts.all()
    assert (payout.confirmed_minor, payout.clawed_back_minor, payout.amount_minor) == (
        1_000, 500, 500,
    )  # fmt: skip
    (collection,) = october.collections.all()
    assert collection.amount_minor == 500
    ledger_ok()


def test_a_payout_never_goes_below_zero_and_the_rest_carries_forward() -> None:
    donate("o-1", at="2026-08-03T10:00:00Z", complete_at="2026-08-05T10:00:00Z")
    settle("2026-08")
    refund("o-1", 20_000, at="2026-09-02T10:00:00Z")  # the whole 1,000 back
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z",
           price=8_000)  # 400  # fmt: skip
    (september,) = settle("2026-09").run.payouts.all()
    assert (september.amount_minor, september.carried_out_minor, september.status) == (
        0, -600, "nothing",
    )  # fmt: skip
    assert balances()[("charity_settled", CHARITY_A, "IDR")] == 600  # the charity owes 600
    donate("o-3", at="2026-10-03T10:00:00Z", complete_at="2026-10-05T10:00:00Z")  # 1,000
    (october,) = settle("2026-10").run.payouts.all()
    assert (october.carried_in_minor, october.amount_minor, october.carried_out_minor) == (
        -600, 400, 0,
    )  # fmt: skip
    ledger_ok()


def test_the_fee_is_taken_in_basis_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERMAWAN_PLATFORM_FEE_BPS", "250")
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z",
           price=200_000)  # D = 10,000  # fmt: skip
    run = settle("2026-09").run
    (payout,) = run.payouts.all()
    assert (run.fee_bps, payout.fee_minor, payout.amount_minor) == (250, 250, 9_750)
    assert kind_totals()[("platform_fees", "IDR")] == -250


@pytest.mark.parametrize("value", ["1001", "-5", "ten", "2.5"])
def test_a_fee_above_ten_percent_or_not_a_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from dermawan.settlement.fees import BadFee
    from dermawan.settlement.models import Run

    monkeypatch.setenv("DERMAWAN_PLATFORM_FEE_BPS", value)
    with pytest.raises(BadFee, match="DERMAWAN_PLATFORM_FEE_BPS"):
        settle("2026-09")
    assert Run.objects.count() == 0


def test_runs_go_in_period_order_and_only_after_the_period() -> None:
    from dermawan.settlement.runs import Refused

    settle("2026-10")
    with pytest.raises(Refused, match="before the last settled period 2026-10"):
        settle("2026-09")
    with pytest.raises(Refused, match="has not ended"):
        settle("2999-01")


@pytest.mark.parametrize("text", ["2026-9", "2026-13", "202609", "Sept"])
def test_a_bad_period_is_refused(text: str) -> None:
    from dermawan.settlement.periods import BadPeriod

    with pytest.raises(BadPeriod, match="YYYY-MM"):
        settle(text)


def test_two_currencies_settle_apart() -> None:
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z",
           currency="SGD", price=10_000)  # fmt: skip
    run = settle("2026-09").run
    got = sorted((p.charity_id, p.currency, p.amount_minor) for p in run.payouts.all())
    assert got == [(CHARITY_A, "IDR", 1_000), (CHARITY_A, "SGD", 500)]


def _line(order: str) -> int:
    from dermawan.donations.models import OrderLine

    return OrderLine.objects.get(order_id=order).pk  # type: ignore[no-any-return]


def _claw_back(order: str) -> int:
    """The id of the transaction that debited charity_payable with ``order``'s claw-back."""
    from dermawan.ledger.models import Transaction

    return Transaction.objects.get(
        debit_account__kind="charity_payable", order_line_id=_line(order), kind="reversed"
    ).pk  # type: ignore[no-any-return]


def _last_transaction() -> int:
    """The last ledger transaction id handed out (on PostgreSQL, the end of its block)."""
    return _tops().transaction


def _last_line() -> int:
    """The last order line id handed out (on PostgreSQL, the end of its block)."""
    return _tops().line


def _tops():  # type: ignore[no-untyped-def]
    from dermawan.core import bulk
    from dermawan.settlement.runs import read_tops

    return read_tops(bulk.raw_cursor())


def test_a_run_keeps_the_ranges_it_settled_and_where_the_next_run_starts_reading() -> None:
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    donate("o-2", at="2026-09-28T10:00:00Z", complete_at="2026-10-01T10:00:00Z")  # October's
    donate("o-3", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    refund("o-3", 10_000, at="2026-09-06T10:00:00Z")  # a claw-back of 500, in September
    last = _last_transaction()
    september = settle("2026-09").run
    assert september.lines == 3  # two confirmations and a claw-back
    assert (september.first_line_id, september.last_line_id) == (_line("o-1"), _line("o-3"))
    assert september.first_transaction_id == september.last_transaction_id == _claw_back("o-3")
    # o-2 waits for October: the next run starts reading lines at it; no
    # claw-back waits, so transactions after the last one written.
    assert september.line_horizon == _line("o-2")
    assert september.horizon == last + 1
    refund("o-1", 20_000, at="2026-10-02T10:00:00Z")  # claws back all of o-1, in October
    donate("o-4", at="2026-10-03T10:00:00Z", complete_at="2026-10-05T10:00:00Z")
    last = _last_transaction()
    october = settle("2026-10").run
    assert october.lines == 3
    assert (october.first_line_id, october.last_line_id) == (_line("o-2"), _line("o-4"))
    assert october.first_transaction_id == october.last_transaction_id == _claw_back("o-1")
    # Nothing left over: the run after starts past every row written before this one.
    assert october.line_horizon == _last_line() + 1
    assert october.horizon == last + 1
    ledger_ok()


def test_a_line_still_pending_holds_the_next_runs_back_until_it_is_settled() -> None:
    """The cost of the line horizon: a pending line keeps later runs reading from it."""
    donate("o-1", at="2026-07-03T10:00:00Z")  # completed only in September
    donate("o-2", at="2026-07-04T10:00:00Z", complete_at="2026-07-05T10:00:00Z")
    july = settle("2026-07").run
    assert july.lines == 1 and july.line_horizon == _line("o-1")
    donate("o-3", at="2026-08-03T10:00:00Z", complete_at="2026-08-05T10:00:00Z")
    august = settle("2026-08").run
    assert august.lines == 1 and august.line_horizon == _line("o-1")
    # Completed in September, but dated in (settled) August: September's run.
    complete("o-1", at="2026-08-20T10:00:00Z")
    september = settle("2026-09").run
    assert september.lines == 1
    assert (september.first_line_id, september.last_line_id) == (_line("o-1"), _line("o-1"))
    assert september.line_horizon == _last_line() + 1
    payouts = {p.run_id: p.confirmed_minor for p in september.payouts.all()}
    assert payouts == {september.pk: 1_000}
    ledger_ok()


def test_a_line_reversed_in_full_while_pending_does_not_hold_runs_back() -> None:
    donate("o-1", at="2026-09-03T10:00:00Z")
    refund("o-1", 20_000, at="2026-09-04T10:00:00Z")  # nothing left to confirm
    donate("o-2", at="2026-09-04T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    september = settle("2026-09").run
    assert september.lines == 1 and september.line_horizon == _last_line() + 1
