"""Ledger accounts as hledger and Beancount account names, readable and never ambiguous.

``(kind, owner)`` becomes ``Top:Kind-Name:Owner``; the currency is the
commodity, so one journal account holds a (kind, owner)'s every currency.
An owner id is kept as written when Beancount allows it (its first letter
upper-cased); one it does not allow, or two ids that would read alike,
become ``Id<account id>`` (a form no kept id can take), and the journal
records every owner's real id beside its account (decision 0019).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dermawan.ledger.exports.source import AccountRow

# Where each kind sits in an auditor's chart; a kind added later lands in Assets.
TOP_LEVEL = {
    "merchant_pledges": "Assets",
    "platform_clearing": "Assets",
    "project_pending": "Liabilities",
    "charity_payable": "Liabilities",
    "charity_settled": "Liabilities",
    "payout_draft": "Liabilities",
    "payout_approved": "Liabilities",
    "payout_exported": "Liabilities",
    "platform_fees": "Income",
}
_KEEPABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*\Z", re.ASCII)
_RESERVED = re.compile(r"Id\d+\Z", re.ASCII)
_KIND_PART = re.compile(r"[^A-Za-z0-9]+")


def account_names(accounts: Iterable[AccountRow]) -> dict[int, str]:
    """Ledger account id -> journal account name."""
    rows = list(accounts)
    first_id: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.kind, row.owner_id)
        first_id[key] = min(first_id.get(key, row.id), row.id)
    candidates: dict[tuple[str, str], str | None] = {}
    claimed: dict[tuple[str, str], set[str]] = {}
    for kind, owner in first_id:
        name = owner[:1].upper() + owner[1:] if _KEEPABLE.match(owner) else None
        if name is not None and _RESERVED.match(name):
            name = None
        candidates[(kind, owner)] = name
        if name is not None:
            claimed.setdefault((kind, name), set()).add(owner)
    components: dict[tuple[str, str], str] = {}
    for (kind, owner), name in candidates.items():
        if name is None or len(claimed[(kind, name)]) > 1:
            name = f"Id{first_id[(kind, owner)]}"
        components[(kind, owner)] = f"{TOP_LEVEL.get(kind, 'Assets')}:{kind_name(kind)}:{name}"
    return {row.id: components[(row.kind, row.owner_id)] for row in rows}


def kind_name(kind: str) -> str:
    """``merchant_pledges`` -> ``Merchant-Pledges``."""
    return "-".join(p.capitalize() for p in _KIND_PART.split(kind) if p) or "Other"
