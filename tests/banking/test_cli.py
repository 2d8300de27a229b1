"""The commands as a user runs them: JSON out, exit 2 on bad input with nothing written."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.banking.statement_files import statement_csv
from tests.conftest import run_dermawan


def test_bank_account_and_reconcile_exit_codes(scratch_database_url: str, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_bytes(orjson.dumps({
        "charities": [{"id": "CH-1", "name": "Yayasan Satu", "country": "ID", "verified": True}],
        "projects": [], "merchants": [], "pledges": [],
    }))  # fmt: skip
    loaded = run_dermawan(scratch_database_url, "load-catalog", str(catalog), check=False)
    assert loaded.returncode == 0, loaded.stderr

    bad = run_dermawan(scratch_database_url, "bank-account", "add", "--charity", "CH-1",
                       "--holder", "Y", "--currency", "IDR", "--iban", "DE00370400440532013000",
                       check=False)  # fmt: skip
    assert bad.returncode == 2
    assert "iban: 'DE00370400440532013000' is not a valid IBAN" in bad.stderr

    good = run_dermawan(scratch_database_url, "bank-account", "--json", "add", "--charity",
                        "CH-1", "--holder", "Y", "--currency", "IDR", "--bank-code", "014",
                        "--account-number", "8730012345")  # fmt: skip
    assert orjson.loads(good.stdout)["account"]["account_number"] == "8730012345"
    listed = run_dermawan(scratch_database_url, "bank-account", "list", "--json")
    assert len(orjson.loads(listed.stdout)["accounts"]) == 1

    statement = tmp_path / "statement.csv"
    statement.write_text(statement_csv(("DRM-UNKNOWN", "1.00", "IDR", "2026-10-05", "debit",
                                        "booked")))  # fmt: skip
    refused = run_dermawan(scratch_database_url, "reconcile", str(statement), "--json",
                           check=False)  # fmt: skip
    assert refused.returncode == 2
    report = orjson.loads(refused.stdout)
    assert (report["ok"], report["lines"][0]["outcome"]) == (False, "unknown_reference")

    out = tmp_path / "ledger.csv"
    exported = run_dermawan(scratch_database_url, "export-ledger", "--period", "2026-09",
                            "--format", "csv", "--out", str(out), "--json")  # fmt: skip
    assert orjson.loads(exported.stdout)["postings"] == 0
    assert out.read_text().startswith("period,transaction_id,")
