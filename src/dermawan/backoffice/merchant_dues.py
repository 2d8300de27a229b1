"""What a merchant owes: its ledger balance, and what each settlement run collected.

The ledger's ``merchant_pledges`` account (one row per merchant and currency,
its balance stored) holds what the merchant has pledged and not yet paid
over: donations still waiting for buyers as well as confirmed ones. Each
settlement run's ``Collection`` is what the merchant owed for that period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dermawan.ledger.models import Account

RECENT_RUNS = 12


@dataclass(frozen=True)
class Dues:
    outstanding: list[tuple[str, int]]  # (currency, minor) owed, not yet collected
    collections: list[Any]  # settlement Collections, newest period first


def dues(merchant_id: str) -> Dues:
    outstanding = [
        (a.currency, a.balance_minor)
        for a in Account.objects.filter(
            kind=Account.MERCHANT_PLEDGES, owner_id=merchant_id
        ).order_by("currency")
        if a.balance_minor
    ]
    return Dues(outstanding, collections(merchant_id))


def collections(merchant_id: str, limit: int = RECENT_RUNS) -> list[Any]:
    return list(collections_query(merchant_id)[:limit])


def collections_query(merchant_id: str) -> Any:
    """The merchant's collections, newest period first (one per run and currency)."""
    from dermawan.settlement.models import Collection

    return (
        Collection.objects.filter(merchant_id=merchant_id)
        .select_related("run")
        .order_by("-run__period_end_us", "currency")
    )
