"""``dermawan settlement list|show|approve|export|mark-paid|mark-failed``: a run's lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from dermawan.auditlog.entries import cli_actor
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.settlement import bankfile
from dermawan.settlement.approval import approve
from dermawan.settlement.models import Payout, Run
from dermawan.settlement.payouts import Refused, export_run, mark_failed, mark_paid_many
from dermawan.settlement.views import payout_dict, render_run, run_document, run_summary


class Command(DermawanCommand):
    help = "List and show settlement runs; approve, export, and confirm their payouts."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every run, newest first")
        show = actions.add_parser("show", help="a run: collections and payouts")
        show.add_argument("run", type=int)
        approving = actions.add_parser("approve", help="approve a run (not by its creator)")
        approving.add_argument("run", type=int)
        export = actions.add_parser(
            "export", help="export an approved run's payouts to a bank file"
        )
        export.add_argument("run", type=int)
        export.add_argument("--out", type=Path, help="the bank file to write")
        export.add_argument("--format", choices=bankfile.FORMATS, default="pain001")
        paid = actions.add_parser("mark-paid", help="the bank paid these payouts")
        paid.add_argument("references", nargs="+")
        paid.add_argument("--paid-at", help="RFC 3339 (default: now)")
        failed = actions.add_parser("mark-failed", help="the bank returned these payouts")
        failed.add_argument("references", nargs="+")
        failed.add_argument("--reason", required=True)
        for sub in (approving, export, paid, failed):
            sub.add_argument("--actor", default="", help="who (default: the OS user)")
        for sub in (show, approving, export, paid, failed, actions.choices["list"]):
            sub.add_argument("--json", action="store_true", help="print one JSON object")

    def run(self, **options: Any) -> dict[str, Any]:
        action = options["action"]
        if action == "list":
            return {"action": action, "runs": [run_summary(r) for r in Run.objects.order_by("-id")]}
        try:
            return getattr(self, action.replace("-", "_"))(options)  # type: ignore[no-any-return]
        except Refused as error:
            raise BadInput(str(error)) from error

    def show(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"action": "show"} | run_document(_run(options["run"]))

    def approve(self, options: dict[str, Any]) -> dict[str, Any]:
        run = approve(options["run"], actor=cli_actor(options["actor"]))
        return {"action": "approve"} | run_document(run)

    def export(self, options: dict[str, Any]) -> dict[str, Any]:
        from dermawan.banking.instructions import BankFileRefused

        run_id, out = options["run"], options["out"]
        if out is not None and not out.parent.is_dir():
            raise BadInput(f"--out {out}: its folder does not exist")
        # The bank file is made inside the export's transaction, so a refused
        # file (a charity without a bank account, a bad debtor account) leaves
        # the run approved; it is written after the commit, so a crash in
        # between is mended by exporting again, which writes the same file.
        from django.db import transaction

        data = None
        try:
            with transaction.atomic():
                instructions = export_run(run_id, actor=cli_actor(options["actor"]))
                if out is not None and instructions:
                    data = bankfile.bank_file(run_id, options["format"])
        except BankFileRefused as error:
            raise BadInput(
                f"run {run_id}: the bank file was refused, nothing changed: {error}"
            ) from error
        document = {"action": "export"} | run_document(_run(run_id))
        document["file"] = None
        if out is not None and data is not None:
            bankfile.write_atomically(out, data)
            document["file"] = {"path": str(out), "format": options["format"], "bytes": len(data)}
        return document

    def mark_paid(self, options: dict[str, Any]) -> dict[str, Any]:
        at = datetime.now(UTC)
        if options["paid_at"]:
            try:
                at = datetime.fromisoformat(options["paid_at"])
            except ValueError as error:
                raise BadInput(f"--paid-at {options['paid_at']!r} is not RFC 3339") from error
        # All of them or none, their donations read in one scan per run.
        mark_paid_many(options["references"], actor=cli_actor(options["actor"]), paid_at=at)
        return self._payouts("mark-paid", options["references"])

    def mark_failed(self, options: dict[str, Any]) -> dict[str, Any]:
        from django.db import transaction

        with transaction.atomic():
            for reference in options["references"]:
                mark_failed(reference, actor=cli_actor(options["actor"]), reason=options["reason"])
        return self._payouts("mark-failed", options["references"])

    def _payouts(self, action: str, references: list[str]) -> dict[str, Any]:
        found = Payout.objects.filter(reference__in=references).order_by("reference")
        return {"action": action, "payouts": [payout_dict(p) for p in found]}

    def render(self, document: dict[str, Any]) -> str:
        action = document["action"]
        if action == "list":
            if not document["runs"]:
                return "No settlement runs yet."
            return "\n".join(
                f"run {r['id']:>4}  {r['period']}  {r['status']:<9} created by {r['created_by']}"
                for r in document["runs"]
            )
        if action in ("mark-paid", "mark-failed"):
            return "\n".join(f"payout {p['reference']}: {p['status']}" for p in document["payouts"])
        text = render_run(document)
        if document.get("file"):
            text += f"\nBank file: {document['file']['path']} ({document['file']['format']})"
        return text


def _run(run_id: int) -> Run:
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise BadInput(f"there is no settlement run {run_id}")
    return run
