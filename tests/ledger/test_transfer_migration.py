"""Ledger 0005-0006 and settlement 0005 (decision 0050) on a database written before them.

A database is migrated as far as the posting table, filled as the old
engine and settlement wrote it (postings of concurrent writers interleaved),
then migrated the rest of the way, as ``dermawan migrate`` does it for an
operator.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import ON_POSTGRES, fresh_database, run_dermawan

BEFORE = (("ledger", "0004_effects_by_line"), ("settlement", "0004_run_line_range"))
EVERY = 2**63 - 1

M, P, C = 1, 2, 3  # merchant_pledges, project_pending, charity_payable
# id, kind, order line: pledged 500, pledged 300, confirmed 500, a claw-back of 200.
TRANSACTIONS = [(1, "pledged", 10), (2, "pledged", 11), (3, "confirmed", 10), (4, "reversed", 10)]
# id, transaction, account, amount. Transaction 2's writer took posting ids
# after transaction 3's: concurrent writers interleave them.
POSTINGS = [
    (1, 1, M, 500), (2, 1, P, -500),
    (3, 3, P, 500), (4, 3, C, -500),
    (5, 2, M, 300), (6, 2, P, -300),
    (7, 4, C, 200), (8, 4, M, -200),
]  # fmt: skip
# id, period, first posting, last posting, horizon.
RUNS = [
    (1, "2026-07", 0, EVERY, 0),  # made before runs kept ranges: left as it is
    (2, "2026-08", 7, 7, 3),  # the claw-back; the next run reads from posting 3 on
    (3, "2026-09", 1, 0, 9),  # none settled; past every posting written
]


@contextmanager
def _sql(url: str) -> Iterator[Any]:
    if ON_POSTGRES:
        import psycopg

        with psycopg.connect(url) as db:
            yield db
    else:
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            yield db
        finally:
            db.close()


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with _sql(url) as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def _write_as_before(url: str, postings: list[tuple[int, int, int, int]]) -> None:
    balances = {M: 0, P: 0, C: 0}
    for _, _, account, amount in postings:
        balances[account] += amount
    statements = [
        "INSERT INTO ledger_account (id, kind, owner_id, currency, balance_minor) VALUES "
        f"({M}, 'merchant_pledges', 'm-1', 'IDR', {balances[M]}), "
        f"({P}, 'project_pending', 'proj-1', 'IDR', {balances[P]}), "
        f"({C}, 'charity_payable', 'ch-1', 'IDR', {balances[C]})",
        *(
            "INSERT INTO ledger_transaction (id, kind, currency, order_line_id, event_row_id, "
            f"occurred_at_us) VALUES ({tid}, '{kind}', 'IDR', {line}, NULL, {tid * 1000})"
            for tid, kind, line in TRANSACTIONS
        ),
        *(
            "INSERT INTO ledger_posting (id, transaction_id, account_id, amount_minor) "
            f"VALUES ({pid}, {tid}, {account}, {amount})"
            for pid, tid, account, amount in postings
        ),
        *(
            "INSERT INTO settlement_run (id, period, period_start_us, period_end_us, "
            "watermark, fee_bps, status, created_by, created_at_us, approved_by, "
            "exported_by, lines, first_posting_id, last_posting_id, horizon, "
            "first_line_id, last_line_id, line_horizon) VALUES "
            f"({rid}, '{period}', 0, {rid}, 4, 0, 'draft', 'test', 0, '', '', 1, "
            f"{first}, {last}, {horizon}, 1, 0, 0)"
            for rid, period, first, last, horizon in RUNS
        ),
    ]
    with _sql(url) as db:
        for statement in statements:
            db.execute(statement)


@pytest.fixture
def database_before(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "transfers", up_to=BEFORE) as url:
        yield url


def test_each_transaction_becomes_its_transfer_and_runs_keep_transaction_ids(
    database_before: str,
) -> None:
    url = database_before
    _write_as_before(url, POSTINGS)
    run_dermawan(url, "migrate")
    assert _rows(
        url,
        "SELECT id, debit_account_id, credit_account_id, amount_minor "
        "FROM ledger_transaction ORDER BY id",
    ) == [(1, M, P, 500), (2, M, P, 300), (3, P, C, 500), (4, C, M, 200)]
    # The view gives back the same postings, each transaction's debit first.
    assert _rows(
        url, "SELECT transaction_id, account_id, amount_minor FROM ledger_posting ORDER BY id"
    ) == [(1, M, 500), (1, P, -500), (2, M, 300), (2, P, -300),
          (3, P, 500), (3, C, -500), (4, C, 200), (4, M, -200)]  # fmt: skip
    assert _rows(
        url,
        "SELECT id, first_transaction_id, last_transaction_id, horizon "
        "FROM settlement_run ORDER BY id",
    ) == [
        (1, 0, EVERY, 0),
        (2, 4, 4, 2),  # postings 3 on belong to transactions 2 and up
        (3, 1, 0, 5),  # after the last transaction
    ]
    books = orjson.loads(run_dermawan(url, "check-ledger", "--json").stdout)
    assert books == {
        "ok": True, "transactions": 4, "postings": 8, "unbalanced": 0, "balance_mismatches": 0,
    }  # fmt: skip
    # Still append-only.
    with pytest.raises(Exception, match="append-only"), _sql(url) as db:
        db.execute("UPDATE ledger_transaction SET amount_minor = 1")


def test_a_transaction_that_is_not_a_transfer_stops_the_migration_and_is_named(
    database_before: str,
) -> None:
    url = database_before
    _write_as_before(url, [p for p in POSTINGS if p[0] != 6])  # transaction 2 lost its credit
    refused = run_dermawan(url, "migrate", check=False)
    assert refused.returncode != 0
    assert "1 ledger transactions are not two postings summing to zero (ids [2])" in (
        refused.stderr
    ), refused.stderr
    # Nothing changed: the postings are still a table, every row still there.
    assert len(_rows(url, "SELECT id FROM ledger_posting")) == 7
    assert _rows(url, "SELECT first_posting_id, horizon FROM settlement_run WHERE id = 2") == [
        (7, 3)
    ]
