"""Payouts after approval: export to the bank, then paid or failed.

This is the interface the bank files and reconciliation code against
(dermawan.banking): ``payouts_to_export`` gives a run's bank-file lines,
``exported_payouts`` looks payouts up by the end-to-end reference a bank
statement echoes, and ``mark_paid`` / ``mark_failed`` confirm them. Each step
is one ledger transaction per payout and one audit entry, in one database
transaction: a crash at any point leaves the payout in its previous state,
and the step can simply be run again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from dermawan.auditlog.entries import record
from dermawan.catalog.models import Charity
from dermawan.core import bulk
from dermawan.core.instants import EPOCH, ONE_MICROSECOND, to_rfc3339
from dermawan.ledger.accounts import AccountBook
from dermawan.ledger.journal import Entry, post
from dermawan.settlement import books, paid
from dermawan.settlement.models import Payout, Run
from dermawan.settlement.runs import Refused, lock, now_us

__all__ = [
    "ExportedPayout",
    "PayoutInstruction",
    "Refused",
    "export_run",
    "exported_payouts",
    "mark_failed",
    "mark_paid",
    "mark_paid_many",
    "payouts_to_export",
    "reference_of",
]


@dataclass(frozen=True)
class ExportedPayout:
    reference: str
    charity_id: str
    amount_minor: int
    currency: str
    status: str  # exported, paid or failed


@dataclass(frozen=True)
class PayoutInstruction:
    """One credit transfer of a bank file."""

    reference: str  # the end-to-end id: unique, at most 35 characters, [A-Z0-9]
    charity_id: str
    charity_name: str
    amount_minor: int
    currency: str


def reference_of(run: Run, payout_id: int) -> str:
    """``DRM202609P00000017``: period and payout id, safe as a pain.001 EndToEndId.

    Derived, not drawn: exporting again after a crash gives the same references.
    """
    return f"DRM{run.period.replace('-', '')}P{payout_id:08d}"


def export_run(run_id: int, *, actor: str, at_us: int | None = None) -> list[PayoutInstruction]:
    """Give an approved run's payouts their references and move them to exported.

    A run exported before is returned as it was (nothing changes), so writing
    its bank file again after a crash gives the same file.
    """
    at_us = now_us() if at_us is None else at_us
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        lock(cursor)
        run = _run(run_id)
        if run.status == Run.EXPORTED:
            return payouts_to_export(run_id)
        if run.status != Run.APPROVED:
            raise Refused(f"settlement run {run_id} is {run.status}; only an approved run exports")
        entries = []
        payouts = list(run.payouts.filter(status=Payout.APPROVED).order_by("id"))
        for payout in payouts:
            payout.reference = reference_of(run, payout.pk)
            payout.status = Payout.EXPORTED
            payout.exported_at_us = at_us
            entries.append(_entry(books.EXPORTED, payout, at_us, "approved", books.PAYOUT_EXPORTED))
        Payout.objects.bulk_update(payouts, ["reference", "status", "exported_at_us"])
        post(cursor, AccountBook(), entries)
        run.status, run.exported_by, run.exported_at_us = Run.EXPORTED, actor, at_us
        run.save(update_fields=["status", "exported_by", "exported_at_us"])
        record(
            actor,
            "settlement.run_exported",
            f"settlement-run:{run.pk}",
            period=run.period,
            payouts=[p.reference for p in payouts],
            totals=_totals(payouts),
        )
        return payouts_to_export(run_id)


def payouts_to_export(run_id: int) -> list[PayoutInstruction]:
    """The bank-file lines of an exported run, by reference.

    The file is fixed at export: the same payouts, references and amounts
    every time, whatever became of them since (paid, failed), so a file
    written again is byte-for-byte the one the bank may already have.
    """
    run = _run(run_id)
    if run.status != Run.EXPORTED:
        raise Refused(
            f"settlement run {run_id} is {run.status}: export it first "
            f"('dermawan settlement export {run_id}')"
        )
    payouts = list(run.payouts.exclude(reference=None).order_by("reference"))
    names = dict(
        Charity.objects.filter(id__in={p.charity_id for p in payouts}).values_list("id", "name")
    )
    return [
        PayoutInstruction(
            p.reference or "",
            p.charity_id,
            names.get(p.charity_id, p.charity_id),
            p.amount_minor,
            p.currency,
        )
        for p in payouts
    ]


def exported_payouts(references: Iterable[str]) -> dict[str, ExportedPayout]:
    """The payouts with these references (unknown references are left out)."""
    wanted = sorted(set(references))
    found: dict[str, ExportedPayout] = {}
    for start in range(0, len(wanted), 10_000):
        for p in Payout.objects.filter(reference__in=wanted[start : start + 10_000]):
            assert p.reference is not None
            found[p.reference] = ExportedPayout(
                p.reference, p.charity_id, p.amount_minor, p.currency, p.status
            )
    return found


def mark_paid(reference: str, *, actor: str, paid_at: datetime) -> None:
    """The bank paid this payout (``mark_paid_many`` of one)."""
    mark_paid_many([reference], actor=actor, paid_at=paid_at)


def mark_paid_many(references: list[str], *, actor: str, paid_at: datetime) -> None:
    """The bank paid these payouts: they leave the platform's clearing account.

    Their donations become paid out (transparency log leaves, ``payout.paid``
    webhooks) in the same transaction, read in one scan per run however many
    payouts of it are paid. Refused, all of them, unless each is exported.
    """
    if paid_at.tzinfo is None:
        raise Refused(f"payouts {', '.join(references)}: paid_at needs a time zone")
    paid_at_us = (paid_at - EPOCH) // ONE_MICROSECOND
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        lock(cursor)
        done: list[tuple[Payout, list[Payout]]] = []
        for reference in references:
            payout = _leave_exported(
                cursor, reference, "paid", books.PAID, paid_at_us, books.PLATFORM_CLEARING
            )
            payout.status, payout.paid_at_us = Payout.PAID, paid_at_us
            payout.save(update_fields=["status", "paid_at_us"])
            carried = paid.cover_failed(payout)
            done.append((payout, carried))
            record(
                actor,
                "settlement.payout_paid",
                f"payout:{reference}",
                charity_id=payout.charity_id,
                currency=payout.currency,
                amount_minor=payout.amount_minor,
                paid_at=to_rfc3339(paid_at_us),
                carried_failed=[p.reference for p in carried],
            )
        paid.announce(cursor, done, paid_at_us)


def mark_failed(reference: str, *, actor: str, reason: str, at_us: int | None = None) -> None:
    """The bank returned this payout: its money goes back to the charity's settled
    balance, and the next run pays it again. Refused unless the payout is exported.
    """
    if not reason:
        raise Refused(f"payout {reference}: a failure needs a reason")
    at_us = now_us() if at_us is None else at_us
    with transaction.atomic():
        cursor = bulk.raw_cursor()
        lock(cursor)
        payout = _leave_exported(
            cursor, reference, "failed", books.FAILED, at_us, books.CHARITY_SETTLED
        )
        payout.status, payout.failed_at_us = Payout.FAILED, at_us
        payout.failed_reason = reason[:500]
        payout.save(update_fields=["status", "failed_at_us", "failed_reason"])
        record(
            actor,
            "settlement.payout_failed",
            f"payout:{reference}",
            charity_id=payout.charity_id,
            currency=payout.currency,
            amount_minor=payout.amount_minor,
            reason=reason,
        )


def _run(run_id: int) -> Run:
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise Refused(f"there is no settlement run {run_id}")
    return run


def _exported(reference: str, becoming: str) -> Payout:
    payout = Payout.objects.filter(reference=reference).first()
    if payout is None:
        raise Refused(f"no payout has the reference {reference!r}")
    if payout.status != Payout.EXPORTED:
        raise Refused(
            f"payout {reference} is {payout.status}, not exported: it cannot become {becoming}"
        )
    return payout


def _leave_exported(
    cursor: Any, reference: str, becoming: str, kind: str, at_us: int, to_kind: str
) -> Payout:
    """The exported payout ``reference`` (refused otherwise), its amount moved off
    the exported account onto ``to_kind``'s by a ledger transaction of ``kind``."""
    payout = _exported(reference, becoming)
    post(cursor, AccountBook(), [_entry(kind, payout, at_us, "exported", to_kind)])
    return payout


def _entry(kind: str, payout: Payout, at_us: int, state: str, to_kind: str) -> Entry:
    """Move ``payout``'s amount off its ``state`` account onto ``to_kind``'s."""
    owner = books.PLATFORM if to_kind == books.PLATFORM_CLEARING else payout.charity_id
    return Entry(
        kind,
        payout.currency,
        None,
        None,
        at_us,
        books.payout_account(state, payout.charity_id, payout.currency),
        (to_kind, owner, payout.currency),
        payout.amount_minor,
    )


def _totals(payouts: list[Payout]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for p in payouts:
        totals[p.currency] = totals.get(p.currency, 0) + p.amount_minor
    return totals
