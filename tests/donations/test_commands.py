"""Spec section 5: the command line, its JSON documents and exit statuses,
and the ledger's own guarantees (check-ledger, append-only tables).

Most tests run the commands in-process; a few run ``python -m dermawan`` in a
subprocess against a scratch database, as a user would.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from tests.conftest import ON_POSTGRES, run_dermawan
from tests.donations.builders import (
    COUNT_KEYS,
    PROJECT,
    TOTALS_KEYS,
    call,
    call_json,
    cancelled,
    catalog,
    completed,
    ingest,
    load_default_catalog,
    paid,
    percent_pledge,
    read_rejects,
    refunded,
    write_jsonl,
)

HISTORY = [
    paid("p1", "o-1"),
    completed("c1", "o-1"),
    paid("p2", "o-2", unit_price_minor=30_000),
    refunded("r2", "o-2", refund_minor=10_000),
    paid("p3", "o-3", currency="USD", unit_price_minor=1_000),
    cancelled("x3", "o-3"),
    paid("p4", "o-4", quantity=0),  # rejected
]


@pytest.fixture
def history(db: None) -> None:
    load_default_catalog()
    report = ingest(*HISTORY)
    assert report.counts["rejected"] == 1


def run_sql(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# =============================================================================
# In-process commands
# =============================================================================


@pytest.mark.django_db
def test_ingest_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_default_catalog()
    path = write_jsonl(tmp_path / "events.jsonl", [*HISTORY, completed("c9", "o-9")])
    rejects = tmp_path / "rejects.jsonl"
    code, document = call_json("ingest", str(path), "--rejects", str(rejects), capsys=capsys)
    assert code == 0
    assert set(document) == COUNT_KEYS
    assert {k: v for k, v in document.items() if k not in ("seconds", "events_per_second")} == {
        "read": 8,
        "applied": 6,
        "duplicates": 0,
        "rejected": 1,
        "parked": 1,
        "donations_created": 3,
    }
    assert isinstance(document["seconds"], int | float) and document["seconds"] >= 0
    assert isinstance(document["events_per_second"], int | float)
    assert [(r["line"], r["event_id"], r["reason"]) for r in read_rejects(rejects)] == [
        (7, "p4", "invalid_amount")
    ]


@pytest.mark.django_db
def test_ingest_human_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_default_catalog()
    path = write_jsonl(tmp_path / "events.jsonl", HISTORY)
    code, out = call("ingest", str(path), capsys=capsys)
    assert code == 0
    assert out.strip()


def test_totals_json(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    from dermawan.donations.totals import project_totals

    code, document = call_json("totals", capsys=capsys)
    assert code == 0
    assert set(document) == {"projects"}
    assert document["projects"] == project_totals()
    assert document["projects"] == [
        {
            "project_id": PROJECT,
            "currency": "IDR",
            "donations": 2,
            "pledged_minor": 2500,
            "reversed_minor": 500,
            "net_minor": 2000,
            "confirmed_minor": 1000,
            "pending_minor": 1000,
        },
        {
            "project_id": PROJECT,
            "currency": "USD",
            "donations": 1,
            "pledged_minor": 50,
            "reversed_minor": 50,
            "net_minor": 0,
            "confirmed_minor": 0,
            "pending_minor": 0,
        },
    ]
    assert all(set(row) == TOTALS_KEYS for row in document["projects"])


@pytest.mark.django_db
def test_totals_json_without_donations(capsys: pytest.CaptureFixture[str]) -> None:
    load_default_catalog()
    ingest(paid("p1", merchant_id="toko-lain"))
    assert call_json("totals", capsys=capsys) == (0, {"projects": []})


def test_totals_human_text(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = call("totals", capsys=capsys)
    assert code == 0
    assert PROJECT in out


# --- check-ledger --------------------------------------------------------------


@pytest.mark.django_db
def test_check_ledger_on_an_empty_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert call_json("check_ledger", capsys=capsys) == (
        0,
        {"ok": True, "transactions": 0, "postings": 0, "unbalanced": 0, "balance_mismatches": 0},
    )


def test_check_ledger_healthy(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    from dermawan.ledger.checks import check_ledger

    code, document = call_json("check_ledger", capsys=capsys)
    assert code == 0
    assert document == check_ledger()
    assert set(document) == {"ok", "transactions", "postings", "unbalanced", "balance_mismatches"}
    assert document["ok"] is True
    assert document["unbalanced"] == 0 and document["balance_mismatches"] == 0
    assert document["transactions"] > 0
    assert document["postings"] >= 2 * document["transactions"]


def test_check_ledger_finds_a_tampered_balance(
    history: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        "UPDATE ledger_account SET balance_minor = balance_minor + 1 "
        "WHERE id = (SELECT min(id) FROM ledger_account)"
    )
    code, document = call_json("check_ledger", capsys=capsys)
    assert code == 1
    assert document["ok"] is False
    assert document["balance_mismatches"] == 1
    assert document["unbalanced"] == 0


def test_check_ledger_counts_every_tampered_balance(
    history: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from dermawan.ledger.models import Account

    run_sql("UPDATE ledger_account SET balance_minor = balance_minor - 7")
    code, document = call_json("check_ledger", capsys=capsys)
    assert code == 1
    assert document["balance_mismatches"] == Account.objects.count() >= 2


def _append_transfer(debit_id: int, credit_id: int, amount: int, currency: str = "IDR") -> None:
    """Append a transaction by hand (INSERT is allowed), moving the stored
    balances of the accounts that exist with it, so that only the transaction
    itself is wrong."""
    from django.db.models import Max

    from dermawan.ledger.models import Transaction

    tid = (Transaction.objects.aggregate(m=Max("id"))["m"] or 0) + 1000
    run_sql(
        "INSERT INTO ledger_transaction (id, kind, currency, order_line_id, event_row_id, "
        "occurred_at_us, debit_account_id, credit_account_id, amount_minor) "
        "VALUES (%s, 'pledged', %s, NULL, NULL, 0, %s, %s, %s)",
        tid,
        currency,
        debit_id,
        credit_id,
        amount,
    )
    for account_id, move in ((debit_id, amount), (credit_id, -amount)):
        run_sql(
            "UPDATE ledger_account SET balance_minor = balance_minor + %s WHERE id = %s",
            move,
            account_id,
        )


def test_check_ledger_finds_an_unbalanced_transaction(
    history: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A credit to an account that does not exist: the debit stands alone."""
    from django.db.models import Max

    from dermawan.ledger.models import Account

    account = Account.objects.filter(currency="IDR").order_by("id").first()
    assert account is not None
    missing = Account.objects.aggregate(m=Max("id"))["m"] + 1000
    _append_transfer(account.id, missing, 5)
    code, document = call_json("check_ledger", capsys=capsys)
    assert code == 1
    assert document["ok"] is False
    assert document["unbalanced"] == 1
    assert document["balance_mismatches"] == 0


