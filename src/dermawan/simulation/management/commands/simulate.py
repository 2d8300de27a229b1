"""``dermawan simulate``: a deterministic synthetic catalog and order-event file.

No database: the output is files only, for load-catalog and ingest to read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.simulation.run import DEFAULT_START, BadOptions, Options, simulate
from dermawan.simulation.writers import FORMATS


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], None] | None]:
    """A Rich bar on stderr when it is a terminal; nothing when piped or captured."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("simulating", total=total)
        yield lambda done: progress.update(task, completed=done)


class Command(DermawanCommand):
    help = (
        "Write a synthetic catalog (catalog.json) and N order events (events.jsonl|csv|parquet) "
        "into a directory; the same arguments always give byte-identical files."
    )
    needs_schema = False  # files only: no database is opened

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--events", type=int, required=True, metavar="N", help="records, duplicates included"
        )
        parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
        parser.add_argument(
            "--out", type=Path, required=True, metavar="DIR", help="made if missing"
        )
        parser.add_argument(
            "--format", choices=FORMATS, default="jsonl", dest="file_format", help="default jsonl"
        )
        parser.add_argument("--days", type=float, default=7.0, metavar="D", help="default 7")
        parser.add_argument(
            "--start", default=DEFAULT_START, metavar="RFC3339", help=f"default {DEFAULT_START}"
        )
        parser.add_argument(
            "--invalid-rate",
            type=float,
            default=0.0,
            metavar="R",
            help="share of invalid events mixed in, to exercise rejects (default 0)",
        )

    def run(self, **options: Any) -> dict[str, Any]:
        chosen = Options(
            events=options["events"],
            seed=options["seed"],
            out=options["out"],
            file_format=options["file_format"],
            days=options["days"],
            start=options["start"],
            invalid_rate=options["invalid_rate"],
        )
        try:
            with _progress_bar(max(0, chosen.events)) as progress:
                return simulate(chosen, progress)
        except BadOptions as error:
            raise BadInput(str(error)) from None

    def render(self, document: dict[str, Any]) -> str:
        rate = f"{document['events_per_second']:,} events/s"
        return "\n".join(
            [
                f"Catalog: {document['catalog']} ({document['charities']} charities, "
                f"{document['projects']} projects, {document['merchants']} merchants, "
                f"{document['pledges']} pledges)",
                f"Events:  {document['events']} ({document['events_written']:,} events, "
                f"{document['lines']:,} lines; {document['completed']:,} completed, "
                f"{document['cancelled']:,} cancelled, {document['refunded']:,} refunds; "
                f"{document['duplicates']:,} duplicates, {document['out_of_order']:,} out of "
                f"order, {document['invalid']:,} invalid)",
                f"Took {document['seconds']} s ({rate})",
            ]
        )
