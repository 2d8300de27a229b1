"""Benchmark: ``dermawan settle`` over a month of N confirmed donations.

Fills a fresh SQLite and a fresh PostgreSQL database set-based, straight in
SQL (default 10,000,000 donations in September 2026 from 1,000 merchants to
100 charities; 1 % of them with a claw-back), with the ledger the engine would
have written for them: a pledged and a confirmed transaction per donation,
plus the reversed one of each claw-back, one transfer row each. Then times
``dermawan settle --period 2026-09`` and prints it beside a baseline measured
in the same run on the same rows: a plain ``GROUP BY`` of the completed
donations per merchant and currency. The ratio is settle's time over the
baseline's. Goal: under 30 s at 10 M on each database.

    python bench/settle.py [--donations N] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database

MERCHANTS, PROJECTS, CHARITIES = 1_000, 200, 100
DONATION, CLAWED = 5_000, 1_000
SEPTEMBER_US = 1_788_195_600_000_000  # 2026-09-01T00:00:00+07:00
MONTH_US = 29 * 86_400 * 1_000_000
# Account ids: merchants' pledges, projects' pending, charities' payable.
M0, P0, C0 = 1, 1 + MERCHANTS, 1 + MERCHANTS + PROJECTS


def statements(n: int, series: Callable[[int, int], str]) -> list[str]:
    """The fill, given ``series`` a row source of x = 1..n (a CTE or generate_series)."""
    step = MONTH_US // n
    accounts = (
        f"SELECT {M0} + x, 'merchant_pledges', 'm' || x, 'IDR', 0 FROM {series(MERCHANTS - 1, 0)}"
        f" UNION ALL SELECT {P0} + x, 'project_pending', 'proj-' || x, 'IDR', 0 "
        f"FROM {series(PROJECTS - 1, 0)}"
        f" UNION ALL SELECT {C0} + x, 'charity_payable', 'ch-' || x, 'IDR', 0 "
        f"FROM {series(CHARITIES - 1, 0)}"
    )
    return [
        f"INSERT INTO ledger_account (id, kind, owner_id, currency, balance_minor) {accounts}",
        # The donations: line x of merchant x % 1000 to project x % 200 of charity x % 100.
        "INSERT INTO donations_orderline (id, order_id, line_id, merchant_id, product_id, "
        "currency, quantity, unit_price_minor, discount_minor, net_minor, paid_at_us, pledge_id, "
        "project_id, charity_id, donation_minor, refunded_minor, reversed_minor, status, "
        "confirmed_txn_id, confirmed_at_us, confirmed_minor) "
        "SELECT x, 'o' || x, '1', 'm' || (x % 1000), 'p1', 'IDR', 1, 100000, 0, 100000, "
        f"{SEPTEMBER_US} + x * {step}, 'pl-' || (x % 1000), 'proj-' || (x % 200), "
        f"'ch-' || (x % 100), {DONATION}, "
        f"CASE WHEN x % 100 = 0 THEN 20000 ELSE 0 END, "
        f"CASE WHEN x % 100 = 0 THEN {CLAWED} ELSE 0 END, 'completed', "
        # its confirmation (decision 0032): the transaction below
        f"3 * x - 1, {SEPTEMBER_US} + x * {step} + 3600000000, {DONATION} FROM {series(n, 1)}",
        # pledged 3x-2, confirmed 3x-1, the claw-back 3x (every 100th line)
        "INSERT INTO ledger_transaction (id, kind, currency, order_line_id, event_row_id, "
        "occurred_at_us, debit_account_id, credit_account_id, amount_minor) "
        f"SELECT 3 * x - 2, 'pledged', 'IDR', x, NULL, {SEPTEMBER_US} + x * {step}, "
        f"{M0} + x % 1000, {P0} + x % 200, {DONATION} FROM {series(n, 1)}",
        "INSERT INTO ledger_transaction (id, kind, currency, order_line_id, event_row_id, "
        "occurred_at_us, debit_account_id, credit_account_id, amount_minor) "
        f"SELECT 3 * x - 1, 'confirmed', 'IDR', x, NULL, {SEPTEMBER_US} + x * {step} + 3600000000, "
        f"{P0} + x % 200, {C0} + x % 100, {DONATION} FROM {series(n, 1)}",
        "INSERT INTO ledger_transaction (id, kind, currency, order_line_id, event_row_id, "
        "occurred_at_us, debit_account_id, credit_account_id, amount_minor) "
        f"SELECT 3 * x, 'reversed', 'IDR', x, NULL, {SEPTEMBER_US} + x * {step} + 7200000000, "
        f"{C0} + x % 100, {M0} + x % 1000, {CLAWED} FROM {series(n, 1)} WHERE x % 100 = 0",
        # Stored balances, as the engine keeps them.
        "UPDATE ledger_account SET balance_minor = moves.total FROM (SELECT account_id, "
        "sum(amount_minor) AS total FROM ledger_posting GROUP BY account_id) AS moves "
        "WHERE moves.account_id = ledger_account.id",
    ]


def fill(kind: str, url: str, n: int) -> float:
    started = time.perf_counter()
    if kind == "sqlite":
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        for sql in statements(n, _sqlite_series):
            db.execute(sql)
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.close()
    else:
        import psycopg

        with psycopg.connect(url) as db:
            db.execute("SET synchronous_commit = off")
            for sql in statements(n, _postgres_series):
                db.execute(sql)  # type: ignore[arg-type]
            for table in ("donations_orderline", "ledger_transaction", "ledger_account"):
                db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # type: ignore[arg-type]
                    f"(SELECT max(id) FROM {table}))"
                )
            db.commit()
            db.autocommit = True
            db.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def _sqlite_series(n: int, first: int) -> str:
    return (
        f"(WITH RECURSIVE s(x) AS (SELECT {first} UNION ALL SELECT x + 1 FROM s WHERE x < {n}) "
        "SELECT x FROM s)"
    )


def _postgres_series(n: int, first: int) -> str:
    return f"generate_series({first}::bigint, {n}::bigint) AS s(x)"


BASELINE = (
    "SELECT merchant_id, currency, count(*), sum(donation_minor - reversed_minor) "
    "FROM donations_orderline WHERE status = 'completed' GROUP BY merchant_id, currency"
)


def baseline(kind: str, url: str) -> tuple[float, int]:
    """Seconds for a plain GROUP BY of the same donations; the sum it found."""
    started = time.perf_counter()
    rows: list[Any]
    if kind == "sqlite":
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        started = time.perf_counter()
        rows = db.execute(BASELINE).fetchall()
        db.close()
    else:
        import psycopg

        with psycopg.connect(url) as db:
            started = time.perf_counter()
            rows = db.execute(BASELINE).fetchall()  # type: ignore[arg-type]
    return time.perf_counter() - started, sum(int(r[3]) for r in rows)


def settle(url: str, n: int) -> dict[str, Any]:
    """Settle September in a process of its own (Django reads the database URL once):
    the run's seconds inside it (no interpreter or Django start), a re-run's, the sum."""
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="dermawan.settings")
    done = subprocess.run(
        [sys.executable, __file__, "--worker", "--donations", str(n)], env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"settle failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def worker(n: int) -> None:
    import django

    django.setup()
    from dermawan.core import bulk
    from dermawan.settlement.models import Collection, Payout
    from dermawan.settlement.paid import lines_paid_by
    from dermawan.settlement.runs import settle

    started = time.perf_counter()
    settled = settle("2026-09", actor="cli:bench")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = settle("2026-09", actor="cli:bench")
    again_seconds = time.perf_counter() - started
    assert settled.created and not again.created
    collected = sum(Collection.objects.values_list("amount_minor", flat=True))
    # What marking payouts paid reads: the donations each paid out (their
    # transparency leaves and webhooks), for one payout and for all of the run's.
    payouts = list(Payout.objects.filter(run=settled.run).select_related("run"))
    started = time.perf_counter()
    one = lines_paid_by(bulk.raw_cursor(), payouts[:1])
    one_seconds = time.perf_counter() - started
    started = time.perf_counter()
    every = lines_paid_by(bulk.raw_cursor(), payouts)
    all_seconds = time.perf_counter() - started
    # Every line: a claw-back leaves its line a positive net.
    assert sum(len(lines) for lines in every.values()) == settled.run.lines - n // 100
    assert one[payouts[0].pk] == every[payouts[0].pk]
    print(json.dumps({"seconds": seconds, "again": again_seconds, "collected": collected,
                      "lines": settled.run.lines, "paid_one": one_seconds,
                      "paid_all": all_seconds, "payouts": len(payouts)}))  # fmt: skip


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donations", type=int, default=10_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.donations)
        return
    n = args.donations
    print(f"settle one month of {n:,} confirmed donations ({n // 100:,} claw-backs)")
    for kind in args.databases.split(","):
        with fresh_database(kind, args.workdir) as url:
            filled = fill(kind, url, n)
            base, base_sum = baseline(kind, url)
            result = settle(url, n)
            seconds, again_seconds = result["seconds"], result["again"]
            assert result["collected"] == base_sum, (result, base_sum)  # the same money both ways
            print(
                f"{kind:>10}: settle {seconds:7.2f} s ({n / seconds:,.0f} donations/s, "
                f"peak {peak_mib()} MiB) | baseline GROUP BY {base:6.2f} s "
                f"| ratio {seconds / base:5.1f}x"
                f" | re-run {again_seconds:.2f} s | fill {filled:.0f} s"
            )
            print(
                f"{'':>10}  donations paid out by one payout {result['paid_one']:.2f} s, "
                f"by all {result['payouts']} of the run {result['paid_all']:.2f} s"
            )


if __name__ == "__main__":
    main()
