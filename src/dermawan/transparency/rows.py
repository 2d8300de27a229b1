"""Comparing the stored donations with their leaves: has a row changed since?

Each leaf's source (transparency_leafsource) names its order line and, for
an effect the ledger holds, its order event. The leaf is rebuilt from those
rows as the engine built it (the ledger transaction's kind, time and amount,
the event's id, the line's order, project, charity, currency and buyer, the
catalog's pledge terms, the line's salt) and compared field by field with
the stored leaf; every difference names the row and the field. Read in one
streaming query ordered by leaf, so memory stays flat.

Two things a row may legitimately change are not compared: a pledge's
``valid_to`` (the catalog lets an admin end a pledge; the leaf keeps the
terms in force when it was written), and a paid_out leaf's amount and time
(settlement's rows, not the ledger's, hold those).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from django.db import connection

from dermawan.transparency import leaves
from dermawan.transparency.audit import AuditReport
from dermawan.transparency.recording import (
    NO_EVENT,
    PAID_OUT,
    leaf_of,
    pledge_terms,
    waiting_sources,
)

SOURCES = """
SELECT s.id, s.order_line_id, s.event_row_id, n.data,
       t.kind, t.occurred_at_us, t.amount_minor, e.event_id,
       l.id, l.order_id, l.line_id, l.currency, l.buyer_id, l.pledge_id, l.project_id,
       l.charity_id, l.donation_minor, l.reversed_minor, x.salt
FROM transparency_leafsource s
JOIN transparency_entry n ON n.id = s.id
LEFT JOIN donations_orderline l ON l.id = s.order_line_id
LEFT JOIN donations_event e ON e.id = s.event_row_id
LEFT JOIN ledger_transaction t ON t.event_row_id = s.event_row_id
LEFT JOIN transparency_buyersalt x ON x.order_line_id = s.order_line_id
ORDER BY s.id
"""

UNLOGGED = """
SELECT t.id, t.kind, t.order_line_id, t.event_row_id FROM ledger_transaction t
LEFT JOIN transparency_leafsource s ON s.event_row_id = t.event_row_id
WHERE s.id IS NULL ORDER BY t.id
"""

UNSOURCED = """
SELECT n.id FROM transparency_entry n
LEFT JOIN transparency_leafsource s ON s.id = n.id
WHERE s.id IS NULL ORDER BY n.id
"""


@dataclasses.dataclass(frozen=True)
class _Line:
    id: int
    order_id: str
    line_id: str
    currency: str
    buyer_id: str | None
    pledge_id: str | None
    project_id: str | None
    charity_id: str | None


def _stream(query: str, chunk: int = 5_000) -> Iterator[tuple[Any, ...]]:
    """Rows of ``query`` a chunk at a time (a server-side cursor on PostgreSQL)."""
    if connection.vendor == "postgresql":
        cursor = connection.connection.cursor(name="transparency_rows")
    else:
        cursor = connection.connection.cursor()
    try:
        cursor.execute(query)
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()


def _differences(stored: leaves.DonationLeaf, rebuilt: leaves.DonationLeaf) -> list[str]:
    found = []
    for f in dataclasses.fields(stored):
        mine, theirs = getattr(rebuilt, f.name), getattr(stored, f.name)
        if mine == theirs:
            continue
        if f.name == "buyer_hash":
            found.append("the buyer hash differs (the line's buyer_id or its salt changed)")
        elif f.name == "pledge":
            found.append(f"the pledge terms differ: {mine} in the rows, {theirs} in the leaf")
        else:
            found.append(f"{f.name} is {mine!r} in the rows, {theirs!r} in the leaf")
    return found


def check_rows(report: AuditReport) -> tuple[int, int]:
    """Compare every leaf with the rows it came from; (leaves compared, leaves
    waiting to be appended: their effects are not missing from the log)."""
    cursor = connection.connection.cursor()
    waiting = waiting_sources(cursor)
    waiting_events = {event_row for _, event_row in waiting}
    waiting_lines = {line_pk for line_pk, _ in waiting}
    cursor.execute("SELECT id FROM catalog_pledge")
    terms = pledge_terms(pid for (pid,) in cursor.fetchall())
    compared = 0
    reversed_sums: dict[int, list[int]] = {}  # line pk -> [sum of reversed leaves, reversed_minor]
    for row in _stream(SOURCES):
        (index, line_pk, event_row, data, kind, occurred, amount, event_id, found_line,
         *line_fields, donation, reversed_minor, salt) = row  # fmt: skip
        compared += 1
        stored = leaves.decode(bytes(data))  # the tree audit reports undecodable ones
        where = f"leaf {index} ({stored.kind}, order line row {line_pk})"
        if found_line is None:
            report.problem(f"{where}: the order line row is gone")
            continue
        line = _Line(found_line, *line_fields)
        if event_row is None:
            kind, occurred, amount, event_id = (
                PAID_OUT, stored.occurred_at_us, stored.amount_minor, NO_EVENT
            )  # fmt: skip
        elif event_id is None or kind is None or amount is None:
            missing = "order event" if event_id is None else "ledger transaction"
            report.problem(f"{where}: the {missing} of event row {event_row} is gone")
            continue
        pledge = terms.get(line.pledge_id) if line.pledge_id else None
        if pledge is not None and stored.pledge is not None:
            pledge = dataclasses.replace(pledge, valid_to_us=stored.pledge.valid_to_us)
        rebuilt = leaf_of(
            kind, occurred, amount, event_id, line, pledge, None if salt is None else bytes(salt)
        )
        for difference in _differences(stored, rebuilt):
            report.problem(f"{where}, order {line.order_id} line {line.line_id}: {difference}")
        if stored.kind == "pledged" and donation != stored.amount_minor:
            report.problem(
                f"{where}, order {line.order_id} line {line.line_id}: donation_minor is "
                f"{donation} in the order line, {stored.amount_minor} in its pledged leaf"
            )
        if stored.kind == "reversed":
            reversed_sums.setdefault(line_pk, [0, reversed_minor])[0] += stored.amount_minor
    for line_pk, (logged, kept) in reversed_sums.items():
        if logged != kept and line_pk not in waiting_lines:
            report.problem(
                f"order line row {line_pk}: reversed_minor is {kept}, its reversed leaves "
                f"add up to {logged}"
            )
    for transaction_id, kind, line_pk, event_row in _stream(UNLOGGED):
        if event_row not in waiting_events:
            report.problem(
                f"ledger transaction {transaction_id} ({kind}, order line row {line_pk}) "
                "has no leaf in the log"
            )
    cursor.execute(UNSOURCED + " LIMIT 101")
    for (index,) in cursor.fetchall():
        report.problem(f"leaf {index} has no source row: nothing says which donation it records")
    return compared, len(waiting)
