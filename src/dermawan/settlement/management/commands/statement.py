"""``dermawan statement --merchant M | --charity C --period YYYY-MM``: CSV or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from dermawan.core.output import BadInput, DermawanCommand
from dermawan.settlement import statements
from dermawan.settlement.bankfile import write_atomically
from dermawan.settlement.periods import BadPeriod, parse_period


class Command(DermawanCommand):
    help = "A merchant's or a charity's settlement statement for a period, as CSV or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--merchant", help="the merchant id")
        who.add_argument("--charity", help="the charity id")
        parser.add_argument("--period", required=True, help="the settled month, YYYY-MM")
        parser.add_argument("--format", choices=("pdf", "csv"), default="pdf")
        parser.add_argument("--locale", choices=sorted(statements.LOCALES), default="id")
        parser.add_argument("--out", type=Path, required=True, help="the file to write")

    def run(self, **options: Any) -> dict[str, Any]:
        try:
            period = parse_period(options["period"]).name
        except BadPeriod as error:
            raise BadInput(str(error)) from error
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise BadInput(f"--out {out}: its folder does not exist")
        party = statements.MERCHANT if options["merchant"] else statements.CHARITY
        party_id = options["merchant"] or options["charity"]
        try:
            statement = statements.build(party, party_id, period)
        except statements.NoStatement as error:
            raise BadInput(str(error)) from error
        locale = options["locale"]
        if options["format"] == "csv":
            data = statements.to_csv(statement, locale).encode()
        else:
            data = statements.to_pdf(statement, locale)
        write_atomically(out, data)
        return {
            "party": party,
            "party_id": party_id,
            "period": period,
            "fee_bps": statement.fee_bps,
            "format": options["format"],
            "locale": locale,
            "path": str(out),
            "bytes": len(data),
            "currencies": [
                {"currency": s.currency, "donations": s.donations}
                | {f"{kind}_minor": amount for kind, amount in s.figures}
                | ({"status": s.status, "reference": s.reference or None} if s.status else {})
                for s in statement.summaries
            ],
        }

    def render(self, d: dict[str, Any]) -> str:
        return (
            f"{d['party']} {d['party_id']} {d['period']}: wrote {d['path']} ({d['bytes']:,} bytes)"
        )
