"""Auditor exports: hledger and Beancount accept them, and their balances are dermawan's."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from dermawan.core.money import CURRENCY_EXPONENTS
from dermawan.core.output import BadInput
from dermawan.ledger.exports.export import export_ledger
from dermawan.ledger.exports.names import account_names
from dermawan.ledger.exports.source import AccountRow
from dermawan.ledger.models import Account
from tests.ledger_exports.builders import balances_at, build_ledger, stored_balances

pytestmark = pytest.mark.django_db
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
Balances = dict[tuple[str, str, str], int]


def export(period: str, fmt: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{period}.{fmt}"
    with out.open("w", encoding="utf-8", newline="") as stream:
        export_ledger(period, fmt, stream)
    return out


def minor(amount: Decimal, currency: str) -> int:
    scaled = amount * 10 ** CURRENCY_EXPONENTS[currency]
    assert scaled == scaled.to_integral_value(), f"{amount} {currency} is not whole minor units"
    return int(scaled)


def journal_keys() -> dict[str, tuple[str, str]]:
    """Journal account name -> (kind, owner)."""
    accounts = list(Account.objects.all())
    names = account_names(AccountRow(a.pk, a.kind, a.owner_id, a.currency) for a in accounts)
    return {names[a.pk]: (a.kind, a.owner_id) for a in accounts}


def hledger_balances(path: Path) -> Balances:
    hledger = shutil.which("hledger")
    if hledger is None:
        message = "hledger is not installed: apt-get install -y hledger"
        if IN_CI:
            pytest.fail(f"CI needs it: {message}")
        pytest.skip(message)
    check = subprocess.run([hledger, "-f", str(path), "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    shown = subprocess.run(
        [hledger, "-f", str(path), "balance", "--flat", "--no-total", "--layout=bare",
         "-O", "csv"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    keys = journal_keys()
    found: Balances = {}
    for row in list(csv.reader(io.StringIO(shown.stdout)))[1:]:
        account, commodity, amount = row
        kind, owner = keys[account]
        value = minor(Decimal(amount.replace(commodity, "").strip()), commodity)
        if value:
            found[(kind, owner, commodity)] = value
    return found


def beancount_balances(path: Path) -> Balances:
    from beancount import loader
    from beancount.core import realization

    entries, errors, _ = loader.load_file(str(path))
    assert errors == [], [e.message for e in errors]
    keys = journal_keys()
    found: Balances = {}
    for node in realization.iter_children(realization.realize(entries)):
        if node.account not in keys:
            continue
        kind, owner = keys[node.account]
        for position in node.balance:
            value = minor(position.units.number, position.units.currency)
            if value:
                found[(kind, owner, position.units.currency)] = value
    return found


def csv_balances(path: Path) -> Balances:
    found: Balances = {}
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            key = (row["account_kind"], row["account_owner"], row["currency"])
            amount = int(row["amount_minor"])
            assert minor(Decimal(row["amount"]), row["currency"]) == amount
            found[key] = found.get(key, 0) + amount
    return {k: v for k, v in found.items() if v}


READERS = {"hledger": hledger_balances, "beancount": beancount_balances, "csv": csv_balances}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_balances_at_the_period_end_equal_dermawans(fmt: str, tmp_path: Path) -> None:
    build_ledger()
    closing = balances_at("2026-09", end=True)
    assert closing != stored_balances()  # October's transaction is not in September's books
    assert READERS[fmt](export("2026-09", fmt, tmp_path)) == closing


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_the_last_period_ends_on_the_stored_balances(fmt: str, tmp_path: Path) -> None:
    build_ledger()
    assert READERS[fmt](export("2026-10", fmt, tmp_path)) == stored_balances()


def test_opening_balances_carry_the_earlier_periods(tmp_path: Path) -> None:
    build_ledger()
    opening = balances_at("2026-09", end=False)
    found: Balances = {}
    with export("2026-09", "csv", tmp_path).open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["kind"] == "opening_balance":
                key = (row["account_kind"], row["account_owner"], row["currency"])
                found[key] = int(row["amount_minor"])
    assert found == opening
    # 23:30 on 31 August in Jakarta is August's; 00:10 on 1 September is September's.
    assert opening[("merchant_pledges", "toko budi", "IDR")] == 2_500
    assert ("merchant_pledges", "Id7", "JPY") not in opening


def test_a_period_with_no_transactions_is_only_its_balances(tmp_path: Path) -> None:
    build_ledger()
    path = export("2026-12", "beancount", tmp_path)
    assert beancount_balances(path) == stored_balances()
    assert "transaction_id" not in path.read_text()


def test_owner_ids_that_beancount_cannot_spell_get_unambiguous_names() -> None:
    rows = [
        AccountRow(1, "project_pending", "P-1", "IDR"),
        AccountRow(2, "project_pending", "p-1", "IDR"),  # would read as P-1
        AccountRow(3, "merchant_pledges", "toko budi", "IDR"),  # a space
        AccountRow(4, "merchant_pledges", "Id3", "IDR"),  # looks like a generated name
        AccountRow(5, "merchant_pledges", "M-001", "IDR"),
        AccountRow(6, "merchant_pledges", "M-001", "JPY"),
        AccountRow(7, "payout_surprise", "x", "IDR"),
    ]
    names = account_names(rows)
    assert names[5] == names[6] == "Assets:Merchant-Pledges:M-001"
    assert names[1] == "Liabilities:Project-Pending:Id1"
    assert names[2] == "Liabilities:Project-Pending:Id2"
    assert names[3] == "Assets:Merchant-Pledges:Id3"
    assert names[4] == "Assets:Merchant-Pledges:Id4"
    assert names[7] == "Assets:Payout-Surprise:X"
    assert len({names[i] for i in (1, 2, 3, 4, 5, 7)}) == 6


def test_the_command_writes_the_file_and_refuses_a_bad_period(tmp_path: Path) -> None:
    build_ledger()
    out = tmp_path / "sep.beancount"
    call_command("export_ledger", "--period", "2026-09", "--format", "beancount", "--out", str(out))
    assert beancount_balances(out) == balances_at("2026-09", end=True)
    with pytest.raises(BadInput, match="YYYY-MM"):
        call_command("export_ledger", "--period", "2026-13", "--format", "csv",
                     "--out", str(tmp_path / "x.csv"))  # fmt: skip
    assert not (tmp_path / "x.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sep.beancount"]
