"""Benchmark: order events per second through ``dermawan ingest``.

Simulates N events (default 1,000,000), ingests them into a fresh SQLite and
a fresh PostgreSQL database, and prints events/s beside a baseline measured
in the same run on the same rows: a plain bulk load of the file into one
table of the same database (read and parse each line, then one executemany
transaction on SQLite, COPY on PostgreSQL), with no validation, no ledger and
no indexes. The ratio is dermawan's time over the baseline's.

    python bench/ingest.py [--events N] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dermawan, fresh_database, simulate

FIELDS = (
    "event_id", "type", "order_id", "line_id", "occurred_at", "merchant_id", "product_id",
    "currency", "quantity", "unit_price_minor", "discount_minor", "refund_minor", "buyer_id",
    "campaign_id", "livestream_id",
)  # fmt: skip
TYPES = (
    "text", "text", "text", "text", "text", "text", "text", "text", "bigint", "bigint",
    "bigint", "bigint", "text", "text", "text",
)  # fmt: skip


def rows(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as stream:
        for raw in stream:
            if raw.strip():
                record = orjson.loads(raw)
                yield tuple(record.get(name) for name in FIELDS)


def baseline(kind: str, url: str, events: Path) -> float:
    """Seconds for a plain bulk load of the same file into one table."""
    columns = ", ".join(f"{n} {t}" for n, t in zip(FIELDS, TYPES, strict=True))
    started = time.perf_counter()
    if kind == "sqlite":
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"CREATE TABLE baseline ({columns})")
        started = time.perf_counter()
        connection.execute("BEGIN")
        marks = ", ".join("?" * len(FIELDS))
        connection.executemany(f"INSERT INTO baseline VALUES ({marks})", rows(events))
        connection.execute("COMMIT")
        connection.close()
    else:
        import psycopg

        with psycopg.connect(url) as connection:
            connection.execute(f"CREATE TABLE baseline ({columns})")
            connection.commit()
            started = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY baseline ({', '.join(FIELDS)}) FROM STDIN") as copy,
            ):
                for row in rows(events):
                    copy.write_row(row)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1111)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()

    data = simulate(args.events, args.seed, args.workdir / f"sim-{args.events}-{args.seed}")
    events = data / "events.jsonl"
    print(f"{args.events:,} simulated events ({events.stat().st_size / 2**20:,.0f} MiB JSON Lines)")
    for kind in args.databases.split(","):
        with fresh_database(kind, args.workdir) as url:
            dermawan(url, "load-catalog", str(data / "catalog.json"))
            counts, wall, rss = dermawan(url, "ingest", str(events))
            base = baseline(kind, url, events)
        # The ingest's own clock: interpreter and Django start-up (about a
        # second) are left out, as the baseline leaves them out.
        seconds = counts["seconds"]
        rate = counts["read"] / seconds
        print(
            f"{kind:10s} ingest {rate:>9,.0f} events/s ({seconds:6.1f} s, {wall:6.1f} s with "
            f"start-up, peak RSS {rss} MiB); baseline bulk load "
            f"{counts['read'] / base:>9,.0f} events/s ({base:5.1f} s); "
            f"ratio {seconds / base:.2f}x the baseline's time"
        )
        print(
            f"{'':10s} applied {counts['applied']:,}, duplicates {counts['duplicates']:,}, "
            f"rejected {counts['rejected']:,}, parked {counts['parked']:,}, "
            f"donations {counts['donations_created']:,}"
        )


if __name__ == "__main__":
    main()
