"""``dermawan ingest FILE``: spec section 3, counts as spec section 5 says."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.core.progress import file_progress
from dermawan.donations.ingest import DEFAULT_BATCH_SIZE, ingest_file
from dermawan.donations.sources import FORMATS, UnreadableSource


class Command(DermawanCommand):
    help = "Apply a file of order events (JSON Lines, CSV or Parquet)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="default: from the extension")
        parser.add_argument("--rejects", type=Path, help="write rejected events here (JSON Lines)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"events per database transaction (default {DEFAULT_BATCH_SIZE:,})",
        )

    def run(self, **options: Any) -> dict[str, Any]:
        if options["batch_size"] < 1:
            raise BadInput("--batch-size must be at least 1")
        path: Path = options["file"]
        try:
            report = ingest_file(
                path,
                format=options["format"],
                rejects=options["rejects"],
                batch_size=options["batch_size"],
                progress=partial(file_progress, description=f"ingest {path.name}"),
                keep_rejects=False,
            )
        except UnreadableSource as error:
            raise BadInput(str(error)) from error
        return report.counts

    def render(self, c: dict[str, Any]) -> str:
        return (
            f"Read {c['read']:,} events in {c['seconds']:.1f} s ({c['events_per_second']:,}/s): "
            f"{c['applied']:,} applied, {c['duplicates']:,} duplicates, "
            f"{c['rejected']:,} rejected, {c['parked']:,} parked (waiting for their paid); "
            f"{c['donations_created']:,} donations created."
        )
