"""What the settlement tests share: a catalog, events by month, ledger figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from tests.donations.builders import (
    MERCHANT,
    catalog,
    charity,
    completed,
    ingest,
    load,
    merchant,
    paid,
    percent_pledge,
    project,
    refunded,
)

CHARITY_A = "yayasan-pangan"
CHARITY_B = "rumah-belajar"
PROJECT_A = "makan-siang"
PROJECT_B = "buku-desa"
MERCHANT_B = "toko-batik"
ADMIN, SECOND_ADMIN = "user:ayu", "user:budi"
PAID_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def load_two_charities() -> None:
    """MERCHANT gives 5 % to PROJECT_A (CHARITY_A); MERCHANT_B 10 % to PROJECT_B (CHARITY_B)."""
    load(
        catalog(
            percent_pledge("pl-a", basis_points=500, project_id=PROJECT_A),
            percent_pledge(
                "pl-b", basis_points=1_000, merchant_id=MERCHANT_B, project_id=PROJECT_B
            ),
            charities=[charity(CHARITY_A), charity(CHARITY_B)],
            projects=[project(PROJECT_A), project(PROJECT_B, charity_id=CHARITY_B)],
            merchants=[merchant(MERCHANT), merchant(MERCHANT_B)],
        )
    )


def donate(
    order: str,
    *,
    at: str,
    complete_at: str | None = None,
    merchant_id: str = MERCHANT,
    price: int = 20_000,
    currency: str = "IDR",
) -> None:
    """A paid line (and its completion), accepted."""
    events = [
        paid(f"{order}-paid", order, occurred_at=at, merchant_id=merchant_id,
             unit_price_minor=price, currency=currency)
    ]  # fmt: skip
    if complete_at is not None:
        events.append(completed(f"{order}-done", order, occurred_at=complete_at))
    report = ingest(*events)
    assert report.rejects == [], report.rejects


def complete(order: str, *, at: str) -> None:
    report = ingest(completed(f"{order}-done", order, occurred_at=at))
    assert report.rejects == [], report.rejects


def refund(order: str, amount: int, *, at: str, number: int = 1) -> None:
    report = ingest(
        refunded(f"{order}-refund-{number}", order, refund_minor=amount, occurred_at=at)
    )
    assert report.rejects == [], report.rejects


def balances() -> dict[tuple[str, str, str], int]:
    from dermawan.ledger.models import Account

    return {
        (a.kind, a.owner_id, a.currency): a.balance_minor
        for a in Account.objects.all()
        if a.balance_minor
    }


def kind_totals() -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for (kind, _, currency), balance in balances().items():
        totals[(kind, currency)] += balance
    return dict(totals)


def ledger_ok() -> dict[str, Any]:
    from dermawan.ledger.checks import check_ledger

    result = check_ledger()
    assert result["ok"], result
    return result
