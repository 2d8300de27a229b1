"""``dermawan log-sign``: append the leaves waiting, then sign a tree head if
the log grew since the last one.

Appends sign when a head is due (at most every DERMAWAN_LOG_HEAD_INTERVAL_MS);
this signs the leaves a quiet spell left behind, and appends any a stopped
or crashed source left waiting (decision 0041). Run it from cron or a timer
every minute; ``--force`` signs even within the interval.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from dermawan.core import bulk
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.transparency import appending, heads, recording, signing, store
from dermawan.transparency.documents import head_document


class Command(DermawanCommand):
    help = (
        "Append the leaves waiting, then sign a new tree head if the log grew since the "
        "last one (and one is due)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--force", action="store_true", help="sign even within the interval")

    def run(self, **options: Any) -> dict[str, Any]:
        try:
            appended = appending.append_pending()
            with transaction.atomic():
                cursor = bulk.raw_cursor()
                size = store.size(cursor)
                signed = recording.sign_if_due(cursor, size, force=options["force"])
                latest = heads.latest(cursor)
        except signing.KeyFileError as error:
            raise BadInput(str(error)) from None
        return {
            "appended": appended,
            "signed": signed is not None,
            "tree_size": size,
            "head": None if latest is None else head_document(latest),
        }

    def render(self, d: dict[str, Any]) -> str:
        appended = f"Appended {d['appended']:,} waiting leaves. " if d["appended"] else ""
        if d["signed"]:
            return f"{appended}Signed a tree head of size {d['tree_size']}."
        if d["head"] is None:
            return f"{appended}No tree head: the log is empty."
        return (
            f"{appended}No new head: the latest covers {d['head']['tree_size']} of "
            f"{d['tree_size']} leaves (signed within the interval, or nothing new)."
        )
