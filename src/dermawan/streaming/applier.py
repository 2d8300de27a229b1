"""One stream batch, one database transaction: leases, engine, rejects.

Everything here runs on the worker's single database thread (Django's
connection belongs to one thread). The batch commits whole or not at all, and
the worker acknowledges its messages only after the commit: a crash before
the acks makes the messages come back, and the engine counts what already
committed as duplicates (its idempotency by event_id). That is exactly once.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from dermawan.donations import hooks
from dermawan.donations.engine import STATUSES, BatchOutcome, Engine, Rejection
from dermawan.donations.models import IngestRun, ParkedEvent
from dermawan.donations.pledges import PledgeBook
from dermawan.streaming.leases import Leases, LostLease
from dermawan.streaming.messages import DecodedBatch
from dermawan.streaming.models import StreamReject


class PassingFailure(Exception):
    """The database failed for a reason that passes (down, restarted, locked)."""


class Skipped(PassingFailure):
    """Not applied: a batch queued before it failed (db_process.py)."""


def _passing(error: BaseException) -> bool:
    """OperationalError (connection lost, "database is locked", deadlock) and
    InterfaceError (a closed connection) pass; an IntegrityError here means a
    concurrent writer won a race on a unique key, and a retry sees its rows.
    The engine talks to the driver's own cursor, so the driver's classes count
    as well as Django's."""
    driver: Any = connection.Database  # type: ignore[attr-defined]
    kinds = (
        OperationalError, InterfaceError, IntegrityError,
        driver.OperationalError, driver.InterfaceError, driver.IntegrityError,
    )  # fmt: skip
    return isinstance(error, kinds)


class Applier:
    def __init__(self, stream: str, source: str, leases: Leases, catalog_refresh: float) -> None:
        self.stream = stream
        self.source = source
        self.leases = leases
        self.catalog_refresh = catalog_refresh
        self.engine: Engine | None = None
        self.run: IngestRun | None = None
        self.catalog_loaded = 0.0
        self.counts: Counter[str] = Counter()

    # Every entry point turns a passing database failure into PassingFailure and
    # drops the broken connection, so the next call opens a fresh one.
    def call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self, method)(*args)
        except (LostLease, PassingFailure):
            raise
        except Exception as error:
            if not _passing(error):
                raise
            with contextlib.suppress(Exception):  # it was broken anyway
                connection.close()
            raise PassingFailure(f"{type(error).__name__}: {error}".strip()) from error

    def setup(self) -> int:
        self.leases.setup()
        if self.run is None:
            self.run = IngestRun.objects.create(source=self.source[:500])
        self.engine = Engine(self.run.pk)
        self.catalog_loaded = time.monotonic()
        return self.run.pk

    def housekeep(self) -> tuple[list[int], list[int]]:
        """Leases, a fresh catalog now and then, and the run's counts."""
        assert self.engine is not None and self.run is not None
        if time.monotonic() - self.catalog_loaded > self.catalog_refresh:
            # A worker lives for days: pledges loaded meanwhile must count.
            self.engine.pledges = PledgeBook.load()
            self.catalog_loaded = time.monotonic()
        self.run.counts = dict(self.counts)
        self.run.save(update_fields=["counts"])
        return self.leases.rebalance()

    def apply_decoded(self, batch: DecodedBatch) -> Any:
        """Apply a decoded batch of messages; what the worker reports of it."""
        from dermawan.streaming.db_process import BatchResult

        outcome = self.apply(batch)
        return BatchResult(status_counts(outcome), len(batch.refused), dict(self.counts))

    def apply(self, batch: DecodedBatch) -> BatchOutcome:
        assert self.engine is not None and self.run is not None
        try:
            with transaction.atomic():
                self.leases.fence(batch.partitions)
                outcome = self.engine.apply(batch.events)
                self._record_rejects(batch, outcome)
        except BaseException:
            # Accounts created in the rolled-back transaction are gone.
            self.engine.accounts.forget()
            raise
        hooks.run_after_commit()
        self.counts["read"] += len(batch.messages)
        self.counts["batches"] += 1
        self.counts["redelivered"] += sum(1 for n in batch.messages.delivered if n > 1)
        self.counts["applied"] += outcome.applied
        self.counts["duplicates"] += outcome.duplicates
        self.counts["rejected"] += len(outcome.rejected) + len(batch.refused)
        self.counts["donations_created"] += outcome.donations_created
        return outcome

    def _record_rejects(self, batch: DecodedBatch, outcome: BatchOutcome) -> None:
        rows: list[StreamReject] = []

        messages = batch.messages

        def add(rejection: Rejection, index: int | None) -> None:
            rows.append(
                StreamReject(
                    stream=self.stream,
                    sequence=rejection.line,
                    event_id=rejection.event_id or "",
                    subject="" if index is None else messages.subjects[index],
                    reason=rejection.reason,
                    message=rejection.message,
                    payload=b"" if index is None else messages.data[index],
                    run_id=self.engine.run_id if self.engine else 0,
                )
            )

        for rejection, index in batch.refused:
            add(rejection, index)
        for rejection in outcome.rejected:
            # An event parked by an earlier batch has no message in this one.
            add(rejection, None if rejection.index is None else batch.origin[rejection.index])
        if rows:
            # A redelivered message is refused again: one row per message.
            StreamReject.objects.bulk_create(rows, ignore_conflicts=True)

    def finish(self, release: bool) -> dict[str, Any]:
        assert self.run is not None
        if release:
            self.leases.release_all()
        counts: dict[str, Any] = {key: self.counts[key] for key in sorted(self.counts)}
        for key in (
            "read", "applied", "duplicates", "rejected", "donations_created", "batches",
            "redelivered", "retries",
        ):  # fmt: skip
            counts.setdefault(key, 0)
        counts["parked"] = ParkedEvent.objects.count()
        counts["lost_leases"] = self.leases.lost
        self.run.counts = counts
        self.run.finished_at = timezone.now()
        self.run.save(update_fields=["counts", "finished_at"])
        return counts


def status_counts(outcome: BatchOutcome) -> dict[str, int]:
    counted = Counter(outcome.statuses)
    return {status: counted[status] for status in STATUSES}
