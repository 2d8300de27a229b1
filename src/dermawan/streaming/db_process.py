"""The worker's database side, in a child process of its own.

On two cores a worker is bound by Python's GIL, not by the database: NATS
parsing and acknowledgements (the parent's event loop) and decoding, the
engine and the log (this side) all want the one interpreter. A child process
gives the engine a core of its own, as ``dermawan ingest`` gives its reader
one. The parent keeps everything NATS (pulls, acks, redelivery timing); this
process keeps everything database (leases, decoding, the engine, rejects),
and only raw messages and small answers cross the pipe.

The child ignores SIGTERM and SIGINT: a stop is the parent's to run (finish
the batch in hand, release the leases), whoever the signal was sent to.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

_applier: Any = None  # the child's Applier


@dataclass(frozen=True)
class DatabaseSide:
    """What the child needs to build its Applier (all picklable)."""

    stream: str
    source: str
    name: str
    partitions: int
    lease_seconds: float
    static: list[int] | None
    catalog_refresh: float


@dataclass(frozen=True)
class BatchResult:
    statuses: dict[str, int]  # events by engine status
    refused: int  # messages refused before the engine (unreadable, invalid)
    counts: dict[str, int]  # the worker's running counts, for reports


def start(side: DatabaseSide) -> ProcessPoolExecutor:
    """The child process; every call runs in its main thread, one at a time."""
    return ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=_init, initargs=(side,)
    )


def _init(side: DatabaseSide) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import django

    django.setup()
    from dermawan.streaming.applier import Applier
    from dermawan.streaming.leases import Leases

    global _applier
    leases = Leases(side.stream, side.name, side.partitions, side.lease_seconds, side.static)
    _applier = Applier(side.stream, side.source, leases, side.catalog_refresh)


def call(method: str, *args: Any) -> Any:
    """Run an Applier method in the child (see Applier.call for failures)."""
    if method == "apply":
        return _applier.call("apply_messages", *args)
    return _applier.call(method, *args)


def counts() -> Counter[str]:
    return Counter(_applier.counts)
