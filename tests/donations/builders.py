"""Builders for catalog documents, order events and event files.

Everything here follows shared/spec/donations.md (sections 2, 3 and 5), not
the engine: the tests use these to say what goes in, and check what comes
out against the spec. Engine modules are imported lazily, inside the helpers,
so a missing engine fails the tests that need it, not the collection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# A field left out of the event (or catalog record) altogether, as opposed to
# a field present with the value null.
ABSENT: Any = object()

CHARITY = "yayasan-pangan"
PROJECT = "makan-siang"  # IDR project of the default merchant-wide pledge
MERCHANT = "toko-tani"
OTHER_MERCHANT = "toko-lain"  # a merchant with no pledge at all
PRODUCT = "beras-5kg"
OTHER_PRODUCT = "minyak-2l"
OPEN_FROM = "2026-01-01T00:00:00Z"
T0 = "2026-09-10T08:00:00Z"

# Every column an event file may carry (spec section 3 table).
FIELDS = (
    "event_id",
    "type",
    "order_id",
    "line_id",
    "occurred_at",
    "merchant_id",
    "product_id",
    "currency",
    "quantity",
    "unit_price_minor",
    "discount_minor",
    "refund_minor",
    "buyer_id",
    "campaign_id",
    "livestream_id",
)
INTEGER_FIELDS = ("quantity", "unit_price_minor", "discount_minor", "refund_minor")

COUNT_KEYS = {
    "read",
    "applied",
    "duplicates",
    "rejected",
    "parked",
    "donations_created",
    "seconds",
    "events_per_second",
}
TOTALS_KEYS = {
    "project_id",
    "currency",
    "donations",
    "pledged_minor",
    "reversed_minor",
    "net_minor",
    "confirmed_minor",
    "pending_minor",
}
REJECT_KEYS = {"line", "event_id", "reason", "message"}


def _with(record: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    out.update(overrides)
    return {key: value for key, value in out.items() if value is not ABSENT}


# --- catalog ---------------------------------------------------------------


def charity(id: str = CHARITY, **fields: Any) -> dict[str, Any]:
    base = {"id": id, "name": f"Charity {id}", "country": "ID", "verified": True}
    return _with(base, fields)


def project(
    id: str = PROJECT, *, charity_id: str = CHARITY, currency: str = "IDR", **fields: Any
) -> dict[str, Any]:
    base = {
        "id": id,
        "charity_id": charity_id,
        "name": f"Project {id}",
        "category": "children",
        "region": "ID-JT",
        "currency": currency,
        "goal_minor": 50_000_000_000,
        "status": "active",
    }
    return _with(base, fields)


def merchant(id: str = MERCHANT, **fields: Any) -> dict[str, Any]:
    return _with({"id": id, "name": f"Merchant {id}"}, fields)


def percent_pledge(
    id: str,
    *,
    basis_points: Any = 500,
    merchant_id: str = MERCHANT,
    product_id: str | None = None,
    project_id: str = PROJECT,
    valid_from: Any = OPEN_FROM,
    valid_to: Any = None,
    **fields: Any,
) -> dict[str, Any]:
    base = {
        "id": id,
        "merchant_id": merchant_id,
        "product_id": product_id,
        "project_id": project_id,
        "kind": "percent",
        "basis_points": basis_points,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    return _with(base, fields)


def fixed_pledge(
    id: str,
    *,
    amount_minor: Any,
    currency: Any = "IDR",
    merchant_id: str = MERCHANT,
    product_id: str | None = None,
    project_id: str = PROJECT,
    valid_from: Any = OPEN_FROM,
    valid_to: Any = None,
    **fields: Any,
) -> dict[str, Any]:
    base = {
        "id": id,
        "merchant_id": merchant_id,
        "product_id": product_id,
        "project_id": project_id,
        "kind": "fixed",
        "amount_minor": amount_minor,
        "currency": currency,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    return _with(base, fields)


def catalog(
    *pledges: dict[str, Any],
    charities: Sequence[dict[str, Any]] | None = None,
    projects: Sequence[dict[str, Any]] | None = None,
    merchants: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A whole catalog document. Unless given, it holds one charity, every
    project the pledges name (IDR, of that charity), and the merchants the
    pledges name plus MERCHANT and OTHER_MERCHANT."""
    if charities is None:
        charities = [charity()]
    if projects is None:
        names = [PROJECT] + [p.get("project_id") for p in pledges if isinstance(p, dict)]
        projects = [project(name) for name in dict.fromkeys(names) if isinstance(name, str)]
    if merchants is None:
        names = [MERCHANT, OTHER_MERCHANT] + [
            p.get("merchant_id") for p in pledges if isinstance(p, dict)
        ]
        merchants = [merchant(name) for name in dict.fromkeys(names) if isinstance(name, str)]
    return {
        "charities": list(charities),
        "projects": list(projects),
        "merchants": list(merchants),
        "pledges": list(pledges),
    }


def load(document: dict[str, Any]) -> dict[str, int]:
    from dermawan.catalog.loader import load_catalog

    return load_catalog(document)


def load_default_catalog(*extra_pledges: dict[str, Any]) -> None:
    """MERCHANT gives 5 % of every line (merchant-wide) to PROJECT from OPEN_FROM."""
    load(catalog(percent_pledge("pl-wide"), *extra_pledges))


# --- events ----------------------------------------------------------------


def paid(
    event_id: Any,
    order_id: Any = "o-1",
    line_id: Any = "1",
    *,
    occurred_at: Any = T0,
    merchant_id: Any = MERCHANT,
    product_id: Any = PRODUCT,
    currency: Any = "IDR",
    quantity: Any = 1,
    unit_price_minor: Any = 20_000,
    **fields: Any,
) -> dict[str, Any]:
    base = {
        "event_id": event_id,
        "type": "paid",
        "order_id": order_id,
        "line_id": line_id,
        "occurred_at": occurred_at,
        "merchant_id": merchant_id,
        "product_id": product_id,
        "currency": currency,
        "quantity": quantity,
        "unit_price_minor": unit_price_minor,
    }
    return _with(base, fields)


