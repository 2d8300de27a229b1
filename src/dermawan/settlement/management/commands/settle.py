"""``dermawan settle --period YYYY-MM``: settle a month (once; again changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from dermawan.auditlog.entries import cli_actor
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.settlement.fees import BadFee
from dermawan.settlement.periods import BadPeriod
from dermawan.settlement.runs import Refused, settle
from dermawan.settlement.views import render_run, run_document


class Command(DermawanCommand):
    help = (
        "Settle a month: per merchant and currency what it owes for the donations confirmed "
        "in it (net of claw-backs), per charity and currency its draft payout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--period", required=True, help="the month, YYYY-MM (Asia/Jakarta)")
        parser.add_argument("--actor", default="", help="who asks (default: the OS user)")

    def run(self, **options: Any) -> dict[str, Any]:
        try:
            settled = settle(options["period"], actor=cli_actor(options["actor"]))
        except (Refused, BadPeriod, BadFee) as error:
            raise BadInput(str(error)) from error
        return {"created": settled.created} | run_document(settled.run)

    def render(self, document: dict[str, Any]) -> str:
        note = "" if document["created"] else "(settled before; nothing changed)\n"
        return note + render_run(document)
