"""Approving a settlement run: four eyes, so the admin who made it cannot approve it."""

from __future__ import annotations

from django.db import transaction

from dermawan.auditlog.entries import record
from dermawan.core import bulk
from dermawan.ledger.accounts import AccountBook
from dermawan.ledger.journal import Entry, post
from dermawan.settlement import books
from dermawan.settlement.models import Payout, Run
from dermawan.settlement.runs import Refused, lock, now_us


def approve(run_id: int, *, actor: str, at_us: int | None = None) -> Run:
    """Move a draft run's payouts to approved; refused for the run's own creator."""
    if not actor:
        raise Refused(f"approving settlement run {run_id} needs an actor")
    at_us = now_us() if at_us is None else at_us
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        lock(cursor)
        run = Run.objects.filter(pk=run_id).first()
        if run is None:
            raise Refused(f"there is no settlement run {run_id}")
        if run.status != Run.DRAFT:
            raise Refused(f"settlement run {run_id} is already {run.status}")
        if actor == run.created_by:
            raise Refused(
                f"settlement run {run_id} was created by {actor}: a second admin must approve it"
            )
        payouts = list(run.payouts.filter(status=Payout.DRAFT).order_by("id"))
        post(
            cursor,
            AccountBook(),
            [
                Entry(
                    books.APPROVED,
                    p.currency,
                    None,
                    None,
                    at_us,
                    books.payout_account("draft", p.charity_id, p.currency),
                    books.payout_account("approved", p.charity_id, p.currency),
                    p.amount_minor,
                )
                for p in payouts
            ],
        )
        run.payouts.filter(status=Payout.DRAFT).update(status=Payout.APPROVED)
        run.status, run.approved_by, run.approved_at_us = Run.APPROVED, actor, at_us
        run.save(update_fields=["status", "approved_by", "approved_at_us"])
        record(
            actor,
            "settlement.run_approved",
            f"settlement-run:{run.pk}",
            period=run.period,
            created_by=run.created_by,
            payouts=len(payouts),
        )
    return run
