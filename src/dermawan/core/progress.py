"""A progress bar on a terminal; nothing at all when output is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Measured(Protocol):
    size: int
    position: int


@contextmanager
def file_progress(source: Measured, description: str) -> Iterator[Callable[[], None]]:
    """Yields ``advance()``, to call after each step; the bar follows ``source.position``."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=source.size)
        yield lambda: bar.update(task, completed=source.position)
        bar.update(task, completed=source.size)
