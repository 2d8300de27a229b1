"""``dermawan demo-content``: permits, photos, impact units, reports and a campaign for the demo."""

from __future__ import annotations

from typing import Any

from dermawan.catalog.models import Project
from dermawan.core.output import BadInput, DermawanCommand
from dermawan.site.demo_content import add_demo_content


class Command(DermawanCommand):
    help = "Add what the public pages show to a loaded demo catalog (idempotent)."

    def run(self, **options: Any) -> dict[str, Any]:
        if not Project.objects.exists():
            raise BadInput("no project loaded: run 'dermawan load-catalog' first")
        return add_demo_content()

    def render(self, document: Any) -> str:
        return (
            f"Demo content: {document['permits']} permits, "
            f"{document['project_photos']} project photos, {document['reports']} progress "
            f"reports, {document['featured']} featured projects"
        )
