"""Benchmark: order events per second through NATS JetStream and ``dermawan worker``.

Simulates N events (default 1,000,000); ingests the file with ``dermawan
ingest`` into a fresh PostgreSQL database (the baseline, measured in the same
run on the same events); publishes the file onto a fresh stream of the local
NATS server with ``dermawan publish``; then runs 1 and then 2 workers, each
time into a fresh database from the start of the stream, until the stream
is acknowledged. Prints events/s end to end (worker start to last commit,
wall clock, like the ingest's wall clock) and the ratio to the ingest.

    python bench/stream.py [--events N] [--workers 1,2] [--batch-size B]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import POSTGRES_ADMIN_URL, dermawan, simulate

NATS_URL = os.environ.get("DERMAWAN_BENCH_NATS", "nats://127.0.0.1:4222")
DATABASE = "dermawan_bench_stream"  # its own: bench/ingest.py drops dermawan_bench


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE
    dermawan(url, "migrate")
    return url


def run_workers(
    url: str, count: int, stream: list[str], durable: str, batch_size: int
) -> tuple[float, list[dict[str, Any]]]:
    """Seconds from starting ``count`` workers to their last commit, and their reports."""
    env = dict(os.environ, DERMAWAN_DATABASE_URL=url)
    started_wall = time.time()

    def command(index: int) -> list[str]:
        return [
            sys.executable, "-m", "dermawan", "worker", *stream, "--durable", durable,
            "--name", f"{durable}-{index}", "--batch-size", str(batch_size),
            "--exit-when-idle", "2", "--report-every", "0", "--json",
        ]  # fmt: skip

    reports = []
    # What the workers say on stderr is kept, for when one fails.
    with contextlib.ExitStack() as files:
        logs = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in range(count)]
        processes = [
            subprocess.Popen(command(index), env=env, stdout=subprocess.PIPE, stderr=log, text=True)
            for index, log in enumerate(logs)
        ]
        for process, log in zip(processes, logs, strict=True):
            out, _ = process.communicate(timeout=3600)
            if process.returncode != 0:
                log.seek(0)
                raise SystemExit(f"a worker failed ({process.returncode}):\n{log.read()[-3000:]}")
            reports.append(json.loads(out))
    last = max(r["last_commit_at"] or started_wall for r in reports)
    return last - started_wall, reports


def delete_stream(name: str) -> None:
    import asyncio

    import nats

    async def main() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(name)
        finally:
            await nc.close()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1111)
    parser.add_argument("--workers", default="1,2")
    # The same batches as the ingest it is compared with (DEFAULT_BATCH_SIZE).
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()

    data = simulate(args.events, args.seed, args.workdir / f"sim-{args.events}-{args.seed}")
    events, catalog = data / "events.jsonl", data / "catalog.json"
    print(f"{args.events:,} simulated events ({events.stat().st_size / 2**20:,.0f} MiB JSON Lines)")

    url = fresh_postgres()
    dermawan(url, "load-catalog", str(catalog))
    counts, ingest_seconds, _ = dermawan(url, "ingest", str(events))
    ingest_rate = counts["read"] / ingest_seconds
    print(f"ingest         {ingest_rate:>9,.0f} events/s ({ingest_seconds:6.1f} s) into PostgreSQL")

    token = uuid.uuid4().hex[:8]
    name = f"BENCH{token}"
    stream = ["--nats", NATS_URL, "--stream", name, "--subjects", f"bench{token}.orders.>"]
    try:
        published, publish_seconds, _ = dermawan(url, "publish", str(events), *stream)
        print(
            f"publish        {published['read'] / publish_seconds:>9,.0f} events/s "
            f"({publish_seconds:6.1f} s): {published['published']:,} stored, "
            f"{published['duplicates']:,} dropped as re-sent, {published['partitions']} partitions"
        )
        for count in (int(c) for c in args.workers.split(",")):
            url = fresh_postgres()
            dermawan(url, "load-catalog", str(catalog))
            seconds, reports = run_workers(url, count, stream, f"bench{count}", args.batch_size)
            rate = counts["read"] / seconds
            applied = sum(r["applied"] for r in reports)
            print(
                f"{count} worker{'s' if count > 1 else ' '}      {rate:>9,.0f} events/s "
                f"({seconds:6.1f} s); {rate / ingest_rate:.0%} of ingest; applied {applied:,} "
                f"(ingest {counts['applied']:,})"
            )
    finally:
        delete_stream(name)


if __name__ == "__main__":
    main()
