"""Statements per merchant and per charity: CSV sums equal the ledger, the PDF is a
PDF with the figures in it, money in the reader's locale, the fee shown."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

import pytest

from tests.donations.builders import MERCHANT
from tests.settlement.support import (
    ADMIN,
    CHARITY_A,
    donate,
    load_two_charities,
    refund,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_months(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charity A: September 1,000 + 10,000; October a claw-back of 500 and 2,000 new; fee 2.5 %."""
    from dermawan.settlement.runs import settle

    monkeypatch.setenv("DERMAWAN_PLATFORM_FEE_BPS", "250")
    load_two_charities()
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-06T10:00:00Z", price=200_000)
    settle("2026-09", actor=ADMIN)
    refund("o-1", 10_000, at="2026-10-02T10:00:00Z")
    donate("o-3", at="2026-10-03T10:00:00Z", complete_at="2026-10-05T10:00:00Z", price=40_000)
    settle("2026-10", actor=ADMIN)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def pdf_text(document: Any) -> str:
    from weasyprint.formatting_structure.boxes import TextBox

    texts = []
    for page in document.pages:
        texts += [box.text for box in page._page_box.descendants() if isinstance(box, TextBox)]
    return " ".join(texts)


def ledger_moves(kind: str, account_kind: str, owner: str) -> int:
    """What transactions of ``kind`` moved on an account, debits positive."""
    from dermawan.ledger.models import Posting

    return sum(
        Posting.objects.filter(
            transaction__kind=kind, account__kind=account_kind, account__owner_id=owner
        ).values_list("amount_minor", flat=True)
    )


def test_a_charity_statement_balances_and_its_sums_equal_the_ledger(two_months: None) -> None:
    from dermawan.settlement import statements

    october = statements.build(statements.CHARITY, CHARITY_A, "2026-10")
    rows = rows_of(statements.to_csv(october, "en"))
    by_kind: dict[str, int] = defaultdict(int)
    for row in rows:
        assert (row["period"], row["party_id"], row["currency"]) == ("2026-10", CHARITY_A, "IDR")
        by_kind[row["kind"]] += int(row["amount_minor"])
    assert sum(by_kind.values()) == 0, "a statement's rows sum to zero"
    assert dict(by_kind) == {
        "carried_in": 0, "confirmed": 2_000, "clawed_back": -500, "fee": -38,
        "payout": -1_462, "carried_forward": 0,
    }  # fmt: skip
    # Per line: the confirmation of o-3, the claw-back of o-1.
    lines = [(r["kind"], r["order_id"], r["amount_minor"]) for r in rows if r["order_id"]]
    assert lines == [("confirmed", "o-3", "2000"), ("clawed_back", "o-1", "-500")]
    # The ledger, over both months: settled = net confirmed, fee and payout as stated.
    september = statements.build(statements.CHARITY, CHARITY_A, "2026-09")
    both = rows + rows_of(statements.to_csv(september, "en"))
    net = sum(int(r["amount_minor"]) for r in both if r["kind"] in ("confirmed", "clawed_back"))
    assert -ledger_moves("settled", "charity_settled", CHARITY_A) == net
    assert -ledger_moves("fee", "charity_settled", CHARITY_A) == sum(
        int(r["amount_minor"]) for r in both if r["kind"] == "fee"
    )
    assert -ledger_moves("payout_drafted", "charity_settled", CHARITY_A) == sum(
        int(r["amount_minor"]) for r in both if r["kind"] == "payout"
    )


def test_a_merchant_statement_sums_to_its_collection_in_the_ledger(two_months: None) -> None:
    from dermawan.settlement import statements

    total = 0
    for period in ("2026-09", "2026-10"):
        rows = rows_of(statements.to_csv(statements.build("merchant", MERCHANT, period)))
        assert sum(int(r["amount_minor"]) for r in rows) == 0
        total += -sum(int(r["amount_minor"]) for r in rows if r["kind"] == "collection")
    assert total == 11_000 + 2_000 - 500
    assert -ledger_moves("collected", "merchant_pledges", MERCHANT) == total


@pytest.mark.parametrize(
    ("locale", "payout", "fee_rate"),
    [("id", "Rp14,62", "2,5"), ("en", "IDR14.62", "2.5"), ("zh", "IDR14.62", "2.5")],
)
def test_the_pdf_is_branded_and_shows_the_figures_in_the_readers_locale(
    two_months: None, locale: str, payout: str, fee_rate: str
) -> None:
    from dermawan.settlement import statements

    statement = statements.build(statements.CHARITY, CHARITY_A, "2026-10")
    text = pdf_text(statements.to_pdf_document(statement, locale))
    figures = text.replace("\xa0", "").replace(" ", "")
    assert "dermawan" in text
    assert payout in figures, text  # 1,462 minor units of rupiah
    assert fee_rate in text
    assert statements.LABELS[locale]["fee"] in text
    assert statements.to_pdf(statement, locale).startswith(b"%PDF-")


def test_a_statement_of_an_unsettled_period_or_unknown_party_is_refused(two_months: None) -> None:
    from dermawan.settlement import statements

    with pytest.raises(statements.NoStatement, match="period 2026-08 is not settled"):
        statements.build(statements.CHARITY, CHARITY_A, "2026-08")
    with pytest.raises(statements.NoStatement, match="there is no merchant 'nobody'"):
        statements.build(statements.MERCHANT, "nobody", "2026-09")
