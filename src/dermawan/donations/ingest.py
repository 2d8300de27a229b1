"""Ingesting order events from a file or from records, batch by batch.

Reading and validating stream (in a child process for files); each full
batch goes to the engine, which applies it in one database transaction.
Memory is bounded by the batch size whatever the size of the file.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from django.utils import timezone

from dermawan.donations import hooks
from dermawan.donations.batches import ValidatedBatch, batches_in_background, validate
from dermawan.donations.engine import Engine, Rejection
from dermawan.donations.models import IngestRun, ParkedEvent
from dermawan.donations.sources import Source, UnreadableSource, open_source

DEFAULT_BATCH_SIZE = 50_000

__all__ = ["IngestReport", "UnreadableSource", "ingest_file", "ingest_records"]

Progress = Callable[[Source], AbstractContextManager[Callable[[], None]]]


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
    records: Iterable[dict[str, Any]],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    source: str = "records",
) -> IngestReport:
    """Ingest events given as parsed JSON objects (line numbers count from 1)."""
    numbered = ((number, record) for number, record in enumerate(records, start=1))
    batches = validate(numbered, batch_size)
    return _ingest(batches, source=source, rejects=None, keep=True)


def ingest_file(
    path: Path,
    *,
    format: str | None = None,
    rejects: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    keep_rejects: bool = True,
) -> IngestReport:
    """Ingest an event file; raises ``UnreadableSource`` before writing anything."""
    source = open_source(Path(path), format)
    batches = batches_in_background(source.path, source.format, batch_size)
    rejects_stream = rejects.open("wb") if rejects is not None else None
    tracker = progress(source) if progress is not None else nullcontext(lambda: None)
    try:
        with tracker as advance:
            return _ingest(
                batches,
                source=str(path),
                rejects=rejects_stream,
                keep=keep_rejects,
                on_batch=lambda batch: _advance(source, batch, advance),
            )
    finally:
        if rejects_stream is not None:
            rejects_stream.close()


def _advance(source: Source, batch: ValidatedBatch, advance: Callable[[], None]) -> None:
    source.position = batch.position
    advance()


def _ingest(
    batches: Iterator[ValidatedBatch],
    *,
    source: str,
    rejects: IO[bytes] | None,
    keep: bool,
    on_batch: Callable[[ValidatedBatch], object] = lambda batch: None,
) -> IngestReport:
    started = time.perf_counter()
    # A batch's objects live until it commits and make no reference cycles;
    # the cyclic collector would only rescan them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        run = IngestRun.objects.create(source=source[:500])
        engine = Engine(run.pk)
        sink = _RejectSink(rejects, keep)
        read = applied = duplicates = donations = 0
        with hooks.after_commits() as committed:
            for batch in batches:
                outcome = engine.apply(batch.events)
                committed()
                read += batch.read
                applied += outcome.applied
                duplicates += outcome.duplicates
                donations += outcome.donations_created
                # The rejects file in line order within each batch.
                for rejection in sorted(batch.refused + outcome.rejected, key=lambda r: r.line):
                    sink.add(rejection)
                on_batch(batch)
    finally:
        if collecting:
            gc.enable()
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
