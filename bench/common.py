"""What every benchmark shares: fresh databases, the dermawan command, timing.

Benchmarks print their figure and the ratio to a baseline measured in the
same run on the same rows; they are scripts, never timed unit tests.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POSTGRES_ADMIN_URL = os.environ.get(
    "DERMAWAN_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# One database per benchmark script, so two benchmarks never share one.
BENCH_NAME = Path(sys.argv[0]).stem or "bench"


def dermawan(database_url: str, *args: str) -> tuple[dict[str, Any], float, int]:
    """Run ``dermawan ARGS --json``: its JSON, wall seconds, and peak RSS in MiB."""
    env = dict(os.environ, DERMAWAN_DATABASE_URL=database_url)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "dermawan", *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait4 reports the peak RSS of this child (and, folded in, its reader).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"dermawan {' '.join(args)} failed ({code}):\n{err}{out}")
    return json.loads(out), seconds, usage.ru_maxrss // 1024


def machine_speed() -> str:
    """How fast this machine runs Python now, to read a figure against: the
    nanoseconds of one iteration of a plain loop (a list of ten million
    zeros, as docs/performance.md times it), and the load average. On its
    2-core machine the loop takes about 18 ns at a quiet hour and 27-35 ns
    at a slow one; rates measured minutes apart move with it."""
    started = time.perf_counter()
    [0 for _ in range(10_000_000)]
    elapsed = time.perf_counter() - started
    load = os.getloadavg()[0]
    return f"{elapsed * 100:.1f} ns per loop iteration, load average {load:.1f}"


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """A new, migrated database: a SQLite file, or a PostgreSQL database."""
    if kind == "sqlite":
        path = workdir / f"{BENCH_NAME}.sqlite3"
        for leftover in workdir.glob(f"{BENCH_NAME}.sqlite3*"):
            leftover.unlink()
        url = f"sqlite:///{path}"
    else:
        import psycopg

        name = f"dermawan_bench_{BENCH_NAME}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    dermawan(url, "migrate")
    yield url


def simulate(events: int, seed: int, out: Path) -> Path:
    """A synthetic catalog and event file (reused when already there)."""
    marker = out / f".done-{events}-{seed}"
    if not marker.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "dermawan", "simulate", "--events", str(events),
             "--seed", str(seed), "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        marker.touch()
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds the processes have used so far (ended ones count 0)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(idle, total) CPU ticks of every core since boot (/proc/stat): two
    readings give the share of the machine that sat idle between them."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; user..steal


def database_backends(url: str) -> list[int]:
    """PostgreSQL: the server processes serving ``url``'s database now (none for SQLite)."""
    if not url.startswith("postgresql"):
        return []
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def peak_rss_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
