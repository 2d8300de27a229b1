"""The worker loop: fetch a partition's batch, apply it, acknowledge after commit.

NATS is asyncio, in this process; the database work runs in a child process
(db_process.py) that holds two batches: while one commits, the next is
already queued there, and this process acknowledges the last one and fetches
the one after. Order within a partition holds: the child applies batches in
the order they were sent, a failed batch makes the ones queued behind it
come back unread, and a batch given back (not acknowledged) comes back
before anything newer of its partition.

What becomes of a batch:
- committed: every message is acknowledged;
- the database failed for a passing reason: every message is given back
  (NAK), the worker waits (growing back-off) and fetches again;
- another worker holds the partition now (``LostLease``): given back;
- anything else is a bug: given back, and the worker stops with status 1.
SIGTERM or SIGINT: the batches in the database process are finished and
acknowledged, nothing more is fetched, the leases are released.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext

from dermawan.streaming import db_process, metrics
from dermawan.streaming.applier import PassingFailure, Skipped
from dermawan.streaming.db_process import BatchResult, DatabaseSide, Housekept
from dermawan.streaming.leases import LostLease
from dermawan.streaming.messages import Delivery, Returning, decode, pack
from dermawan.streaming.partitioning import parse_partitions, subject_prefix
from dermawan.streaming.puller import Puller
from dermawan.streaming.streams import (
    DEFAULT_DURABLE,
    DEFAULT_STREAM,
    DEFAULT_SUBJECTS,
    DEFAULT_URL,
    connect,
    consumer_backlog,
    ensure_consumers,
    ensure_stream,
    unacknowledged,
)

ACK, NAK, IN_PROGRESS = b"+ACK", b"-NAK", b"+WPI"
LAG_EVERY = 5.0  # seconds between looks at the consumers' backlog
PIPELINE = 2  # batches in the database process: one applying, one queued behind it


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class WorkerOptions:
    urls: list[str] = field(default_factory=lambda: [DEFAULT_URL])
    stream: str = DEFAULT_STREAM
    subjects: str = DEFAULT_SUBJECTS
    partitions: int | None = None
    replicas: int = 1
    durable: str = DEFAULT_DURABLE
    name: str = field(default_factory=default_name)
    batch_size: int = 10_000
    wait: float = 1.0
    ack_wait: float = 30.0
    lease_seconds: float = 15.0
    only_partitions: str | None = None  # e.g. "0-3": a static assignment
    metrics_address: str = "127.0.0.1"
    metrics_port: int = 0  # 0: no metrics endpoint
    exit_when_idle: float | None = None
    report_every: float = 10.0
    catalog_refresh: float = 30.0
    max_backoff: float = 10.0


def _log(message: str) -> None:
    print(f"worker: {message}", file=sys.stderr, flush=True)


@dataclass
class InFlight:
    """A batch sent to the database process, and its answer to come."""

    batch: list[Delivery]
    applying: asyncio.Future[Any]
    sent: float  # monotonic


class Worker:
    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.stopping = asyncio.Event()
        self.stop_reason = "signal"
        self.pullers: dict[int, Puller] = {}
        self.turn = 0
        self.backoff = 0.0
        self.last_message = time.monotonic()
        self.last_commit_at: float | None = None
        self.next_housekeeping = 0.0
        self.next_lag = 0.0
        self.lag = 0
        self.started = time.monotonic()
        self.counts: dict[str, int] = {}  # the database side's, as of its last batch
        self.retries = 0
        self.epoch = 0  # moves on after each failed batch (db_process.py)
        self.executor: Any = None  # the database process (db_process.py)
        # Decoding and validating messages, off the event loop (GIL-bound, but the
        # loop mostly waits on sockets and the database process on PostgreSQL).
        self.decoder = ThreadPoolExecutor(1, thread_name_prefix="decode")
        self.nc: Client
        self.js: JetStreamContext

    # the database process --------------------------------------------------

    async def db(self, method: str, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, db_process.call, method, *args)

    def report_counts(self) -> dict[str, int]:
        return {**self.counts, "retries": self.counts.get("retries", 0) + self.retries}

    async def sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once on a stop signal."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def back_off(self, why: str) -> None:
        self.backoff = min(max(self.backoff * 2, 0.5), self.options.max_backoff)
        metrics.RETRIES.labels(why).inc()
        self.retries += 1
        await self.sleep(self.backoff)

    # start and stop ---------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        o = self.options
        prefix = subject_prefix(o.subjects)
        self.nc = await connect(o.urls, f"dermawan-worker {o.name}")
        self.js = self.nc.jetstream()
        count = await ensure_stream(self.js, o.stream, o.subjects, o.partitions, o.replicas)
        static = parse_partitions(o.only_partitions, count) if o.only_partitions else None
        # Of one partition: a batch applying, one queued, one being fetched.
        await ensure_consumers(
            self.js, o.stream, prefix, o.durable, count, o.ack_wait, (PIPELINE + 1) * o.batch_size
        )
        source = f"nats {o.stream} ({o.durable}) worker {o.name}"
        self.executor = db_process.start(
            DatabaseSide(
                o.stream, source, o.name, count, o.lease_seconds, static, o.catalog_refresh
            )
        )
        self.partitions = count
        while not self.stopping.is_set():
            try:
                await self.db("setup")
                break
            except PassingFailure as failure:
                _log(f"database not ready ({failure}); retrying")
                await self.back_off("database")
        if o.metrics_port:
            metrics.serve(o.metrics_address, o.metrics_port)
        _log(
            f"{o.name} on stream {o.stream} ({count} partitions), batches of {o.batch_size:,}"
            + (f", metrics on {o.metrics_address}:{o.metrics_port}" if o.metrics_port else "")
        )
        reporter = metrics.Reporter(o.report_every)
        try:
            await self.loop(reporter)
        finally:
            reporter.close()
            counts = await self.shut_down()
        return counts

    async def shut_down(self) -> dict[str, Any]:
        for puller in self.pullers.values():
            await puller.stop()
            await self.give_back(puller.buffer)  # arrived late: back at once
        counts: dict[str, Any] = {}
        for _ in range(3):
            try:
                counts = await self.db("finish", True)
                break
            except PassingFailure as failure:
                _log(f"could not release leases ({failure}); they expire by themselves")
                await asyncio.sleep(1)
        counts["retries"] = counts.get("retries", 0) + self.retries
        # Acknowledgements lost now only mean redeliveries (duplicates).
        with contextlib.suppress(Exception):
            await self.nc.flush(timeout=5)
        await self.nc.close()
        self.executor.shutdown(wait=True)
        self.decoder.shutdown(wait=True)
        seconds = time.monotonic() - self.started
        counts.update(
            name=self.options.name,
            stopped_by=self.stop_reason,
            seconds=round(seconds, 3),
            events_per_second=round(counts.get("read", 0) / seconds) if seconds > 0 else 0,
            last_commit_at=self.last_commit_at,
        )
        return counts

    # the loop ---------------------------------------------------------------

    async def loop(self, reporter: metrics.Reporter) -> None:
        in_flight: deque[InFlight] = deque()  # in the database process, oldest first
        try:
            while not self.stopping.is_set():
                if not in_flight:
                    await self.housekeep_if_due()
                else:
                    await self.look_at_lag_if_due()
                # Keep the database process fed: one batch applying, one queued.
                while len(in_flight) < PIPELINE and not self.stopping.is_set():
                    if in_flight and in_flight[0].applying.done():
                        break  # acknowledge it first
                    batch = await self.fetch_next()
                    if batch is None:
                        break
                    in_flight.append(self.submit(batch))
                if not in_flight:
                    await self.idle()
                    continue
                await self.settle(in_flight)
                if reporter.due():
                    reporter.report(self.report_counts(), self.lag, sorted(self.pullers))
        finally:
            # A stop finishes what the database process holds; a crash gives it back.
            while in_flight:
                await self.settle(in_flight)

    def next_partition(self) -> int | None:
        owned = sorted(self.pullers)
        if not owned:
            return None
        self.turn = (self.turn + 1) % len(owned)
        return owned[self.turn]

    async def fetch_next(self) -> list[Delivery] | None:
        partition = self.next_partition()
        return None if partition is None else await self.fetch(partition)

    async def fetch(self, partition: int) -> list[Delivery] | None:
        puller = self.pullers.get(partition)
        if puller is None or time.monotonic() < puller.not_before:
            return None
        deliveries = await puller.pull(self.options.batch_size, self.options.wait)
        if not deliveries:
            return None
        self.last_message = time.monotonic()
        return deliveries

    def submit(self, batch: list[Delivery]) -> InFlight:
        applying = asyncio.ensure_future(self.decode_and_apply(self.epoch, batch))
        return InFlight(batch, applying, time.monotonic())

    async def decode_and_apply(self, epoch: int, batch: list[Delivery]) -> BatchResult:
        """Decode here, apply there: the database process is the worker's busiest.

        One decoding thread, so batches reach the database process in the
        order they were submitted.
        """
        loop = asyncio.get_running_loop()
        decoded = await loop.run_in_executor(self.decoder, decode, pack(batch))
        result: BatchResult = await self.db("apply", epoch, decoded)
        return result

    async def settle(self, in_flight: deque[InFlight]) -> None:
        """Wait for the oldest batch in the database process; acknowledge or give back."""
        oldest = in_flight[0]
        # A long commit (a locked SQLite file) must not let the messages time out.
        while not oldest.applying.done():
            await asyncio.wait({oldest.applying}, timeout=self.options.ack_wait / 3)
            if not oldest.applying.done():
                for waiting in in_flight:
                    await self.send(waiting.batch, IN_PROGRESS)
        in_flight.popleft()
        batch = oldest.batch
        try:
            result: BatchResult = oldest.applying.result()
        except Skipped:
            await self.give_back(batch)  # an older batch failed; already reported
            return
        except PassingFailure as failure:
            _log(f"batch given back, the database failed: {failure}")
            await self.give_back(batch)
            self.epoch += 1  # the batches queued behind it come back as Skipped
            await self.back_off("database")
            return
        except LostLease as lost:
            _log(str(lost))
            await self.give_back(batch)
            for partition in lost.partitions:
                await self.drop(partition)
            return
        except BaseException:
            await self.give_back(batch)
            self.epoch += 1
            self.stopping.set()  # finish nothing more: give back what is queued
            raise
        await self.send(batch, ACK)
        self.counts = result.counts
        self.backoff = 0.0
        self.last_commit_at = time.time()
        metrics.record_batch(result.statuses, result.refused, time.monotonic() - oldest.sent)
        if result.housekept is not None:
            await self.housekept(result.housekept)

    async def send(self, deliveries: list[Delivery], verb: bytes) -> None:
        for delivery in deliveries:
            await self.nc.publish(delivery.reply, verb)

    async def give_back(self, deliveries: list[Delivery]) -> None:
        """NAK: the messages come back at once, before newer ones of their partition."""
        # Unacknowledged either way: they come back after ack_wait.
        with contextlib.suppress(Exception):
            await self.send(deliveries, NAK)

    async def idle(self) -> None:
        o = self.options
        if o.exit_when_idle is not None and time.monotonic() - self.last_message > o.exit_when_idle:
            if await self.stream_drained():
                self.stop_reason = "idle"
                self.stopping.set()
                return
            self.last_message = time.monotonic() - o.exit_when_idle + 1.0  # look again in 1 s
        now = time.monotonic()
        if not self.pullers:
            await self.sleep(min(1.0, o.lease_seconds / 5))
        elif all(now < puller.not_before for puller in self.pullers.values()):
            await self.sleep(0.2)  # every partition waits for its messages to come back

    async def stream_drained(self) -> bool:
        backlog = await self.backlog()
        return backlog is not None and all(sum(b) == 0 for b in backlog.values())

    async def backlog(self) -> dict[int, tuple[int, int]] | None:
        o = self.options
        try:
            return {
                p: await consumer_backlog(self.js, o.stream, o.durable, p)
                for p in range(self.partitions)
            }
        except Exception:
            return None  # the server is away; try later

    # leases -----------------------------------------------------------------

    async def look_at_lag_if_due(self) -> None:
        now = time.monotonic()
        if now >= self.next_lag:
            self.next_lag = now + LAG_EVERY
            backlog = await self.backlog()
            if backlog is not None:
                metrics.record_lag(backlog)
                self.lag = sum(sum(b) for b in backlog.values())

    async def housekeep_if_due(self) -> None:
        """Leases, when nothing is queued (the database process renews them between batches)."""
        await self.look_at_lag_if_due()
        now = time.monotonic()
        if now < self.next_housekeeping:
            return
        self.next_housekeeping = now + min(1.0, self.options.lease_seconds / 5)
        try:
            dropped, gained = await self.db("housekeep")
        except PassingFailure as failure:
            await self.housekept(Housekept([], [], str(failure)))
            return
        await self.housekept(Housekept(dropped, gained))

    async def housekept(self, leases: Housekept) -> None:
        if leases.failure:
            _log(f"could not renew leases: {leases.failure}")
            metrics.RETRIES.labels("leases").inc()
            self.retries += 1
            return
        for partition in leases.dropped:
            await self.drop(partition)
        for partition in leases.gained:
            puller = Puller(self.nc, self.options.stream, self.options.durable, partition)
            await self.hold_until_returned(puller)
            await puller.start()
            self.pullers[partition] = puller
        if leases.dropped or leases.gained:
            _log(f"partitions now {sorted(self.pullers)}")
        metrics.OWNED.set(len(self.pullers))

    async def hold_until_returned(self, puller: Puller) -> None:
        """Order within a partition: what an earlier holder fetched comes first.

        Messages delivered to a worker that died (or a predecessor of this
        one) stay unacknowledged until their ack wait runs out, and then come
        back ahead of newer ones. Pulling before that would apply newer events
        of a line first (a cancel before an earlier refund), so a partition
        taken over with unacknowledged messages waits out one ack wait, and
        then takes them all back as one batch before anything newer (they
        may come back in parts and out of order: puller.py).
        """
        o = self.options
        try:
            held, ack_wait = await unacknowledged(self.js, o.stream, o.durable, puller.partition)
        except Exception:  # cannot tell: assume the worst
            held, ack_wait = Returning(1, sys.maxsize), o.ack_wait
        if held.messages:
            puller.not_before = time.monotonic() + ack_wait + 0.5
            puller.returning, puller.give_up_at = held, puller.not_before + ack_wait
            _log(
                f"partition {puller.partition}: {held.messages:,} messages out with another "
                f"holder; waiting {ack_wait:.0f} s for them to come back first"
            )

    async def drop(self, partition: int) -> None:
        puller = self.pullers.pop(partition, None)
        if puller is not None:
            await puller.stop()
            await self.give_back(puller.buffer)


def run_worker(options: WorkerOptions) -> dict[str, Any]:
    return asyncio.run(Worker(options).run())
