"""dermawan reconcile against settlement's exported payouts: all or nothing, and idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import call_command

from dermawan.auditlog.models import AuditEntry
from dermawan.banking.models import ReconciledLine
from dermawan.core.output import BadInput
from tests.banking.statement_files import Booking, camt053, statement_csv
from tests.settlement.support import (
    ADMIN,
    CHARITY_A,
    CHARITY_B,
    MERCHANT_B,
    donate,
    ledger_ok,
    load_two_charities,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported() -> dict[str, str]:
    """September's run approved and exported: charity id -> payout reference (1,000 and 3,000)."""
    from dermawan.settlement.approval import approve
    from dermawan.settlement.payouts import export_run
    from dermawan.settlement.runs import settle

    load_two_charities()
    donate("o-1", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z")
    donate("o-2", at="2026-09-03T10:00:00Z", complete_at="2026-09-05T10:00:00Z",
           merchant_id=MERCHANT_B, price=30_000)  # fmt: skip
    run = settle("2026-09", actor=ADMIN).run
    approve(run.pk, actor="user:budi")
    return {i.charity_id: i.reference for i in export_run(run.pk, actor="user:budi")}


def statuses() -> dict[str, str]:
    from dermawan.settlement.models import Payout

    return {p.charity_id: p.status for p in Payout.objects.exclude(reference=None)}


def reconcile(path: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = 0
    try:
        call_command("reconcile", str(path), "--json", "--actor", "ayu", *args)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, orjson.loads(capsys.readouterr().out)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_a_statement_pays_its_payouts_once(
    exported: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1,000 and 3,000 minor units of IDR are "10.00" and "30.00".
    path = write(tmp_path, "stmt.xml", camt053(Booking(exported[CHARITY_A], "10.00"),
                                               Booking(exported[CHARITY_B], "30.00")))  # fmt: skip
    code, report = reconcile(path, capsys=capsys)
    assert (code, report["ok"], report["applied"]) == (0, True, True)
    assert report["counts"] == {"paid": 2}
    assert statuses() == {CHARITY_A: "paid", CHARITY_B: "paid"}
    assert ReconciledLine.objects.count() == 2
    ledger_ok()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("settlement.payout_paid") == 2
    assert actions.count("banking.statement_reconciled") == 1

    # The same statement again: recognised, nothing changes.
    audit_before = AuditEntry.objects.count()
    code, again = reconcile(path, capsys=capsys)
    assert (code, again["counts"], again["ok"]) == (0, {"already_settled": 2}, True)
    assert AuditEntry.objects.count() == audit_before
    assert ReconciledLine.objects.count() == 2


def test_one_bad_line_changes_nothing(
    exported: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "stmt.csv",
        statement_csv(
            (exported[CHARITY_A], "10.00", "IDR", "2026-10-05", "debit", "booked"),
            (exported[CHARITY_B], "29.99", "IDR", "2026-10-05", "debit", "booked"),
            ("DRM202609P99999999", "5.00", "IDR", "2026-10-05", "debit", "booked"),
            (exported[CHARITY_A], "10.00", "IDR", "2026-10-05", "debit", "booked"),
        ),
    )
    audit_before = AuditEntry.objects.count()
    code, report = reconcile(path, capsys=capsys)
    assert (code, report["ok"], report["applied"]) == (2, False, False)
    assert [(line["where"], line["outcome"]) for line in report["lines"]] == [
        ("line 2", "paid"),
        ("line 3", "wrong_amount"),
        ("line 4", "unknown_reference"),
        ("line 5", "duplicate_line"),
    ]
    assert statuses() == {CHARITY_A: "exported", CHARITY_B: "exported"}
    assert AuditEntry.objects.count() == audit_before
    assert not ReconciledLine.objects.exists()


def test_a_returned_payout_fails_back_to_the_charity(
    exported: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "stmt.xml",
        camt053(
            Booking(exported[CHARITY_A], "10.00"),
            Booking(exported[CHARITY_B], "30.00"),
            Booking(exported[CHARITY_B], "30.00", direction="CRDT", returned=True,
                    booked_on="2026-10-06"),
        ),
    )  # fmt: skip
    code, report = reconcile(path, capsys=capsys)
    assert code == 0, report
    assert [line["outcome"] for line in report["lines"]] == ["paid", "returned_later", "failed"]
    assert statuses() == {CHARITY_A: "paid", CHARITY_B: "failed"}
    from dermawan.settlement.models import Payout

    assert "2026-10-06" in Payout.objects.get(charity_id=CHARITY_B).failed_reason
    ledger_ok()
    code, again = reconcile(path, capsys=capsys)
    assert (code, again["counts"]) == (0, {"already_settled": 3})


def test_a_dry_run_reports_and_changes_nothing(
    exported: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "stmt.xml", camt053(Booking(exported[CHARITY_A], "10.00")))
    code, report = reconcile(path, "--dry-run", capsys=capsys)
    assert (code, report["counts"], report["applied"]) == (0, {"paid": 1}, False)
    assert statuses() == {CHARITY_A: "exported", CHARITY_B: "exported"}


def test_an_unreadable_statement_is_refused_whole(exported: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "stmt.xml", b"<Document>")
    with pytest.raises(BadInput, match="not XML"):
        call_command("reconcile", str(path))
    with pytest.raises(BadInput, match="cannot read"):
        call_command("reconcile", str(tmp_path / "missing.csv"))
    assert statuses() == {CHARITY_A: "exported", CHARITY_B: "exported"}


def test_the_human_report_marks_the_bad_lines(
    exported: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "stmt.xml", camt053(Booking(exported[CHARITY_A], "9.00")))
    with pytest.raises(SystemExit):
        call_command("reconcile", str(path))
    text = capsys.readouterr().out
    assert "!! entry 1" in text and "wrong_amount" in text
    assert "REFUSED, nothing changed" in text


def test_the_reconciliation_record_is_append_only(
    exported: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.db import DatabaseError, connection, transaction

    reconcile(
        write(tmp_path, "s.xml", camt053(Booking(exported[CHARITY_A], "10.00"))), capsys=capsys
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM banking_reconciledline")
    assert ReconciledLine.objects.count() == 1


def test_a_long_statement_is_judged_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # More references than SQLite takes parameters in one statement.
    rows = [(f"DRM-{n:06d}", "1.00", "IDR", "2026-10-05", "debit", "booked") for n in range(33_000)]
    code, report = reconcile(write(tmp_path, "long.csv", statement_csv(*rows)), capsys=capsys)
    assert (code, report["counts"]) == (2, {"unknown_reference": 33_000})
