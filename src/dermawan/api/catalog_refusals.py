"""The catalog loader's refusals as problem documents (one place for the mapping)."""

from __future__ import annotations

from typing import Any

from dermawan.api.problems import Problem
from dermawan.catalog.loader import CatalogRefused, load_catalog

# Reasons that are about the current state rather than the request's shape.
CONFLICTS = {
    "pledge_immutable": "pledge-immutable",
    "overlapping_pledge": "overlapping-pledge",
}


def load(document: dict[str, Any]) -> dict[str, int]:
    """``load_catalog`` (the same validation as ``dermawan load-catalog``), or a problem."""
    try:
        return load_catalog(document)
    except CatalogRefused as refused:
        errors = [e.as_dict() for e in refused.errors]
        first = refused.errors[0]
        code = CONFLICTS.get(first.reason, "catalog-refused")
        raise Problem(
            code,
            f"{first.id or 'the record'}: {first.reason}: {first.message}",
            reason=first.reason,
            catalog_errors=errors,
        ) from None
