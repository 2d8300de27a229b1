"""``dermawan totals``: spec section 4, per project and currency."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table

from dermawan.core.money import format_minor
from dermawan.core.output import DermawanCommand
from dermawan.donations.totals import project_totals


class Command(DermawanCommand):
    help = "Donation totals per project and currency."

    def run(self, **options: Any) -> dict[str, Any]:
        return {"projects": project_totals()}

    def render(self, document: dict[str, Any]) -> str:
        rows = document["projects"]
        if not rows:
            return "No donations yet."
        table = Table(title="Goods for Good: donations per project")
        for heading in (
            "project",
            "donations",
            "pledged",
            "reversed",
            "net",
            "confirmed",
            "pending",
        ):
            table.add_column(heading, justify="left" if heading == "project" else "right")
        for r in rows:
            money = [
                format_minor(r[f], r["currency"])
                for f in ("pledged_minor", "reversed_minor", "net_minor", "confirmed_minor",
                          "pending_minor")
            ]  # fmt: skip
            table.add_row(r["project_id"], f"{r['donations']:,}", *money)
        buffer = io.StringIO()
        Console(file=buffer, width=160, force_terminal=False).print(table)
        return buffer.getvalue().rstrip()
