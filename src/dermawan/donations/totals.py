"""Spec section 4, read from the rollup the engine keeps; never a scan of lines."""

from __future__ import annotations

from typing import Any

from dermawan.donations.models import ProjectTotals


def project_totals() -> list[dict[str, Any]]:
    # Sorted here, not by ORDER BY: database collations do not all sort by code point.
    rows = sorted(
        ProjectTotals.objects.filter(donations__gt=0), key=lambda t: (t.project_id, t.currency)
    )
    return [
        {
            "project_id": t.project_id,
            "currency": t.currency,
            "donations": t.donations,
            "pledged_minor": t.pledged_minor,
            "reversed_minor": t.reversed_minor,
            "net_minor": t.pledged_minor - t.reversed_minor,
            "confirmed_minor": t.confirmed_minor,
            "pending_minor": t.pending_minor,
        }
        for t in rows
    ]
