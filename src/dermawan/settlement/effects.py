"""Which run settled which ledger effect: the rectangle rule, read set-based (decision 0029).

An effect is one of the engine's postings on ``charity_payable``: a
confirmation credits it, a claw-back debits it. Runs go in period order and
both bounds of a run's rectangle (transaction id <= watermark, occurred
before the period's end) only grow, so an effect (transaction id t, occurred
at d) is settled by the first run, by period, with t <= watermark and
d < period end. No row per effect is stored: the run keeps the range of
posting ids its effects lie in, and the readers here select the same
effects again from the ledger (statements, paid-out leaves, receipts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dermawan.core import bulk
from dermawan.settlement.models import Run

# The engine's transaction kinds that post on charity_payable.
EFFECT_KINDS = "('confirmed', 'reversed')"


@dataclass(frozen=True)
class Rectangle:
    run_id: int
    watermark: int
    end_us: int

    def holds(self, transaction_id: int, occurred_at_us: int) -> bool:
        return transaction_id <= self.watermark and occurred_at_us < self.end_us


def rectangles() -> list[Rectangle]:
    """Every run's rectangle, in period order (a run a month: a short list)."""
    return [
        Rectangle(run_id, watermark, end_us)
        for run_id, watermark, end_us in Run.objects.order_by("period_end_us").values_list(
            "id", "watermark", "period_end_us"
        )
    ]


def settling_run(runs: Sequence[Rectangle], transaction_id: int, occurred_at_us: int) -> int | None:
    """The run that settled this effect (None: not settled yet)."""
    for rectangle in runs:
        if rectangle.holds(transaction_id, occurred_at_us):
            return rectangle.run_id
    return None


def payable_accounts(
    cursor: Any, charity_id: str | None = None, currency: str | None = None
) -> list[int]:
    """Ids of the charity_payable accounts (of one charity, in one currency, when given)."""
    sql = "SELECT id FROM ledger_account WHERE kind = 'charity_payable'"
    params: list[Any] = []
    if charity_id is not None:
        sql, params = sql + f" AND owner_id = {bulk.marks(1)}", [*params, charity_id]
    if currency is not None:
        sql, params = sql + f" AND currency = {bulk.marks(1)}", [*params, currency]
    cursor.execute(sql + " ORDER BY id", params)
    return [int(row[0]) for row in cursor.fetchall()]


def in_accounts(accounts: list[int]) -> tuple[str, list[Any]]:
    """``p.account_id`` among ``accounts``: SQL and parameters."""
    if bulk.vendor() == "postgresql":
        return "p.account_id = ANY(%s)", [accounts]
    return f"p.account_id IN ({bulk.marks(len(accounts))})", list(accounts)


def run_effects(run: Run, join: str = "") -> tuple[str, list[Any]]:
    """FROM and WHERE (but the accounts) of the postings ``run`` settled.

    Names ``p`` (the posting, on charity_payable once the caller restricts
    the accounts: ``in_accounts``) and ``t`` (its transaction), plus what
    ``join`` adds, inside the run's range of posting ids.
    """
    previous = (
        Run.objects.filter(period_end_us__lt=run.period_end_us).order_by("-period_end_us").first()
    )
    prev_watermark, prev_end = (previous.watermark, previous.period_end_us) if previous else (0, 0)
    sql = (
        f"FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id {join} "
        f"WHERE p.id >= {bulk.marks(1)} AND p.id <= {bulk.marks(1)} AND t.kind IN {EFFECT_KINDS} "
        f"AND t.id <= {bulk.marks(1)} AND t.occurred_at_us < {bulk.marks(1)} "
        f"AND NOT (t.id <= {bulk.marks(1)} AND t.occurred_at_us < {bulk.marks(1)})"
    )
    params = [
        run.first_posting_id,
        run.last_posting_id,
        run.watermark,
        run.period_end_us,
        prev_watermark,
        prev_end,
    ]
    return sql, params
