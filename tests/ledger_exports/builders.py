"""A small ledger that crosses a period's edges, in two currencies, with awkward owner ids."""

from __future__ import annotations

from datetime import datetime

from dermawan.core import bulk
from dermawan.core.instants import EPOCH, ONE_MICROSECOND
from dermawan.ledger.accounts import AccountBook
from dermawan.ledger.journal import Entry, post
from dermawan.ledger.models import Account, Posting
from dermawan.settlement.periods import parse_period, time_zone


def at(text: str) -> int:
    """Microseconds of a wall-clock time in the settlement time zone."""
    moment = datetime.fromisoformat(text).replace(tzinfo=time_zone())
    return (moment - EPOCH) // ONE_MICROSECOND


def entry(kind: str, currency: str, when: str, debit: tuple[str, str], credit: tuple[str, str],
          amount: int, line: int | None = None) -> Entry:  # fmt: skip
    return Entry(kind, currency, line, None, at(when), (debit[0], debit[1], currency),
                 (credit[0], credit[1], currency), amount)  # fmt: skip


PLEDGES, PENDING, PAYABLE = "merchant_pledges", "project_pending", "charity_payable"


def build_ledger() -> None:
    """Before, inside and after September 2026 (Asia/Jakarta); IDR and JPY; odd owners."""
    entries = [
        entry(
            "pledged",
            "IDR",
            "2026-08-15T10:00:00",
            (PLEDGES, "M-001"),
            (PENDING, "P-1"),
            150_075,
            1,
        ),
        entry(
            "confirmed",
            "IDR",
            "2026-08-20T10:00:00",
            (PENDING, "P-1"),
            (PAYABLE, "CH-1"),
            100_000,
            1,
        ),
        # 31 August 23:30 in Jakarta is still August there (16:30 UTC).
        entry(
            "pledged",
            "IDR",
            "2026-08-31T23:30:00",
            (PLEDGES, "toko budi"),
            (PENDING, "P-1"),
            2_500,
            2,
        ),
        # 1 September 00:10 in Jakarta is 31 August in UTC: September's.
        entry("pledged", "IDR", "2026-09-01T00:10:00", (PLEDGES, "M-001"), (PENDING, "p-1"), 99, 3),
        entry(
            "pledged", "JPY", "2026-09-10T12:00:00", (PLEDGES, "Id7"), (PENDING, "P-1"), 1_234, 4
        ),
        entry(
            "reversed",
            "IDR",
            "2026-09-15T08:00:00",
            (PENDING, "P-1"),
            (PLEDGES, "M-001"),
            50_075,
            1,
        ),
        entry(
            "confirmed",
            "JPY",
            "2026-09-30T23:59:59",
            (PENDING, "P-1"),
            (PAYABLE, 'CH "2"'),
            1_000,
            4,
        ),
        entry(
            "confirmed", "IDR", "2026-10-01T00:00:00", (PENDING, "p-1"), (PAYABLE, "CH-1"), 99, 3
        ),
    ]
    post(bulk.raw_cursor(), AccountBook(), entries)


def balances_at(period: str, *, end: bool) -> dict[tuple[str, str, str], int]:
    """(kind, owner, currency) -> balance at the period's start or end, summed by the ORM."""
    bounds = parse_period(period)
    instant = bounds.end_us if end else bounds.start_us
    totals: dict[tuple[str, str, str], int] = {}
    for p in Posting.objects.filter(transaction__occurred_at_us__lt=instant).select_related(
        "account"
    ):
        key = (p.account.kind, p.account.owner_id, p.account.currency)
        totals[key] = totals.get(key, 0) + p.amount_minor
    return {k: v for k, v in totals.items() if v}


def stored_balances() -> dict[tuple[str, str, str], int]:
    return {
        (a.kind, a.owner_id, a.currency): a.balance_minor
        for a in Account.objects.all()
        if a.balance_minor
    }
