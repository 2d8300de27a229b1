"""What a worker reports: Prometheus metrics on a local port, a line on the terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping

from prometheus_client import Counter, Gauge, Histogram, start_http_server

EVENTS = Counter(
    "dermawan_stream_events",
    "Stream messages by what became of them",
    ["outcome"],  # applied, duplicate, parked, rejected
)
BATCHES = Counter("dermawan_stream_batches", "Batches committed")
BATCH_SECONDS = Histogram(
    "dermawan_stream_batch_seconds",
    "Seconds to apply and commit one batch",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
RETRIES = Counter(
    "dermawan_stream_retries", "Batches given back unacknowledged, by why", ["reason"]
)
LAG = Gauge(
    "dermawan_stream_lag_messages",
    "Messages of a partition not yet delivered (pending) or not yet acknowledged",
    ["partition", "state"],
)
OWNED = Gauge("dermawan_stream_partitions_owned", "Partitions this worker holds")


def serve(address: str, port: int) -> None:
    """Metrics on http://ADDRESS:PORT/metrics (a local address: no authentication)."""
    start_http_server(port, addr=address)


def record_batch(statuses: Mapping[str, int], refused: int, seconds: float) -> None:
    for outcome, count in statuses.items():
        if count:
            EVENTS.labels(outcome).inc(count)
    if refused:
        EVENTS.labels("rejected").inc(refused)
    BATCHES.inc()
    BATCH_SECONDS.observe(seconds)


def record_lag(backlog: Mapping[int, tuple[int, int]]) -> None:
    for partition, (pending, unacked) in backlog.items():
        LAG.labels(str(partition), "pending").set(pending)
        LAG.labels(str(partition), "unacknowledged").set(unacked)


class Reporter:
    """A status line on stderr every ``every`` seconds: in place on a terminal."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.tty = sys.stderr.isatty()
        self.started = self.last = time.monotonic()
        self.last_read = 0

    def due(self) -> bool:
        return self.every > 0 and time.monotonic() - self.last >= self.every

    def report(self, counts: Mapping[str, int], lag: int, owned: list[int]) -> None:
        now = time.monotonic()
        rate = (counts.get("read", 0) - self.last_read) / max(now - self.last, 1e-9)
        self.last, self.last_read = now, counts.get("read", 0)
        line = (
            f"worker: {counts.get('read', 0):,} read, {counts.get('applied', 0):,} applied, "
            f"{counts.get('duplicates', 0):,} duplicates, {counts.get('rejected', 0):,} rejected; "
            f"{rate:,.0f}/s; lag {lag:,}; partitions {_ranges(owned)}"
        )
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _ranges(partitions: list[int]) -> str:
    if not partitions:
        return "none"
    out, start, previous = [], partitions[0], partitions[0]
    for p in [*partitions[1:], None]:
        if p is not None and p == previous + 1:
            previous = p
            continue
        out.append(str(start) if start == previous else f"{start}-{previous}")
        if p is not None:
            start = previous = p
    return ",".join(out)
