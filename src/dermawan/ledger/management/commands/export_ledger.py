"""``dermawan export-ledger --period YYYY-MM --format csv|hledger|beancount --out FILE``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.ledger.exports.export import FORMATS, export_ledger
from dermawan.settlement.periods import BadPeriod


class Command(DermawanCommand):
    help = "Export one period of the ledger for auditors: CSV, an hledger journal or Beancount."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--period", required=True, help="a month, YYYY-MM")
        parser.add_argument("--format", choices=sorted(FORMATS), required=True)
        parser.add_argument("--out", required=True, help="the file to write")

    def run(self, **options: Any) -> dict[str, Any]:
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise BadInput(f"--out {out}: the folder {out.parent} does not exist")
        # Written beside the target and renamed at the end: a failed export
        # leaves no half file where the last good one was.
        partial = out.with_name(f".{out.name}.partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as stream:
                summary = export_ledger(options["period"], options["format"], stream)
            os.replace(partial, out)
        except BadPeriod as error:
            raise BadInput(str(error)) from error
        finally:
            partial.unlink(missing_ok=True)
        return {"out": str(out), **summary}

    def render(self, d: dict[str, Any]) -> str:
        return (
            f"Ledger {d['period']} as {d['format']}: {d['transactions']:,} transactions, "
            f"{d['postings']:,} postings, {d['accounts']:,} accounts -> {d['out']}"
        )
