"""``dermawan deliver-webhooks``: the worker that sends the outbox's deliveries."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.webhooks.delivery import run_worker


class Command(DermawanCommand):
    help = "Send due webhook deliveries, retrying with backoff; dead-letter after 24 hours."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--once", action="store_true", help="stop when nothing is due (default: keep polling)"
        )
        parser.add_argument("--max-seconds", type=float, help="stop after this long")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between empty polls")
        parser.add_argument("--batch", type=int, default=100, help="deliveries claimed per round")
        parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")

    def run(self, **options: Any) -> dict[str, Any]:
        for name in ("batch", "concurrency"):
            if options[name] < 1:
                raise BadInput(f"--{name} must be at least 1")
        if options["timeout"] <= 0:
            raise BadInput("--timeout must be positive")
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        total = run_worker(
            max_seconds=options["max_seconds"],
            once=options["once"],
            poll_seconds=options["poll"],
            stop=lambda: stopping,
            limit=options["batch"],
            timeout=options["timeout"],
            concurrency=options["concurrency"],
        )
        return {"delivered": total.delivered, "retrying": total.failed, "dead": total.dead}

    def render(self, document: dict[str, Any]) -> str:
        return (
            f"Webhooks: {document['delivered']:,} delivered, {document['retrying']:,} to retry, "
            f"{document['dead']:,} dead-lettered."
        )
