"""One simulation run: check the options, write the catalog, stream the events.

Independent of Django so tests and benchmarks can call it directly; the
management command only parses arguments and prints.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from dermawan.simulation.catalog import build_catalog
from dermawan.simulation.events import Stats, generate
from dermawan.simulation.writers import FORMATS, EventWriter, open_writer

DEFAULT_START = "2026-11-05T00:00:00+07:00"  # the week of 11.11
MAX_INVALID_RATE = 0.5


class BadOptions(ValueError):
    """Options that cannot make a run; the message says which and why."""


@dataclass(frozen=True)
class Options:
    events: int
    seed: int
    out: Path
    file_format: str = "jsonl"
    days: float = 7.0
    start: str = DEFAULT_START
    invalid_rate: float = 0.0


def parse_start(text: str) -> int:
    """Epoch seconds of an RFC 3339 time with an offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadOptions(f"--start {text!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise BadOptions(f"--start {text!r} needs an offset, e.g. Z or +07:00")
    return math.floor(moment.timestamp())


def check(options: Options) -> tuple[int, int]:
    """(start, seconds) of the simulated window; raises BadOptions."""
    if options.events < 0:
        raise BadOptions(f"--events must be 0 or more, got {options.events}")
    if options.file_format not in FORMATS:
        raise BadOptions(f"--format must be one of {', '.join(FORMATS)}")
    if not (math.isfinite(options.days) and options.days > 0):
        raise BadOptions(f"--days must be more than 0, got {options.days}")
    seconds = round(options.days * 86400)
    if seconds < 1:
        raise BadOptions(f"--days {options.days} is shorter than a second")
    if not (0 <= options.invalid_rate <= MAX_INVALID_RATE):
        raise BadOptions(f"--invalid-rate must be between 0 and {MAX_INVALID_RATE}")
    return parse_start(options.start), seconds


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise BadOptions(f"--out {directory} is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadOptions(f"cannot create --out {directory}: {error.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BadOptions(f"--out {directory} is not writable")


def simulate(
    options: Options, progress: Callable[[int], None] | None = None
) -> dict[str, str | int | float]:
    """Write ``catalog.json`` and ``events.<format>`` into ``options.out``; the summary.

    ``progress`` is called with the number of events written so far.
    """
    started = time.perf_counter()
    start, seconds = check(options)
    _prepare(options.out)
    catalog = build_catalog(options.events, options.seed, start, seconds)
    catalog_path = options.out / "catalog.json"
    events_path = options.out / f"events.{options.file_format}"
    try:
        staged = catalog_path.with_name(".catalog.json.partial")
        staged.write_bytes(orjson.dumps(catalog.document(), option=orjson.OPT_INDENT_2) + b"\n")
        os.replace(staged, catalog_path)
        writer: EventWriter = open_writer(events_path, options.file_format)
    except OSError as error:
        raise BadOptions(f"cannot write into --out {options.out}: {error.strerror}") from None

    stats = Stats()
    stream = generate(
        catalog.shops,
        options.events,
        options.seed,
        start,
        seconds,
        invalid_rate=options.invalid_rate,
        file_format=options.file_format,
        stats=stats,
    )
    done = 0
    # The stream allocates millions of short-lived objects that never form
    # cycles; the cyclic collector would only keep rescanning the pending
    # lines (about a fifth of the run time), so it is paused meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for batch in stream:
            writer.write(batch)
            done += len(batch)
            if progress is not None:
                progress(done)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        if collecting:
            gc.enable()
    elapsed = time.perf_counter() - started
    return {
        "catalog": str(catalog_path),
        "events": str(events_path),
        "format": options.file_format,
        "events_written": stats.events,
        "lines": stats.lines,
        "orders": stats.orders,
        "charities": len(catalog.charities),
        "projects": len(catalog.projects),
        "merchants": len(catalog.merchants),
        "pledges": len(catalog.pledges),
        "paid": stats.by_type["paid"],
        "completed": stats.by_type["completed"],
        "cancelled": stats.by_type["cancelled"],
        "refunded": stats.by_type["refunded"],
        "duplicates": stats.duplicates,
        "out_of_order": stats.out_of_order,
        "invalid": stats.invalid,
        "seconds": round(elapsed, 3),
        "events_per_second": round(stats.events / elapsed) if elapsed > 0 else 0,
    }
