"""The matcher never guesses: a line settles a payout only when everything agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dermawan.banking.reconciliation import (
    ALREADY_SETTLED,
    CONFLICT,
    DUPLICATE_LINE,
    FAILED,
    MALFORMED,
    NOT_BOOKED,
    PAID,
    RETURNED_LATER,
    UNKNOWN_REFERENCE,
    WRONG_AMOUNT,
    WRONG_CURRENCY,
    WRONG_DIRECTION,
    Earlier,
    match,
)
from dermawan.banking.statements import BadLine, StatementLine


@dataclass(frozen=True)
class Payout:
    reference: str
    amount_minor: int
    currency: str = "IDR"
    status: str = "exported"


def line(ref: str, amount: int, *, where: str = "", currency: str = "IDR",
         direction: str = "debit", status: str = "booked") -> StatementLine:  # fmt: skip
    return StatementLine(where or f"line {ref}", ref, amount, currency, date(2026, 10, 5),
                         direction, status)  # fmt: skip


def outcomes(lines: list[StatementLine | BadLine], payouts: list[Payout],
             earlier: dict[tuple[str, str], Earlier] | None = None) -> list[str]:  # fmt: skip
    return [o.outcome for o in match(lines, {p.reference: p for p in payouts}, earlier or {})]


def test_an_exact_booked_debit_pays_and_an_exact_return_fails() -> None:
    payouts = [Payout("A", 1_000), Payout("B", 2_000)]
    assert outcomes([line("A", 1_000), line("B", 2_000, direction="credit", status="returned")],
                    payouts) == [PAID, FAILED]  # fmt: skip


def test_each_kind_of_bad_line_is_reported_for_itself() -> None:
    payouts = [Payout("A", 1_000), Payout("B", 1_000), Payout("C", 1_000), Payout("D", 1_000),
               Payout("E", 1_000)]  # fmt: skip
    found = match(
        [
            line("A", 999),
            line("B", 1_001),
            line("C", 1_000, currency="USD"),
            line("D", 1_000, direction="credit"),
            line("Z", 1_000),
            BadLine("line 9", "E", "amount: 'x' is not a decimal amount"),
            line("E", 1_000, where="line 10"),
            line("E", 1_000, where="line 11"),
        ],
        {p.reference: p for p in payouts},
        {},
    )
    assert [(o.where, o.outcome) for o in found] == [
        ("line A", WRONG_AMOUNT), ("line B", WRONG_AMOUNT), ("line C", WRONG_CURRENCY),
        ("line D", WRONG_DIRECTION), ("line Z", UNKNOWN_REFERENCE), ("line 9", MALFORMED),
        ("line 10", PAID), ("line 11", DUPLICATE_LINE),
    ]  # fmt: skip
    assert found[0].detail == "partial: the line is 999 minor units, the payout 1000"
    assert not found[1].detail.startswith("partial")
    assert found[7].detail == "the same booked line as line 10"
    assert [o.bad for o in found] == [True] * 6 + [False, True]


def test_settled_payouts_and_earlier_imports_are_already_settled() -> None:
    payouts = [Payout("A", 1_000, status="paid"), Payout("B", 1_000, status="failed"),
               Payout("C", 1_000, status="paid")]  # fmt: skip
    earlier = {("C", "booked"): Earlier(1_000, "IDR", "entry 1", "ab" * 32)}
    assert outcomes(
        [line("A", 1_000), line("B", 1_000, direction="credit", status="returned"),
         line("C", 1_000)],
        payouts, earlier,
    ) == [ALREADY_SETTLED] * 3  # fmt: skip


def test_a_payout_cannot_be_paid_after_it_failed_or_returned_after_it_was_paid() -> None:
    payouts = [Payout("A", 1_000, status="failed"), Payout("B", 1_000, status="paid"),
               Payout("C", 1_000, status="approved")]  # fmt: skip
    assert outcomes(
        [line("A", 1_000), line("B", 1_000, direction="credit", status="returned"),
         line("C", 1_000)],
        payouts,
    ) == [CONFLICT] * 3  # fmt: skip


def test_a_booking_returned_in_the_same_statement_is_settled_by_the_return() -> None:
    assert outcomes(
        [line("A", 1_000), line("A", 1_000, direction="credit", status="returned")],
        [Payout("A", 1_000)],
    ) == [RETURNED_LATER, FAILED]


def test_a_pending_line_changes_nothing_but_must_still_agree() -> None:
    assert outcomes(
        [line("A", 1_000, status="pending"), line("B", 5, status="pending")],
        [Payout("A", 1_000), Payout("B", 1_000)],
    ) == [NOT_BOOKED, WRONG_AMOUNT]
