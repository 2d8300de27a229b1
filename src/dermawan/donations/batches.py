"""Records to validated batches: the reading half of an ingest.

It needs no database, so for files it runs in a child process beside the
engine (``batches_in_background``): on two cores, JSON parsing and field
checks overlap the database work instead of adding to it.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dermawan.core.values import Invalid
from dermawan.donations.engine import Rejection
from dermawan.donations.events import OrderEvent, read_event
from dermawan.donations.sources import Record, Source

# Batches in flight between the reader and the engine: bounds memory.
QUEUE_DEPTH = 3
POLL_SECONDS = 1.0


@dataclass
class ValidatedBatch:
    events: list[OrderEvent] = field(default_factory=list)
    # Records refused before the engine saw them: unreadable or invalid fields.
    refused: list[Rejection] = field(default_factory=list)
    read: int = 0
    position: int = 0  # bytes of the source consumed, for the progress bar


def validate(records: Iterator[Record], batch_size: int) -> Iterator[ValidatedBatch]:
    batch = ValidatedBatch()
    for number, record in records:
        batch.read += 1
        if isinstance(record, Invalid):
            batch.refused.append(Rejection(number, None, record.reason, record.message))
        else:
            try:
                batch.events.append(read_event(record, number))
            except Invalid as invalid:
                event_id = record.get("event_id")
                batch.refused.append(
                    Rejection(
                        number,
                        str(event_id) if isinstance(event_id, str | int) else None,
                        invalid.reason,
                        invalid.message,
                    )
                )
        if len(batch.events) + len(batch.refused) >= batch_size:
            yield batch
            batch = ValidatedBatch()
    if batch.read:
        yield batch


def _read_file(
    path: Path,
    file_format: str,
    batch_size: int,
    out: multiprocessing.Queue[tuple[str, object]],
    parent: int,
) -> None:
    try:
        source = Source(path, file_format)  # checked whole by the parent already
        for batch in validate(source.records(), batch_size):
            batch.position = source.position
            _put(out, ("batch", batch), parent)
        _put(out, ("done", None), parent)
    except BaseException as error:  # the parent re-raises it
        _put(out, ("error", f"{type(error).__name__}: {error}"), parent)


def _put(
    out: multiprocessing.Queue[tuple[str, object]], item: tuple[str, object], parent: int
) -> None:
    while True:
        if os.getppid() != parent:  # the ingest died (killed): stop, do not linger
            os._exit(1)
        try:
            out.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            continue


class ReaderFailed(Exception):
    """The background reader stopped on an error it could not turn into a reject."""


def batches_in_background(
    path: Path, file_format: str, batch_size: int
) -> Iterator[ValidatedBatch]:
    """``validate`` over a file, run in a child process; yields its batches in order."""
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[tuple[str, object]] = context.Queue(maxsize=QUEUE_DEPTH)
    reader = context.Process(
        target=_read_file,
        args=(path, file_format, batch_size, out, os.getpid()),
        name="dermawan-reader",
        daemon=True,
    )
    reader.start()
    try:
        while True:
            try:
                kind, payload = out.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not reader.is_alive():
                    raise ReaderFailed(f"the reader of {path} stopped unexpectedly") from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise ReaderFailed(f"reading {path} failed: {payload}")
            assert isinstance(payload, ValidatedBatch)
            yield payload
    finally:
        if reader.is_alive():
            reader.terminate()
        reader.join(timeout=5)