def _later(
    type_: str, event_id: Any, order_id: Any, line_id: Any, occurred_at: Any, fields: dict
) -> dict[str, Any]:
    base = {
        "event_id": event_id,
        "type": type_,
        "order_id": order_id,
        "line_id": line_id,
        "occurred_at": occurred_at,
    }
    return _with(base, fields)


def completed(
    event_id: Any, order_id: Any = "o-1", line_id: Any = "1", *, occurred_at: Any = T0, **fields
) -> dict[str, Any]:
    return _later("completed", event_id, order_id, line_id, occurred_at, fields)


def cancelled(
    event_id: Any, order_id: Any = "o-1", line_id: Any = "1", *, occurred_at: Any = T0, **fields
) -> dict[str, Any]:
    return _later("cancelled", event_id, order_id, line_id, occurred_at, fields)


def refunded(
    event_id: Any,
    order_id: Any = "o-1",
    line_id: Any = "1",
    *,
    refund_minor: Any,
    occurred_at: Any = T0,
    **fields: Any,
) -> dict[str, Any]:
    fields = {"refund_minor": refund_minor, **fields}
    return _later("refunded", event_id, order_id, line_id, occurred_at, fields)


# --- engine ----------------------------------------------------------------


def ingest(*events: dict[str, Any], batch_size: int | None = None) -> Any:
    """ingest_records over ``events``; returns the IngestReport."""
    from dermawan.donations.ingest import ingest_records

    if batch_size is None:
        return ingest_records(list(events))
    return ingest_records(list(events), batch_size=batch_size)


def totals() -> dict[tuple[str, str], dict[str, Any]]:
    from dermawan.donations.totals import project_totals

    return {(row["project_id"], row["currency"]): row for row in project_totals()}


def total(project_id: str = PROJECT, currency: str = "IDR") -> dict[str, Any] | None:
    return totals().get((project_id, currency))


def figures(project_id: str = PROJECT, currency: str = "IDR") -> tuple[int, ...] | None:
    """(donations, pledged, reversed, net, confirmed, pending) of one totals row."""
    row = total(project_id, currency)
    if row is None:
        return None
    return tuple(
        row[key]
        for key in (
            "donations",
            "pledged_minor",
            "reversed_minor",
            "net_minor",
            "confirmed_minor",
            "pending_minor",
        )
    )


def rejected(report: Any) -> list[tuple[Any, str]]:
    """(event_id, reason) of every reject of a report, in report order."""
    return [(r["event_id"], r["reason"]) for r in report.rejects]


def reason_of(report: Any, event_id: Any) -> str | None:
    reasons = [r["reason"] for r in report.rejects if r["event_id"] == event_id]
    assert len(reasons) <= 1, report.rejects
    return reasons[0] if reasons else None


def counts(report: Any) -> dict[str, Any]:
    """The report's counts without the timing figures."""
    return {k: v for k, v in report.counts.items() if k not in ("seconds", "events_per_second")}


def call(name: str, *args: str, capsys: Any) -> tuple[int, str]:
    """Run a management command in-process; returns (exit status, stdout)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    buffer = io.StringIO()
    code = 0
    try:
        call_command(name, *args, stdout=buffer)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except CommandError as error:  # call_command does not turn these into exits
        code = error.returncode
    captured = capsys.readouterr().out
    return code, buffer.getvalue() + captured


def call_json(name: str, *args: str, capsys: Any) -> tuple[int, Any]:
    code, out = call(name, *args, "--json", capsys=capsys)
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one JSON object on stdout, got {out!r}"
    return code, json.loads(lines[0])


# --- files -----------------------------------------------------------------


def write_jsonl(
    path: Path, events: Iterable[dict[str, Any]], *, blank_before: Iterable[int] = ()
) -> Path:
    """One event a line; a blank line is put before the events whose 0-based
    index is in ``blank_before``."""
    blanks = set(blank_before)
    lines = []
    for index, event in enumerate(events):
        if index in blanks:
            lines.append("")
        lines.append(json.dumps(event))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cell(value: Any) -> str:
    if value is None or value is ABSENT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(
    path: Path, events: Iterable[dict[str, Any]], *, fields: Sequence[str] = FIELDS
) -> Path:
    """Header row, then one record an event; an absent or null field is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for event in events:
        writer.writerow([_cell(event.get(name)) for name in fields])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def write_parquet(path: Path, events: Iterable[dict[str, Any]]) -> Path:
    """Text columns as strings, amounts as int64; absent fields are nulls."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    events = list(events)
    columns = {}
    for name in FIELDS:
        values = [event.get(name) for event in events]
        if name in INTEGER_FIELDS:
            columns[name] = pa.array(values, type=pa.int64())
        else:
            columns[name] = pa.array(
                [None if v is None else str(v) for v in values], type=pa.string()
            )
    pq.write_table(pa.table(columns), path)
    return path


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}


def write_events(path: Path, events: Iterable[dict[str, Any]], fmt: str) -> Path:
    return WRITERS[fmt](path, events)


def read_rejects(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def order_in_another_bucket(busy: str) -> str:
    """An order id whose order lock bucket (PostgreSQL) is not ``busy``'s:
    a writer holding ``busy`` does not hold it."""
    from dermawan.core.bulk import lock_bucket

    return next(f"o-{n}" for n in range(2, 100) if lock_bucket(f"o-{n}") != lock_bucket(busy))
