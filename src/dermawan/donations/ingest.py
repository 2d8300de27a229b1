"""Ingesting order events from a file or from records, batch by batch.

Reading and validating is streaming Python; each full batch goes to the
engine, which applies it in one database transaction. Memory is bounded by
the batch size whatever the size of the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from django.utils import timezone

from dermawan.core.values import Invalid
from dermawan.donations.engine import BatchOutcome, Engine, Rejection
from dermawan.donations.events import OrderEvent, read_event
from dermawan.donations.models import IngestRun, ParkedEvent
from dermawan.donations.sources import Record, Source, UnreadableSource, open_source

DEFAULT_BATCH_SIZE = 50_000

__all__ = ["IngestReport", "UnreadableSource", "ingest_file", "ingest_records"]


@dataclass
class IngestReport:
    counts: dict[str, Any]
    rejects: list[dict[str, Any]] = field(default_factory=list)


class _RejectSink:
    """Rejections go to the rejects file as they happen, and to the report."""

    def __init__(self, stream: IO[bytes] | None, keep: bool) -> None:
        self.stream = stream
        self.keep = keep
        self.kept: list[dict[str, Any]] = []
        self.count = 0

    def add(self, rejection: Rejection) -> None:
        self.count += 1
        document = rejection.as_dict()
        if self.stream is not None:
            self.stream.write(orjson.dumps(document) + b"\n")
        if self.keep:
            self.kept.append(document)


def ingest_records(
    records: Iterable[dict[str, Any]], *, batch_size: int = DEFAULT_BATCH_SIZE, source: str = "records"
) -> IngestReport:
    """Ingest events given as parsed JSON objects (line numbers count from 1)."""
    numbered: Iterator[Record] = (
        (number, record) for number, record in enumerate(records, start=1)
    )
    return _ingest(numbered, source=source, batch_size=batch_size, rejects=None, keep=True)


def ingest_file(
    path: Path,
    *,
    format: str | None = None,
    rejects: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[Source], AbstractContextManager[Callable[[], None]]] | None = None,
    keep_rejects: bool = True,
) -> IngestReport:
    """Ingest an event file; raises ``UnreadableSource`` before writing anything."""
    events = open_source(Path(path), format)
    rejects_stream = rejects.open("wb") if rejects is not None else None
    tracker = progress(events) if progress is not None else nullcontext(lambda: None)
    try:
        with tracker as advance:
            return _ingest(
                events.records(),
                source=str(path),
                batch_size=batch_size,
                rejects=rejects_stream,
                keep=keep_rejects,
                advance=advance,
            )
    finally:
        if rejects_stream is not None:
            rejects_stream.close()


def _ingest(
    records: Iterator[Record],
    *,
    source: str,
    batch_size: int,
    rejects: IO[bytes] | None,
    keep: bool,
    advance: Callable[[], None] = lambda: None,
) -> IngestReport:
    started = time.perf_counter()
    run = IngestRun.objects.create(source=source[:500])
    engine = Engine(run.pk)
    sink = _RejectSink(rejects, keep)
    read = applied = duplicates = donations = 0
    batch: list[OrderEvent] = []
    unread: list[Rejection] = []  # records refused before the engine, this batch


    def flush() -> None:
        nonlocal applied, duplicates, donations
        outcome: BatchOutcome = engine.apply(batch)
        applied += outcome.applied
        duplicates += outcome.duplicates
        donations += outcome.donations_created
        # The rejects file in line order within each batch.
        for rejection in sorted(unread + outcome.rejected, key=lambda r: r.line):
            sink.add(rejection)
        batch.clear()
        unread.clear()
        advance()

    for number, record in records:
        read += 1
        if isinstance(record, Invalid):
            unread.append(Rejection(number, None, record.reason, record.message))
            continue
        try:
            batch.append(read_event(record, number))
        except Invalid as invalid:
            event_id = record.get("event_id")
            unread.append(
                Rejection(
                    number,
                    event_id if isinstance(event_id, str | int) else None,  # type: ignore[arg-type]
                    invalid.reason,
                    invalid.message,
                )
            )
            continue
        if len(batch) + len(unread) >= batch_size:
            flush()
    if batch or unread:
        flush()
    seconds = time.perf_counter() - started
    counts = {
        "read": read,
        "applied": applied,
        "duplicates": duplicates,
        "rejected": sink.count,
        "parked": ParkedEvent.objects.count(),
        "donations_created": donations,
        "seconds": round(seconds, 3),
        "events_per_second": round(read / seconds) if seconds > 0 else 0,
    }
    run.finished_at = timezone.now()
    run.counts = counts
    run.save(update_fields=["finished_at", "counts"])
    return IngestReport(counts, sink.kept)
