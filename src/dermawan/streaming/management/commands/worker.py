"""``dermawan worker``: apply order events from NATS JetStream, exactly once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.streaming.management.commands.publish import add_stream_arguments
from dermawan.streaming.streams import DEFAULT_DURABLE, DEFAULT_URL, StreamMismatch
from dermawan.streaming.worker import WorkerOptions, default_name, run_worker

DEFAULTS = WorkerOptions()


class Command(DermawanCommand):
    help = (
        "Apply order events from a NATS JetStream stream with the ingest engine; "
        "acknowledge each batch after it commits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        add_stream_arguments(parser)
        parser.add_argument(
            "--durable",
            default=DEFAULT_DURABLE,
            help="consumer name prefix; the partition consumers are NAME-p0, NAME-p1, ...",
        )
        parser.add_argument("--name", help="this worker's name, unique among live workers")
        parser.add_argument(
            "--only-partitions",
            metavar="LIST",
            help="hold only these partitions, e.g. '0-3,6' (default: a fair share)",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
        parser.add_argument(
            "--wait",
            type=float,
            default=DEFAULTS.wait,
            help="seconds a fetch waits to fill its batch",
        )
        parser.add_argument(
            "--ack-wait",
            type=float,
            default=DEFAULTS.ack_wait,
            help="seconds before an unacknowledged message comes back (set at creation)",
        )
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=DEFAULTS.lease_seconds,
            help="a dead worker's partitions go to others after this long",
        )
        parser.add_argument("--metrics-address", default=DEFAULTS.metrics_address)
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=DEFAULTS.metrics_port,
            help="serve Prometheus metrics on this port (default 0: none)",
        )
        parser.add_argument(
            "--exit-when-idle",
            type=float,
            metavar="SECONDS",
            help="stop once nothing came for this long and the whole stream is acknowledged",
        )
        parser.add_argument(
            "--report-every",
            type=float,
            default=DEFAULTS.report_every,
            help="seconds between status lines on stderr (0: none)",
        )
        parser.add_argument(
            "--catalog-refresh",
            type=float,
            default=DEFAULTS.catalog_refresh,
            help="seconds between reloads of the pledges",
        )

    def run(self, **options: Any) -> dict[str, Any]:
        for name in ("batch_size", "wait", "ack_wait", "lease_seconds"):
            if options[name] <= 0:
                raise BadInput(f"--{name.replace('_', '-')} must be positive")
        worker_options = WorkerOptions(
            urls=options["nats"] or [DEFAULT_URL],
            stream=options["stream"],
            subjects=options["subjects"],
            partitions=options["partitions"],
            replicas=options["replicas"],
            durable=options["durable"],
            name=options["name"] or default_name(),
            batch_size=options["batch_size"],
            wait=options["wait"],
            ack_wait=options["ack_wait"],
            lease_seconds=options["lease_seconds"],
            only_partitions=options["only_partitions"],
            metrics_address=options["metrics_address"],
            metrics_port=options["metrics_port"],
            exit_when_idle=options["exit_when_idle"],
            report_every=options["report_every"],
            catalog_refresh=options["catalog_refresh"],
        )
        try:
            return run_worker(worker_options)
        except (StreamMismatch, ValueError) as error:
            raise BadInput(str(error)) from error

    def render(self, c: dict[str, Any]) -> str:
        return (
            f"Worker {c['name']} stopped ({c['stopped_by']}) after {c['seconds']:.1f} s: "
            f"{c['read']:,} messages read, {c['applied']:,} applied, "
            f"{c['duplicates']:,} duplicates, {c['rejected']:,} rejected, "
            f"{c['parked']:,} parked in the database; {c['donations_created']:,} donations."
        )
