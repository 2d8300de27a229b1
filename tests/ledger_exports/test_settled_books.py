"""A ledger with settlement in it (collections, fees, payouts paid) exports and balances too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import timezone

from dermawan.ledger.models import Account
from dermawan.settlement.periods import time_zone
from tests.ledger_exports.builders import stored_balances
from tests.ledger_exports.test_exports import READERS, export
from tests.settlement.support import ADMIN, MERCHANT_B, donate, ledger_ok, load_two_charities

pytestmark = pytest.mark.django_db


def settled_and_paid() -> None:
    from dermawan.settlement.approval import approve
    from dermawan.settlement.payouts import export_run, mark_paid
    from dermawan.settlement.runs import settle

    load_two_charities()
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z",
           merchant_id=MERCHANT_B, price=30_000)  # fmt: skip
    donate("o-3", at="2026-09-20T10:00:00Z")  # still pending
    run = settle("2026-09", actor=ADMIN).run
    approve(run.pk, actor="user:budi")
    first, _ = export_run(run.pk, actor="user:budi")
    mark_paid(first.reference, actor="cli:ayu", paid_at=datetime(2026, 10, 5, tzinfo=UTC))
    ledger_ok()


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_settlement_accounts_export_and_balance(fmt: str, tmp_path: Path) -> None:
    settled_and_paid()
    kinds = set(Account.objects.values_list("kind", flat=True))
    assert {"platform_clearing", "payout_exported", "charity_settled"} <= kinds
    # Settlement books at the time it runs: the current month holds the last of it.
    this_month = timezone.now().astimezone(time_zone()).strftime("%Y-%m")
    assert READERS[fmt](export(this_month, fmt, tmp_path)) == stored_balances()
