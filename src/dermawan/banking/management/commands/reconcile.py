"""``dermawan reconcile FILE``: settle exported payouts from a bank statement, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from dermawan.auditlog.entries import cli_actor
from dermawan.banking.camt053 import read_camt053
from dermawan.banking.reconciliation import BAD as BAD_OUTCOMES
from dermawan.banking.reconciliation import reconcile
from dermawan.banking.statements import UnreadableStatement, read_csv_statement
from dermawan.core.output import EXIT_BAD_INPUT, EXIT_OK, BadInput, DermawanCommand
from dermawan.settlement import payouts

FORMATS = ("camt053", "csv")


class Command(DermawanCommand):
    help = (
        "Match a bank statement (camt.053 XML or CSV) against the exported payouts by "
        "end-to-end reference; mark them paid or failed only if every line is good."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="the bank statement")
        parser.add_argument("--format", choices=FORMATS, help="default: by the file's suffix")
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
        parser.add_argument("--actor", default="", help="who imports it (default: the OS user)")

    def run(self, **options: Any) -> dict[str, Any]:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise BadInput(f"cannot read {path}: {error.strerror}") from error
        kind = options["format"] or ("camt053" if path.suffix.lower() == ".xml" else "csv")
        try:
            if kind == "camt053":
                lines = read_camt053(data)
            else:
                lines = read_csv_statement(data.decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise BadInput(f"{path}: the CSV statement is not UTF-8 ({error.reason})") from error
        except UnreadableStatement as error:
            raise BadInput(f"{path}: {error}") from error
        try:
            report = reconcile(
                data, lines, payouts, actor=cli_actor(options["actor"]), dry_run=options["dry_run"]
            )
        except payouts.Refused as error:
            raise BadInput(
                f"{path}: settlement refused a change, nothing changed: {error}"
            ) from error
        return {"file": str(path), "format": kind, **report.as_dict()}

    def exit_code(self, document: dict[str, Any]) -> int:
        return EXIT_OK if document["ok"] else EXIT_BAD_INPUT

    def render(self, d: dict[str, Any]) -> str:
        lines: list[str] = []
        for line in d["lines"]:
            mark = "!!" if line["outcome"] in BAD_OUTCOMES else "  "
            lines.append(
                f"{mark} {line['where']:<28} {line['reference'] or '-':<20} "
                f"{line['outcome']:<18} {line['detail']}"
            )
        counts = ", ".join(f"{n} {k}" for k, n in d["counts"].items()) or "no lines"
        if not d["ok"]:
            verdict = "REFUSED, nothing changed"
        elif d["dry_run"]:
            verdict = "dry run, nothing changed"
        else:
            verdict = "applied"
        lines.append(f"{d['file']} ({d['format']}): {verdict}; {counts}")
        return "\n".join(lines)
