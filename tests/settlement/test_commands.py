"""The commands, as a user runs them: settle, settlement ..., statement.

Exit codes: 0 done, 2 refused (nothing written). Runs against a fresh
database in subprocesses, with dermawan.banking writing the bank file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_dermawan
from tests.donations.builders import (
    MERCHANT,
    catalog,
    charity,
    completed,
    merchant,
    paid,
    percent_pledge,
    project,
    write_jsonl,
)

CHARITY = "yayasan-pangan"


def dermawan(url: str, *args: str) -> tuple[int, Any, str]:
    done = run_dermawan(url, *args, "--json", check=False)
    document = json.loads(done.stdout) if done.returncode == 0 else None
    return done.returncode, document, done.stderr


@pytest.fixture
def september(scratch_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A settled-able September: two confirmed donations of 1,000 and one pending."""
    url = scratch_database_url
    monkeypatch.setenv("DERMAWAN_PLATFORM_FEE_BPS", "100")
    monkeypatch.setenv("DERMAWAN_DEBTOR_NAME", "PT Dermawan Platform")
    monkeypatch.setenv("DERMAWAN_DEBTOR_BANK_CODE", "014")
    monkeypatch.setenv("DERMAWAN_DEBTOR_ACCOUNT_NUMBER", "8800112233")
    document = catalog(
        percent_pledge("pl-a"),
        charities=[charity(CHARITY)],
        projects=[project("makan-siang")],
        merchants=[merchant(MERCHANT)],
    )
    (tmp_path / "catalog.json").write_text(json.dumps(document))
    run_dermawan(url, "load-catalog", str(tmp_path / "catalog.json"))
    events = [
        paid("e1", "o-1", occurred_at="2026-09-02T10:00:00Z"),
        completed("e2", "o-1", occurred_at="2026-09-04T10:00:00Z"),
        paid("e3", "o-2", occurred_at="2026-09-02T10:00:00Z"),
        completed("e4", "o-2", occurred_at="2026-09-05T10:00:00Z"),
        paid("e5", "o-3", occurred_at="2026-09-02T10:00:00Z"),
    ]
    write_jsonl(tmp_path / "events.jsonl", events)
    run_dermawan(url, "ingest", str(tmp_path / "events.jsonl"))
    run_dermawan(
        url, "bank-account", "add", "--charity", CHARITY, "--holder", "Yayasan Pangan Anak",
        "--currency", "IDR", "--bank-code", "008", "--account-number", "1230004567",
    )  # fmt: skip
    return url


def test_the_whole_lifecycle_from_the_command_line(september: str, tmp_path: Path) -> None:
    url = september
    code, run, _ = dermawan(url, "settle", "--period", "2026-09", "--actor", "ayu")
    assert code == 0 and run["created"] is True
    assert run["collections"][0]["amount_minor"] == 2_000
    (payout,) = run["payouts"]
    assert (payout["fee_minor"], payout["amount_minor"], payout["status"]) == (20, 1_980, "draft")
    code, again, _ = dermawan(url, "settle", "--period", "2026-09", "--actor", "ayu")
    assert code == 0 and again["created"] is False and again["id"] == run["id"]

    run_id = str(run["id"])
    code, _, err = dermawan(url, "settlement", "approve", run_id, "--actor", "ayu")
    assert code == 2 and "a second admin must approve it" in err
    code, approved, _ = dermawan(url, "settlement", "approve", run_id, "--actor", "budi")
    assert code == 0 and approved["status"] == "approved"

    bank_file = tmp_path / "september.xml"
    code, exported, err = dermawan(
        url, "settlement", "export", run_id, "--out", str(bank_file), "--actor", "budi"
    )
    assert code == 0, err
    reference = exported["payouts"][0]["reference"]
    xml = bank_file.read_bytes()
    assert b"pain.001" in xml and reference.encode() in xml and b"19.80" in xml
    # Exporting again (say, after a crash before the file was sent) writes the same file.
    code, _, _ = dermawan(url, "settlement", "export", run_id, "--out", str(bank_file))
    assert code == 0 and bank_file.read_bytes() == xml

    code, done, _ = dermawan(
        url, "settlement", "mark-paid", reference, "--paid-at", "2026-10-03T09:00:00+07:00"
    )
    assert code == 0 and done["payouts"][0]["status"] == "paid"
    code, _, err = dermawan(url, "settlement", "mark-paid", reference)
    assert code == 2 and f"payout {reference} is paid, not exported" in err
    code, check, _ = dermawan(url, "check-ledger")
    assert code == 0 and check["ok"]

    statement = tmp_path / "statement.pdf"
    code, document, err = dermawan(
        url, "statement", "--charity", CHARITY, "--period", "2026-09", "--out", str(statement),
        "--locale", "en",
    )  # fmt: skip
    assert code == 0, err
    assert statement.read_bytes().startswith(b"%PDF-")
    (figures,) = document["currencies"]
    assert (figures["fee_minor"], figures["payout_minor"], figures["status"]) == (
        -20,
        -1_980,
        "paid",
    )
    csv_file = tmp_path / "merchant.csv"
    code, _, _ = dermawan(
        url, "statement", "--merchant", MERCHANT, "--period", "2026-09", "--format", "csv",
        "--out", str(csv_file),
    )  # fmt: skip
    assert code == 0 and "collection" in csv_file.read_text()