def test_check_ledger_balances_per_currency(
    history: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """+5 IDR and -5 USD sum to zero, but not per currency."""
    from dermawan.ledger.models import Account

    idr = Account.objects.filter(currency="IDR").order_by("id").first()
    usd = Account.objects.filter(currency="USD").order_by("id").first()
    assert idr is not None and usd is not None
    _append_transfer(idr.id, usd.id, 5)
    code, document = call_json("check_ledger", capsys=capsys)
    assert code == 1
    assert document["unbalanced"] == 1
    assert document["balance_mismatches"] == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_posting SET amount_minor = amount_minor + 1",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_transaction SET occurred_at_us = occurred_at_us + 1",
        "DELETE FROM ledger_transaction",
    ],
)
def test_ledger_rows_cannot_be_updated_or_deleted(history: None, statement: str) -> None:
    from dermawan.ledger.checks import check_ledger

    before = check_ledger()
    with pytest.raises(DatabaseError), transaction.atomic():
        run_sql(statement)
    assert check_ledger() == before
    assert before["ok"] is True


def test_ledger_balances_may_be_updated_directly(history: None) -> None:
    """Only transactions (and so their postings) are append-only; the check catches the rest."""
    run_sql("UPDATE ledger_account SET balance_minor = balance_minor")


