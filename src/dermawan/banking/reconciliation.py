"""Matching a bank statement against the exported payouts, then settling them.

``match`` is pure: statement lines, the payouts their references name, and
the lines reconciled before, in; one outcome per line, out. It never
guesses: a line settles a payout only when its reference, amount, currency
and direction are exactly the payout's. ``reconcile`` applies a statement
all or nothing (decision 0018): any bad line and nothing changes; otherwise
every matched payout is marked paid (or failed, for a returned line) in one
database transaction, and the lines are remembered, so importing the same
statement again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from itertools import groupby
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from dermawan.auditlog.entries import record
from dermawan.banking.models import ReconciledLine
from dermawan.banking.statements import (
    BOOKED,
    CREDIT,
    DEBIT,
    PENDING,
    RETURNED,
    BadLine,
    ParsedLine,
    StatementLine,
)
from dermawan.core import bulk

# Outcomes that change a payout, that change nothing, and that refuse the file.
PAID, FAILED = "paid", "failed"
ALREADY_SETTLED, NOT_BOOKED, RETURNED_LATER = "already_settled", "not_booked", "returned_later"
MALFORMED, UNKNOWN_REFERENCE = "malformed", "unknown_reference"
WRONG_AMOUNT, WRONG_CURRENCY, WRONG_DIRECTION = "wrong_amount", "wrong_currency", "wrong_direction"
DUPLICATE_LINE, CONFLICT = "duplicate_line", "conflict"
BAD = frozenset(
    {MALFORMED, UNKNOWN_REFERENCE, WRONG_AMOUNT, WRONG_CURRENCY, WRONG_DIRECTION,
     DUPLICATE_LINE, CONFLICT}
)  # fmt: skip

# Payout statuses as settlement names them.
EXPORTED_STATUS, PAID_STATUS, FAILED_STATUS = "exported", "paid", "failed"


class ExportedPayout(Protocol):
    @property
    def reference(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Earlier:
    """A line reconciled by an earlier import."""

    amount_minor: int
    currency: str
    where: str
    statement_sha256: str


@dataclass(frozen=True)
class Outcome:
    where: str
    reference: str
    outcome: str
    detail: str
    amount_minor: int | None = None
    currency: str | None = None
    booked_on: str | None = None
    status: str | None = None

    @property
    def bad(self) -> bool:
        return self.outcome in BAD


def match(
    lines: Sequence[ParsedLine],
    payouts: Mapping[str, ExportedPayout],
    earlier: Mapping[tuple[str, str], Earlier],
) -> list[Outcome]:
    """One outcome per line, in the statement's order."""
    returned_here = {
        line.reference
        for line in lines
        if isinstance(line, StatementLine) and line.status == RETURNED
    }
    first_seen: dict[tuple[str, str], str] = {}
    outcomes: list[Outcome] = []
    for line in lines:
        if isinstance(line, BadLine):
            outcomes.append(Outcome(line.where, line.reference, MALFORMED, line.reason))
            continue
        key = (line.reference, line.status)
        if line.status != PENDING and key in first_seen:
            outcome, detail = DUPLICATE_LINE, f"the same {line.status} line as {first_seen[key]}"
        else:
            first_seen.setdefault(key, line.where)
            outcome, detail = _judge(line, payouts.get(line.reference), earlier.get(key),
                                     line.reference in returned_here)  # fmt: skip
        outcomes.append(
            Outcome(
                line.where, line.reference, outcome, detail, line.amount_minor, line.currency,
                line.booked_on.isoformat(), line.status,
            )
        )  # fmt: skip
    return outcomes


