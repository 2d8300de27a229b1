"""``dermawan check-ledger``: exit 1 when any transaction or balance is off."""

from __future__ import annotations

from typing import Any

from dermawan.core.output import EXIT_CHECK_FAILED, EXIT_OK, DermawanCommand
from dermawan.ledger.checks import check_ledger


class Command(DermawanCommand):
    help = "Prove that every transaction balances and every stored balance equals its postings."

    def run(self, **options: Any) -> dict[str, Any]:
        return check_ledger()

    def exit_code(self, document: dict[str, Any]) -> int:
        return EXIT_OK if document["ok"] else EXIT_CHECK_FAILED

    def render(self, d: dict[str, Any]) -> str:
        verdict = "Ledger OK" if d["ok"] else "Ledger CHECK FAILED"
        return (
            f"{verdict}: {d['transactions']:,} transactions, {d['postings']:,} postings; "
            f"{d['unbalanced']} unbalanced, {d['balance_mismatches']} balance mismatches"
        )