# =============================================================================
# End to end: python -m dermawan in a subprocess
# =============================================================================


def _json(result: Any) -> Any:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, (result.stdout, result.stderr)
    return json.loads(lines[0])


def test_end_to_end(scratch_database_url: str, tmp_path: Path) -> None:
    url = scratch_database_url

    migrated = run_dermawan(url, "migrate", "--json", check=False)
    assert migrated.returncode == 0, migrated.stderr
    assert _json(migrated) == {"ok": True}

    bad = catalog(percent_pledge("pl-wide", basis_points=0))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    refused = run_dermawan(url, "load-catalog", str(tmp_path / "bad.json"), "--json", check=False)
    assert refused.returncode == 2
    errors = _json(refused)["errors"]
    assert [(e["id"], e["reason"]) for e in errors] == [("pl-wide", "malformed")]
    assert set(errors[0]) == {"id", "reason", "message"}

    good = catalog(percent_pledge("pl-wide"))
    (tmp_path / "catalog.json").write_text(json.dumps(good))
    loaded = run_dermawan(
        url, "load-catalog", str(tmp_path / "catalog.json"), "--json", check=False
    )
    assert loaded.returncode == 0, loaded.stderr
    assert _json(loaded) == {"charities": 1, "projects": 1, "merchants": 2, "pledges": 1}

    events = write_jsonl(tmp_path / "events.jsonl", HISTORY, blank_before=[2])
    rejects = tmp_path / "rejects.jsonl"
    ingested = run_dermawan(
        url, "ingest", str(events), "--rejects", str(rejects), "--json", check=False
    )
    assert ingested.returncode == 0, ingested.stderr
    counts = _json(ingested)
    assert set(counts) == COUNT_KEYS
    assert (counts["read"], counts["applied"], counts["rejected"], counts["parked"]) == (7, 6, 1, 0)
    assert [(r["line"], r["event_id"], r["reason"]) for r in read_rejects(rejects)] == [
        (8, "p4", "invalid_amount")
    ]

    totals = run_dermawan(url, "totals", "--json", check=False)
    assert totals.returncode == 0
    rows = _json(totals)["projects"]
    assert [(r["project_id"], r["currency"], r["net_minor"]) for r in rows] == [
        (PROJECT, "IDR", 2000),
        (PROJECT, "USD", 0),
    ]

    human = run_dermawan(url, "totals", check=False)
    assert human.returncode == 0 and PROJECT in human.stdout

    checked = run_dermawan(url, "check-ledger", "--json", check=False)
    assert checked.returncode == 0
    assert _json(checked)["ok"] is True


def _tamper(url: str, sql: str) -> None:
    if ON_POSTGRES:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)
    else:
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute(sql)
        conn.close()


def test_end_to_end_bad_input_and_tampering(scratch_database_url: str, tmp_path: Path) -> None:
    url = scratch_database_url
    (tmp_path / "catalog.json").write_text(json.dumps(catalog(percent_pledge("pl-wide"))))
    run_dermawan(url, "load-catalog", str(tmp_path / "catalog.json"))
    events = write_jsonl(tmp_path / "events.jsonl", HISTORY)
    run_dermawan(url, "ingest", str(events))
    before = run_dermawan(url, "totals", "--json").stdout

    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(bytes(range(256)) * 4)
    assert run_dermawan(url, "ingest", str(garbage), "--json", check=False).returncode == 2
    assert run_dermawan(url, "ingest", check=False).returncode == 2  # usage
    assert run_dermawan(url, "totals", "--json").stdout == before

    _tamper(
        url,
        "UPDATE ledger_account SET balance_minor = balance_minor + 1 "
        "WHERE id = (SELECT min(id) FROM ledger_account)",
    )
    checked = run_dermawan(url, "check-ledger", "--json", check=False)
    assert checked.returncode == 1
    document = _json(checked)
    assert document["ok"] is False and document["balance_mismatches"] == 1
