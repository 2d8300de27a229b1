"""``dermawan publish FILE``: order events from a file onto the NATS stream."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.donations.sources import FORMATS, UnreadableSource, open_source
from dermawan.streaming.publisher import DEFAULT_WINDOW, PublishFailed, publish_file
from dermawan.streaming.streams import (
    DEFAULT_STREAM,
    DEFAULT_SUBJECTS,
    DEFAULT_URL,
    StreamMismatch,
)


def add_stream_arguments(parser: CommandParser) -> None:
    """The options every streaming command shares."""
    parser.add_argument(
        "--nats",
        action="append",
        help=f"NATS server URL; repeat for a cluster (default {DEFAULT_URL})",
    )
    parser.add_argument("--stream", default=DEFAULT_STREAM, help="JetStream stream name")
    parser.add_argument(
        "--subjects", default=DEFAULT_SUBJECTS, help="the stream's subjects, PREFIX.>"
    )
    parser.add_argument(
        "--partitions",
        type=int,
        help="partition count when the stream is created (default 8); fixed afterwards",
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="stream replicas when it is created (cluster)"
    )


class Command(DermawanCommand):
    help = "Publish a file of order events onto the NATS JetStream stream, partitioned by merchant."
    needs_schema = False  # a publisher needs the stream, not the database

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="default: from the extension")
        add_stream_arguments(parser)
        parser.add_argument(
            "--window",
            type=int,
            default=DEFAULT_WINDOW,
            help=f"messages awaiting acknowledgement at once (default {DEFAULT_WINDOW:,})",
        )
        parser.add_argument(
            "--rejects", type=Path, help="write records that could not be read here (JSON Lines)"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        if options["window"] < 1:
            raise BadInput("--window must be at least 1")
        try:
            source = open_source(options["file"], options["format"])
            report = asyncio.run(
                publish_file(
                    source.path,
                    source.format,
                    urls=options["nats"] or [DEFAULT_URL],
                    stream=options["stream"],
                    subjects=options["subjects"],
                    partitions=options["partitions"],
                    replicas=options["replicas"],
                    window=options["window"],
                )
            )
        except (UnreadableSource, StreamMismatch, ValueError) as error:
            raise BadInput(str(error)) from error
        except (PublishFailed, OSError) as error:
            raise BadInput(f"publishing failed: {error}") from error
        if options["rejects"] is not None:
            with options["rejects"].open("wb") as out:
                for refused in report.refused:
                    out.write(orjson.dumps(refused) + b"\n")
        return report.counts

    def render(self, c: dict[str, Any]) -> str:
        return (
            f"Read {c['read']:,} events in {c['seconds']:.1f} s ({c['events_per_second']:,}/s): "
            f"{c['published']:,} published onto {c['stream']} ({c['partitions']} partitions), "
            f"{c['duplicates']:,} dropped by the server as already published, "
            f"{c['refused']:,} unreadable, {c['unresolved']:,} routed by order id "
            "(their merchant unknown)."
        )
