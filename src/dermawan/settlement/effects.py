"""Which run settled which ledger effect: the rectangle rule, read set-based
(decisions 0029, 0032).

An effect is a confirmation or a claw-back. Runs go in period order and both
bounds of a run's rectangle (transaction id <= watermark, occurred before the
period's end) only grow, so an effect (transaction id t, occurred at d) is
settled by the first run, by period, with t <= watermark and d < period end.

The two kinds are read from two places, by that one rule. A confirmation is
stored on its order line (``confirmed_txn_id``, ``confirmed_at_us``,
``confirmed_minor``: the engine's confirmed transaction, its credit to
``charity_payable``); a claw-back is a reversal transaction that debits
``charity_payable``, a few per hundred donations. No row per effect is
stored: a run keeps the range of line ids and of transaction ids its effects
lie in, and the readers here select the same effects again (the run itself,
statements, paid-out leaves, receipts).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dermawan.core import bulk
from dermawan.settlement.models import Run

# A claw-back: a reversal after confirmation, which debits charity_payable
# (``in_accounts``); ``t.amount_minor`` is what it takes back.
CLAW_BACK = "t.kind = 'reversed'"


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


def previous(run: Run) -> Run | None:
    return (
        Run.objects.filter(period_end_us__lt=run.period_end_us).order_by("-period_end_us").first()
    )


def newly_held(txn: str, at: str) -> str:
    """SQL: the effect (transaction id ``txn``, occurred at ``at``) is in a run's
    rectangle less the previous run's; parameters as ``newly_held_params``."""
    mark = bulk.marks(1)
    return f"{txn} <= {mark} AND {at} < {mark} AND NOT ({txn} <= {mark} AND {at} < {mark})"


def newly_held_params(run: Run, before: Run | None) -> list[Any]:
    return [
        run.watermark,
        run.period_end_us,
        before.watermark if before else 0,
        before.period_end_us if before else 0,
    ]


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
    """``t.debit_account_id`` among ``accounts``: SQL and parameters."""
    if bulk.vendor() == "postgresql":
        return "t.debit_account_id = ANY(%s)", [accounts]
    return f"t.debit_account_id IN ({bulk.marks(len(accounts))})", list(accounts)


def confirmations(run: Run) -> tuple[str, list[Any]]:
    """FROM and WHERE of the order lines ``l`` whose confirmation ``run`` settled."""
    sql = (
        "FROM donations_orderline l "
        f"WHERE l.id >= {bulk.marks(1)} AND l.id <= {bulk.marks(1)} "
        f"AND {newly_held('l.confirmed_txn_id', 'l.confirmed_at_us')}"
    )
    return sql, [run.first_line_id, run.last_line_id, *newly_held_params(run, previous(run))]


def claw_backs(run: Run, accounts: list[int]) -> tuple[str, list[Any]]:
    """FROM and WHERE of the claw-backs ``run`` settled on ``accounts`` (charity_payable):
    the transaction ``t`` and its order line ``l``."""
    within, accounts_params = in_accounts(accounts)
    sql = (
        "FROM ledger_transaction t JOIN donations_orderline l ON l.id = t.order_line_id "
        f"WHERE t.id >= {bulk.marks(1)} AND t.id <= {bulk.marks(1)} AND {within} "
        f"AND {CLAW_BACK} AND {newly_held('t.id', 't.occurred_at_us')}"
    )
    params = [
        run.first_transaction_id,
        run.last_transaction_id,
        *accounts_params,
        *newly_held_params(run, previous(run)),
    ]
    return sql, params


def settled_nets(
    cursor: Any, run: Run, charities: set[str] | None = None
) -> Iterator[tuple[int, str, str, int]]:
    """(order line pk, charity, currency, net) of each line ``run`` settled an effect
    of (of ``charities``, when given): its confirmation less its claw-backs.

    The claw-backs are few and read first; the confirmations (a month of
    donations) stream past them, one scan of the run's range of lines.
    """
    accounts = payable_accounts(cursor)
    if not accounts or not run.lines or charities == set():
        return
    of_charities, charity_params = "", []
    if charities is not None:
        of_charities = f" AND l.charity_id IN ({bulk.marks(len(charities))})"
        charity_params = sorted(charities)
    clawed, params = claw_backs(run, accounts)
    cursor.execute(
        f"SELECT l.id, l.charity_id, l.currency, sum(t.amount_minor) {clawed}{of_charities} "
        "GROUP BY l.id, l.charity_id, l.currency",
        [*params, *charity_params],
    )
    claws = {int(line_id): (c, cur, int(amount)) for line_id, c, cur, amount in cursor.fetchall()}
    confirmed, params = confirmations(run)
    cursor.execute(
        f"SELECT l.id, l.charity_id, l.currency, l.confirmed_minor {confirmed}{of_charities}",
        [*params, *charity_params],
    )
    for line_id, charity_id, currency, amount in cursor:
        claw = claws.pop(int(line_id), None)
        yield int(line_id), charity_id, currency, int(amount) - (claw[2] if claw else 0)
    for line_id, (charity_id, currency, amount) in claws.items():  # confirmed by an earlier run
        yield line_id, charity_id, currency, -amount
