"""Runs and payouts as JSON documents and as text, for the commands (and the back office)."""

from __future__ import annotations

from typing import Any

from dermawan.core.instants import to_rfc3339
from dermawan.core.money import format_minor
from dermawan.settlement.models import Collection, Payout, Run


def run_summary(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "period": run.period,
        "status": run.status,
        "fee_bps": run.fee_bps,
        "lines": run.lines,
        "watermark": run.watermark,
        "created_by": run.created_by,
        "created_at": to_rfc3339(run.created_at_us),
        "approved_by": run.approved_by or None,
        "approved_at": None if run.approved_at_us is None else to_rfc3339(run.approved_at_us),
        "exported_by": run.exported_by or None,
        "exported_at": None if run.exported_at_us is None else to_rfc3339(run.exported_at_us),
    }


def collection_dict(c: Collection) -> dict[str, Any]:
    return {
        "merchant_id": c.merchant_id,
        "currency": c.currency,
        "donations": c.donations,
        "confirmed_minor": c.confirmed_minor,
        "clawed_back_minor": c.clawed_back_minor,
        "amount_minor": c.amount_minor,
    }


def payout_dict(p: Payout) -> dict[str, Any]:
    return {
        "id": p.pk,
        "run_id": p.run_id,
        "charity_id": p.charity_id,
        "currency": p.currency,
        "donations": p.donations,
        "carried_in_minor": p.carried_in_minor,
        "confirmed_minor": p.confirmed_minor,
        "clawed_back_minor": p.clawed_back_minor,
        "fee_minor": p.fee_minor,
        "amount_minor": p.amount_minor,
        "carried_out_minor": p.carried_out_minor,
        "status": p.status,
        "reference": p.reference,
        "paid_at": None if p.paid_at_us is None else to_rfc3339(p.paid_at_us),
        "failed_reason": p.failed_reason or None,
    }


def run_document(run: Run) -> dict[str, Any]:
    return run_summary(run) | {
        "collections": [
            collection_dict(c) for c in run.collections.order_by("merchant_id", "currency")
        ],
        "payouts": [payout_dict(p) for p in run.payouts.order_by("charity_id", "currency")],
    }


def render_run(d: dict[str, Any]) -> str:
    lines = [
        f"Settlement run {d['id']} for {d['period']}: {d['status']} "
        f"({d['lines']:,} ledger effects settled, fee {d['fee_bps']} bp; "
        f"created by {d['created_by']}"
        + (f", approved by {d['approved_by']}" if d["approved_by"] else "")
        + ")"
    ]
    if "collections" in d:
        lines.append("Collections (deducted from merchants' proceeds):")
        for c in d["collections"]:
            lines.append(
                f"  {c['merchant_id']:<24} {format_minor(c['amount_minor'], c['currency']):>22}"
                f"  ({c['donations']:,} donations, claw-backs "
                f"{format_minor(c['clawed_back_minor'], c['currency'])})"
            )
        lines.append("Payouts:")
        for p in d["payouts"]:
            cur = p["currency"]
            lines.append(
                f"  {p['charity_id']:<24} {format_minor(p['amount_minor'], cur):>22}  "
                f"{p['status']:<9} {p['reference'] or '':<20} "
                f"fee {format_minor(p['fee_minor'], cur)}"
                f", carried in {format_minor(p['carried_in_minor'], cur)}"
                f", carried forward {format_minor(p['carried_out_minor'], cur)}"
            )
    return "\n".join(lines)
