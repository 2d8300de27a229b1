"""``dermawan load-catalog FILE``: spec section 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import CommandParser

from dermawan.catalog.loader import CatalogError, CatalogRefused, load_catalog
from dermawan.core.output import EXIT_BAD_INPUT, EXIT_OK, DermawanCommand


class Command(DermawanCommand):
    help = "Load charities, projects, merchants and pledges from a JSON document (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def run(self, **options: Any) -> dict[str, Any]:
        path: Path = options["file"]
        try:
            document = orjson.loads(path.read_bytes())
        except OSError as error:
            return _refused([CatalogError(None, "malformed", f"{path}: {error.strerror}")])
        except orjson.JSONDecodeError as error:
            return _refused([CatalogError(None, "malformed", f"{path} is not JSON: {error}")])
        try:
            return load_catalog(document)
        except CatalogRefused as refused:
            return _refused(refused.errors)

    def exit_code(self, document: dict[str, Any]) -> int:
        return EXIT_BAD_INPUT if "errors" in document else EXIT_OK

    def render(self, document: dict[str, Any]) -> str:
        if "errors" in document:
            lines = [f"Catalog refused, nothing written ({len(document['errors'])} error(s)):"]
            lines += [
                f"  {e['id'] or '-'}: {e['reason']}: {e['message']}" for e in document["errors"]
            ]
            return "\n".join(lines)
        return "Catalog loaded: " + ", ".join(f"{n} {name}" for name, n in document.items())


def _refused(errors: list[CatalogError]) -> dict[str, Any]:
    return {"errors": [e.as_dict() for e in errors]}