def _judge(
    line: StatementLine,
    payout: ExportedPayout | None,
    earlier: Earlier | None,
    returned_here: bool,
) -> tuple[str, str]:
    if payout is None:
        return UNKNOWN_REFERENCE, "no exported payout has this end-to-end reference"
    if line.currency != payout.currency:
        return WRONG_CURRENCY, f"the payout is in {payout.currency}, the line in {line.currency}"
    if line.amount_minor != payout.amount_minor:
        part = "partial: " if line.amount_minor < payout.amount_minor else ""
        return WRONG_AMOUNT, (
            f"{part}the line is {line.amount_minor} minor units, the payout {payout.amount_minor}"
        )
    if line.status == PENDING:
        return NOT_BOOKED, "the bank has not booked it yet; nothing changes"
    expected = DEBIT if line.status == BOOKED else CREDIT
    if line.direction != expected:
        return (
            WRONG_DIRECTION,
            f"a {line.status} payout is a {expected}, this line a {line.direction}",
        )
    if earlier is not None:
        return ALREADY_SETTLED, (
            f"reconciled before, from {earlier.where} of statement {earlier.statement_sha256[:12]}"
        )
    if line.status == BOOKED:
        if returned_here:
            return RETURNED_LATER, "booked, then returned in this statement: the return settles it"
        if payout.status == PAID_STATUS:
            return ALREADY_SETTLED, "the payout is already paid"
        if payout.status != EXPORTED_STATUS:
            return CONFLICT, f"the payout is {payout.status}, not exported: it cannot become paid"
        return PAID, "the payout is paid"
    if payout.status == FAILED_STATUS:
        return ALREADY_SETTLED, "the payout is already failed"
    if payout.status != EXPORTED_STATUS:
        return CONFLICT, (
            f"the payout is {payout.status}, not exported: a return after it was marked paid "
            "needs a person"
        )
    return FAILED, "the payout was returned by the bank"


class Settlement(Protocol):
    """What reconciliation needs from dermawan.settlement.payouts."""

    def exported_payouts(self, references: Any) -> Mapping[str, ExportedPayout]: ...
    def mark_paid_many(self, references: list[str], *, actor: str, paid_at: datetime) -> None: ...
    def mark_failed(self, reference: str, *, actor: str, reason: str) -> None: ...


@dataclass(frozen=True)
class Report:
    statement_sha256: str
    applied: bool
    dry_run: bool
    outcomes: list[Outcome]

    @property
    def bad(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.bad]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        return dict(sorted(counts.items()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "statement_sha256": self.statement_sha256,
            "ok": not self.bad,
            "applied": self.applied,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "lines": [asdict(o) for o in self.outcomes],
        }


def _paid_on(change: tuple[Outcome, StatementLine]) -> date | None:
    outcome, line = change
    return line.booked_on if outcome.outcome == PAID else None


def reconcile(
    data: bytes,
    lines: Sequence[ParsedLine],
    settlement: Settlement,
    *,
    actor: str,
    dry_run: bool = False,
) -> Report:
    """Match and, unless a line is bad or ``dry_run``, apply, all in one transaction."""
    digest = hashlib.sha256(data).hexdigest()
    references = sorted({line.reference for line in lines if line.reference})
    with transaction.atomic():
        # Chunked by select_in: a statement may name more references than
        # SQLite takes parameters in one statement.
        earlier = {
            (ref, status): Earlier(amount, currency, where, sha)
            for ref, status, amount, currency, where, sha in bulk.select_in(
                bulk.raw_cursor(),
                'SELECT reference, status, amount_minor, currency, "where", statement_sha256 '
                "FROM banking_reconciledline WHERE",
                "reference",
                references,
            )
        }
        outcomes = match(lines, settlement.exported_payouts(references), earlier)
        report = Report(digest, False, dry_run, outcomes)
        if report.bad or dry_run:
            return report
        changing = [
            (o, line)
            for o, line in zip(outcomes, lines, strict=True)
            if o.outcome in (PAID, FAILED, RETURNED_LATER) and isinstance(line, StatementLine)
        ]
        now = timezone.now()
        # Consecutive payments booked the same day are marked paid together:
        # settlement then reads each run's donations once, not once a payout.
        for booked_on, group in groupby(changing, key=_paid_on):
            if booked_on is not None:
                settlement.mark_paid_many(
                    [line.reference for _, line in group],
                    actor=actor,
                    paid_at=datetime.combine(booked_on, time(0), UTC),
                )
                continue
            for o, line in group:
                if o.outcome == FAILED:
                    settlement.mark_failed(
                        line.reference,
                        actor=actor,
                        reason=f"returned by the bank on {line.booked_on.isoformat()} "
                        f"({line.where})",
                    )
        ReconciledLine.objects.bulk_create(
            ReconciledLine(
                reference=line.reference, status=line.status, amount_minor=line.amount_minor,
                currency=line.currency, booked_on=line.booked_on, statement_sha256=digest,
                where=line.where[:100], imported_at=now, actor=actor,
            )
            for _, line in changing
        )  # fmt: skip
        if changing:
            record(
                actor,
                "banking.statement_reconciled",
                f"statement:{digest[:16]}",
                counts=report.counts(),
                paid=[o.reference for o, _ in changing if o.outcome == PAID],
                failed=[o.reference for o, _ in changing if o.outcome == FAILED],
            )
        return Report(digest, True, False, outcomes)