def test_bad_input_is_refused_with_exit_2_and_changes_nothing(september: str) -> None:
    url = september
    for args, message in [
        (("settle", "--period", "2026-9"), "is not a month written YYYY-MM"),
        (("settle", "--period", "2999-01"), "has not ended yet"),
        (("settlement", "approve", "99"), "there is no settlement run 99"),
        (("settlement", "mark-failed", "NOPE", "--reason", "x"), "no payout has the reference"),
        (("statement", "--charity", CHARITY, "--period", "2026-09", "--out", "/tmp/x.pdf"),
         "period 2026-09 is not settled yet"),
    ]:  # fmt: skip
        code, _, err = dermawan(url, *args)
        assert code == 2 and message in err, (args, err)
    code, listing, _ = dermawan(url, "settlement", "list")
    assert code == 0 and listing["runs"] == []


def test_a_fee_above_the_cap_is_refused(september: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERMAWAN_PLATFORM_FEE_BPS", "1500")
    code, _, err = dermawan(september, "settle", "--period", "2026-09")
    assert code == 2 and "above the 10 % cap" in err


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
def test_killing_export_and_paid_at_any_moment_loses_nothing_and_pays_nothing_twice(
    september: str, tmp_path: Path, delay: float
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    url = september
    _, run, _ = dermawan(url, "settle", "--period", "2026-09", "--actor", "ayu")
    run_id = str(run["id"])
    dermawan(url, "settlement", "approve", run_id, "--actor", "budi")
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url)

    def killed(*args: str) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "dermawan", *args], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()

    bank_file = tmp_path / "run.xml"
    killed("settlement", "export", run_id, "--out", str(bank_file))
    code, exported, err = dermawan(url, "settlement", "export", run_id, "--out", str(bank_file))
    assert code == 0, err
    reference = exported["payouts"][0]["reference"]
    first = bank_file.read_bytes()
    dermawan(url, "settlement", "export", run_id, "--out", str(bank_file))
    assert bank_file.read_bytes() == first, "the file written again is the same file"

    killed("settlement", "mark-paid", reference)
    code, _, err = dermawan(url, "settlement", "mark-paid", reference)
    assert code in (0, 2), err  # 2: the killed one had committed ("is paid, not exported")
    code, shown, _ = dermawan(url, "settlement", "show", run_id)
    assert shown["payouts"][0]["status"] == "paid"
    code, check, _ = dermawan(url, "check-ledger")
    assert code == 0 and check["ok"]
    with _connect(url) as db:
        kinds = dict(
            db.execute(
                "SELECT t.kind, count(*) FROM ledger_transaction t "
                "WHERE t.kind LIKE 'payout_%' GROUP BY t.kind"
            ).fetchall()
        )
        clearing = db.execute(
            "SELECT balance_minor FROM ledger_account WHERE kind = 'platform_clearing'"
        ).fetchone()[0]
    assert kinds == {"payout_drafted": 1, "payout_approved": 1, "payout_exported": 1,
                     "payout_paid": 1}  # fmt: skip
    assert clearing == 2_000 - 1_980  # collected once, paid once: the fee stays


def _connect(url: str):  # type: ignore[no-untyped-def]
    if url.startswith("sqlite:///"):
        import sqlite3
        from contextlib import closing

        return closing(sqlite3.connect(url.removeprefix("sqlite:///")))
    import psycopg

    return psycopg.connect(url)


def test_a_refused_bank_file_leaves_the_run_approved(
    september: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = september
    _, run, _ = dermawan(url, "settle", "--period", "2026-09", "--actor", "ayu")
    run_id = str(run["id"])
    dermawan(url, "settlement", "approve", run_id, "--actor", "budi")
    monkeypatch.delenv("DERMAWAN_DEBTOR_ACCOUNT_NUMBER")
    code, _, err = dermawan(
        url, "settlement", "export", run_id, "--out", str(tmp_path / "x.xml"), "--actor", "budi"
    )
    assert code == 2 and "the bank file was refused, nothing changed" in err and "debtor" in err
    _, shown, _ = dermawan(url, "settlement", "show", run_id)
    assert shown["status"] == "approved" and shown["payouts"][0]["reference"] is None
    assert not (tmp_path / "x.xml").exists()
