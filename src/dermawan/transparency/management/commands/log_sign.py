"""``dermawan log-sign``: sign a tree head now if the log grew since the last one.

Batches sign when a head is due (at most every DERMAWAN_LOG_HEAD_INTERVAL_MS);
this signs the leaves a quiet spell left behind. Run it from cron or a timer
every minute; ``--force`` signs even within the interval.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from dermawan.core import bulk
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.transparency import heads, recording, signing, store
from dermawan.transparency.documents import head_document


class Command(DermawanCommand):
    help = "Sign a new tree head if the log grew since the last one (and one is due)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--force", action="store_true", help="sign even within the interval")

    def run(self, **options: Any) -> dict[str, Any]:
        try:
            with transaction.atomic():
                cursor = bulk.raw_cursor()
                size = store.size(cursor)
                signed = recording.sign_if_due(cursor, size, force=options["force"])
                latest = heads.latest(cursor)
        except signing.KeyFileError as error:
            raise BadInput(str(error)) from None
        return {
            "signed": signed is not None,
            "tree_size": size,
            "head": None if latest is None else head_document(latest),
        }

    def render(self, d: dict[str, Any]) -> str:
        if d["signed"]:
            return f"Signed a tree head of size {d['tree_size']}."
        if d["head"] is None:
            return "No tree head: the log is empty."
        return (
            f"No new head: the latest covers {d['head']['tree_size']} of {d['tree_size']} leaves "
            "(signed within the interval, or nothing new)."
        )
