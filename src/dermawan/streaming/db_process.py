"""The worker's database side, in a child process of its own.

On two cores a worker is bound by Python's GIL, not by the database: NATS
parsing and acknowledgements, decoding, the engine and the log all want one
interpreter. A child process gives the engine an interpreter of its own, as
``dermawan ingest`` gives its reader one. The parent keeps everything NATS
(pulls, acks, redelivery timing) and decodes the messages (parsing and the
spec's checks, as the ingest's reader does); this process keeps everything
database (leases, the engine, rejects). Decoded batches and small answers
cross the pipe.

The parent keeps two batches in here (one applying, one queued behind it),
so the engine never waits for the parent to acknowledge the last batch and
send the next. Order within a partition needs a failed batch to stop the
ones queued behind it: each batch carries the parent's epoch, and after a
failure every batch of that epoch or older is refused unapplied (``Skipped``);
the parent moves to the next epoch when it has seen the failure. Leases are
kept here between batches (``housekeep`` when due), as the parent only asks
when nothing is queued.

The child ignores SIGTERM and SIGINT: a stop is the parent's to run (finish
the batch in hand, release the leases), whoever the signal was sent to.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

_applier: Any = None  # the child's Applier
PARENT_CHECK_SECONDS = 0.5
_broken_epoch = -1  # the epoch of the last batch that failed
_housekeeping_due = 0.0  # monotonic time of the next lease renewal
_renew_every = 1.0  # seconds between lease renewals (from the lease time)


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
class Housekept:
    dropped: list[int]  # partitions lost or given back
    gained: list[int]
    failure: str = ""  # a passing failure of the renewal; the batch itself committed


@dataclass(frozen=True)
class BatchResult:
    statuses: dict[str, int]  # events by engine status
    refused: int  # messages refused before the engine (unreadable, invalid)
    counts: dict[str, int]  # the worker's running counts, for reports
    housekept: Housekept | None = None  # leases renewed after the batch


def start(side: DatabaseSide) -> ProcessPoolExecutor:
    """The child process; every call runs in its main thread, one at a time."""
    return ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=_init, initargs=(side,)
    )


def _init(side: DatabaseSide) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    import django

    django.setup()
    from dermawan.streaming.applier import Applier
    from dermawan.streaming.leases import Leases

    global _applier, _renew_every
    leases = Leases(side.stream, side.name, side.partitions, side.lease_seconds, side.static)
    _applier = Applier(side.stream, side.source, leases, side.catalog_refresh)
    _renew_every = min(1.0, side.lease_seconds / 5)


def _exit_with_parent(parent: int) -> None:
    """A killed worker (kill -9) must not leave this process behind.

    It would wait forever: it holds both ends of the executor's call queue,
    so the parent's death never reaches it as an end of file. Its open
    transaction, if any, is rolled back by the database when it goes.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(3)


def call(method: str, *args: Any) -> Any:
    """Run an Applier method in the child (see Applier.call for failures)."""
    if method == "apply":
        return _apply(*args)
    if method == "housekeep":
        _housekeeping_done()
    return _applier.call(method, *args)


def _apply(epoch: int, batch: Any) -> BatchResult:
    # Imported here: this module loads before django.setup() in the child.
    from dermawan.streaming.applier import PassingFailure, Skipped
    from dermawan.streaming.leases import LostLease

    global _broken_epoch
    if epoch <= _broken_epoch:
        raise Skipped(f"an earlier batch failed; {len(batch.messages):,} messages given back")
    try:
        result: BatchResult = _applier.call("apply_decoded", batch)
    except LostLease:
        raise  # only this batch's partitions are gone; the others go on
    except BaseException:
        _broken_epoch = epoch
        raise
    if time.monotonic() < _housekeeping_due:
        return result
    _housekeeping_done()
    try:
        dropped, gained = _applier.call("housekeep")
        housekept = Housekept(dropped, gained)
    except PassingFailure as failure:
        housekept = Housekept([], [], str(failure))
    return replace(result, housekept=housekept)


def _housekeeping_done() -> None:
    global _housekeeping_due
    _housekeeping_due = time.monotonic() + _renew_every


def counts() -> Counter[str]:
    return Counter(_applier.counts)
