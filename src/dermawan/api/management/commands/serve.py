"""``dermawan serve``: the production server (Granian, a Rust HTTP server, over WSGI).

Binds 127.0.0.1 by default; put a TLS-terminating proxy in front to serve
the world. Django's views are synchronous, so Granian's WSGI interface runs
them on each worker's blocking threads with no async hop; concurrent API
batches of one worker then share engine transactions (group commit).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError

from dermawan.api.group_commit import WRITER_ENV
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.transparency import appending

LOOPBACK = "127.0.0.1"


def command_line(host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host,
        "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
        "--backlog", "2048", "--no-ws", "--log-level", "warning", "--respawn-failed-workers",
        "dermawan.api.wsgi:application",
    ]  # fmt: skip


class Command(DermawanCommand):
    help = "Run the HTTP API with the production server (Granian), on 127.0.0.1 by default."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--host", default=LOOPBACK, help=f"address to bind (default {LOOPBACK})"
        )
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="processes (default: cores)"
        )
        parser.add_argument(
            "--threads", type=int, default=16, help="request threads (and connections) per worker"
        )
        parser.add_argument("--check", action="store_true", help="print the command, do not run")

    def run(self, **options: Any) -> dict[str, Any]:
        if not 0 < options["port"] < 65536:
            raise BadInput("--port must be 1..65535")
        if options["workers"] < 1 or options["threads"] < 1:
            raise BadInput("--workers and --threads must be at least 1")
        argv = command_line(options["host"], options["port"], options["workers"],
                            options["threads"])  # fmt: skip
        if options["check"]:
            return {"command": argv}
        # Leaves a stopped or crashed server left waiting join the log now,
        # not at the first batch (decision 0041). A database not reachable
        # yet is the server's to report, per request, as before.
        try:
            appending.append_pending()
        except DatabaseError as error:
            self.stderr.write(f"the log's waiting leaves were not appended: {error}")
        os.environ["DERMAWAN_SERVE_WORKERS"] = str(options["workers"])
        os.environ[WRITER_ENV] = "thread"  # one engine writer thread per worker
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dermawan.settings")
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # the server replaces this process

    def render(self, document: dict[str, Any]) -> str:
        return " ".join(document["command"])
