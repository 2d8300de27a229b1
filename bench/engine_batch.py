"""Probe: the fixed cost of one small API engine batch (statements and milliseconds).

Applies batches of 1 and of 16 events the way ``POST /api/v1/events`` does
(one group under the API's write lock: its ingest run, the engine, every
hook, the commit) in this process, on a fresh database with the simulated
catalog, and prints per batch size the statements sent (``COPY`` counts
one, ``executemany`` one per row unless pipelined) and the median and p90
milliseconds. The figure that bounds single requests on PostgreSQL. After
each batch, the transparency log's append (decision 0041) runs as the
writer thread runs it, timed on its own; the database's CPU counts both.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
from pathlib import Path
from typing import Any

import orjson

from common import cpu_seconds, dermawan, fresh_database, machine_speed, simulate

_counts = {"statements": 0, "trips": 0}
_trace: list[str] | None = None  # the statements of one batch, when asked


def _count_statements() -> None:
    """Count, at the driver, the statements sent and the round trips waited for.

    A statement sent in pipeline mode costs a round trip only when a result
    is read (or the pipeline ends) after it; outside it, every statement does.
    ``executemany`` is one statement (psycopg pipelines its rows).
    """
    from contextlib import contextmanager

    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor != "postgresql":
        return
    base = raw.cursor_factory
    state = {"pending": False}

    def sent(text: Any) -> None:
        _counts["statements"] += 1
        if raw.pgconn.pipeline_status:
            state["pending"] = True
        else:
            _counts["trips"] += 1
        if _trace is not None:
            _trace.append(" ".join(str(text).split())[:150])

    def waited() -> None:
        if state["pending"]:
            _counts["trips"] += 1
            state["pending"] = False
            if _trace is not None:
                _trace.append("  (waits here)")

    def counting(base: Any) -> Any:
        return type("Counting", (_Counting, base), {})

    class _Counting:
        def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
            sent(query)
            return super().execute(query, params, **kw)

        def executemany(self, query: Any, params_seq: Any, **kw: Any) -> Any:
            sent(query)
            return super().executemany(query, params_seq, **kw)

        def copy(self, statement: Any, params: Any = None, **kw: Any) -> Any:
            sent(statement)
            return super().copy(statement, params, **kw)

        # A result already in (read with an earlier one) costs no wait.
        def fetchone(self) -> Any:
            if not self.pgresult:
                waited()
            return super().fetchone()

        def fetchall(self) -> Any:
            if not self.pgresult:
                waited()
            return super().fetchall()

        def fetchmany(self, size: int = 0) -> Any:
            if not self.pgresult:
                waited()
            return super().fetchmany(size)

    pipeline = raw.pipeline

    @contextmanager
    def counted_pipeline() -> Any:
        with pipeline() as p:
            yield p
            waited()

    # Django's cursors (the run row, the write lock) and the engine's own
    # (core.bulk.driver_cursor: server-side binding) alike.
    import psycopg

    from dermawan.core import bulk

    raw.cursor_factory = counting(base)
    server_side = counting(psycopg.Cursor)
    bulk.server_cursor = server_side
    raw.pipeline = counted_pipeline  # type: ignore[method-assign]
    commit = raw.commit

    def counted_commit() -> None:  # Django's commit: a statement and a wait, if one is left
        if raw.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            sent("COMMIT")
            _counts["trips"] += 1
        commit()

    raw.commit = counted_commit  # type: ignore[method-assign]


def probe(
    url: str,
    events_file: Path,
    sizes: list[int],
    rounds: int,
    trace: bool = False,
    profile: bool = False,
    profile_by: str = "tottime",
) -> dict[str, Any]:
    global _trace
    os.environ["DERMAWAN_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dermawan.settings")
    import django

    django.setup()
    from django.db import connection

    from dermawan.api import event_batches
    from dermawan.donations import hooks
    from dermawan.donations.events import read_event

    _count_statements()
    lines = [line for line in events_file.read_bytes().splitlines() if line.strip()]
    events = [read_event(orjson.loads(line), i) for i, line in enumerate(lines, 1)]
    position = 0
    figures: dict[str, Any] = {}
    # Warm up: the pledge book, account ids, statement plans.
    for size in [*sizes, *sizes]:
        with event_batches._transaction() as opened:
            event_batches._apply_group([events[position : position + size]], opened)
        hooks.run_after_commit()
        position += size
    # CPU time, not wall time: the waits for the database are not the cost here.
    profiler = cProfile.Profile(time.process_time) if profile else None
    backend = []  # PostgreSQL: the server process of this connection, for its CPU
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = [int(cursor.fetchone()[0])]

    def wal_position() -> str | None:
        # The write-ahead log's bytes: a figure the machine's noise leaves alone.
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            return str(cursor.fetchone()[0])

    def wal_kb_since(start: str | None) -> float | None:
        if start is None:
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [start])
            return float(cursor.fetchone()[0]) / 1024 / rounds

    for size in sizes:
        times, statements, trips, cpu, appends, append_cpu = [], [], [], [], [], []
        backend_started, wal_started = cpu_seconds(backend), wal_position()
        for round_ in range(rounds):
            _trace = [] if trace and round_ == rounds - 1 else None
            batch = events[position : position + size]
            position += size
            before, trips_before = _counts["statements"], _counts["trips"]
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            with event_batches._transaction() as opened:
                event_batches._apply_group([batch], opened)
            if profiler is not None:
                profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            statements.append(_counts["statements"] - before)
            trips.append(_counts["trips"] - trips_before)
            # The log's append runs after the commit, beside the next batch
            # (decision 0041): timed on its own, outside the batch's figures.
            started, cpu_started = time.perf_counter(), time.process_time()
            hooks.run_after_commit()
            appends.append((time.perf_counter() - started) * 1000)
            append_cpu.append((time.process_time() - cpu_started) * 1000)
        # The clock ticks in 10 ms, so the database's CPU is a mean over the rounds.
        backend_ms = (cpu_seconds(backend) - backend_started) * 1000 / rounds
        wal_kb = wal_kb_since(wal_started)
        for statement in _trace or ():
            print(f"    {statement}")
        _trace = None
        times.sort()
        p90 = times[int(len(times) * 0.9)]
        figures[str(size)] = {
            "statements": statistics.median(statements),
            "round_trips": statistics.median(trips),
            "median_ms": round(statistics.median(times), 2),
            "p90_ms": round(p90, 2),
            "cpu_ms": round(statistics.median(cpu), 2),
            "database_cpu_ms": round(backend_ms, 2),
            "log_append_median_ms": round(statistics.median(appends), 2),
            "log_append_cpu_ms": round(statistics.median(append_cpu), 2),
            "wal_kb": None if wal_kb is None else round(wal_kb, 1),
        }
        print(
            f"  {connection.vendor:10s} {size:3d} events/batch: "
            f"{statistics.median(statements):5.0f} statements, "
            f"{statistics.median(trips):4.0f} round trips, "
            f"median {statistics.median(times):6.2f} ms, p90 {p90:6.2f} ms, "
            f"this process's CPU {statistics.median(cpu):5.2f} ms, "
            f"the database's {backend_ms:5.2f} ms (mean); "
            f"then the log's append {statistics.median(appends):5.2f} ms, "
            f"CPU {statistics.median(append_cpu):5.2f} ms"
            + ("" if wal_kb is None else f"; {wal_kb:,.0f} KB of WAL, batch and append (mean)")
        )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats(profile_by).print_stats(40)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--rounds", type=int, default=200, help="batches per size")
    parser.add_argument("--sizes", default="1,16")
    parser.add_argument("--trace", action="store_true", help="print one batch's statements")
    parser.add_argument("--small-batch", type=int, help="override core.bulk.SMALL_BATCH")
    parser.add_argument("--pipeline-batch", type=int, help="override core.bulk.PIPELINE_BATCH")
    parser.add_argument("--profile", action="store_true", help="profile the batches (cProfile)")
    parser.add_argument(
        "--profile-by", default="tottime", help="the profile's order: tottime or cumulative"
    )
    parser.add_argument("--seed", type=int, default=1111)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # Enough events for every batch, the warm-up included (2 per size).
    total = max(20_000, sum(sizes) * (args.rounds + 2))
    data = simulate(total, args.seed, args.workdir / f"sim-{total}-{args.seed}")
    with fresh_database(args.database, args.workdir) as url:
        dermawan(url, "load-catalog", str(data / "catalog.json"))
        print(f"machine: {machine_speed()}")
        from dermawan.core import bulk

        if args.small_batch is not None:
            bulk.SMALL_BATCH = args.small_batch
        if args.pipeline_batch is not None:
            bulk.PIPELINE_BATCH = args.pipeline_batch
        events = data / "events.jsonl"
        probe(url, events, sizes, args.rounds, args.trace, args.profile, args.profile_by)


if __name__ == "__main__":
    main()
