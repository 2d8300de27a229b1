"""Spec sections 3 and 5: event files as JSON Lines, CSV and Parquet.

The same events give the same results whatever the format; the rejects file
names each rejected event by its physical line (JSON Lines) or its record
after the header (CSV); a file that cannot be read at all is refused whole
(exit status 2) and nothing is written.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.donations.builders import (
    FIELDS,
    OTHER_MERCHANT,
    PROJECT,
    REJECT_KEYS,
    call,
    call_json,
    cancelled,
    completed,
    counts,
    figures,
    load_default_catalog,
    paid,
    read_rejects,
    refunded,
    totals,
    write_csv,
    write_events,
    write_jsonl,
    write_parquet,
)

pytestmark = pytest.mark.django_db

FORMATS = ("jsonl", "csv", "parquet")


@pytest.fixture(autouse=True)
def default_catalog() -> None:
    load_default_catalog()


def ingest_path(path: Path, **options: Any) -> Any:
    from dermawan.donations.ingest import ingest_file

    return ingest_file(path, **options)


def reject_triples(rejects: list[dict[str, Any]]) -> list[tuple[int, Any, str]]:
    return sorted((r["line"], r["event_id"], r["reason"]) for r in rejects)


# Format-neutral events: string ids, integer amounts, absent optional fields.
EVENTS = [
    paid("p1", "o-1", quantity=2, unit_price_minor=10_000, buyer_id="b-1"),  # 1: D 1,000
    completed("c1", "o-1"),  # 2
    refunded("r2", "o-2", refund_minor=5_000),  # 3: parked until line 4
    paid("p2", "o-2", unit_price_minor=20_000),  # 4: D 1,000, refund reverses 250
    paid("p3", "o-3", quantity=0),  # 5: invalid_amount
    completed("x", "o-4", type="shipped"),  # 6: unknown_type
    paid("p1", "o-1", quantity=2, unit_price_minor=10_000, buyer_id="b-1"),  # 7: duplicate
    paid("p4", "o-1"),  # 8: conflict (second paid)
    paid(
        "p5", "o-5", merchant_id=OTHER_MERCHANT, campaign_id="cmp-1", livestream_id="live-1"
    ),  # 9: no donation
    cancelled("x5", "o-5"),  # 10
    paid("p6", "o-6", currency="USD", unit_price_minor=1_999),  # 11: USD D 100
    completed("c7", "o-7"),  # 12: parked, stays parked
    refunded("r6", "o-6", refund_minor=3_000),  # 13: refund_exceeds_paid
    paid("p8", "o-8", discount_minor=0, occurred_at="2026-09-10T15:00:00+07:00"),  # 14: D 1,000
]
EXPECTED_COUNTS = {
    "read": 14,
    "applied": 8,
    "duplicates": 1,
    "rejected": 4,
    "parked": 1,
    "donations_created": 4,
}
EXPECTED_REJECTS = [
    (5, "p3", "invalid_amount"),
    (6, "x", "unknown_type"),
    (8, "p4", "conflict"),
    (13, "r6", "refund_exceeds_paid"),
]
EXPECTED_IDR = (3, 3000, 250, 2750, 1000, 1750)
EXPECTED_USD = (1, 100, 0, 100, 0, 100)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_events_same_results_in_every_format(tmp_path: Path, fmt: str) -> None:
    path = write_events(tmp_path / f"events.{fmt}", EVENTS, fmt)
    rejects = tmp_path / "rejects.jsonl"
    report = ingest_path(path, rejects=rejects)
    assert counts(report) == EXPECTED_COUNTS
    assert reject_triples(report.rejects) == EXPECTED_REJECTS
    written = read_rejects(rejects)
    assert all(set(line) == REJECT_KEYS for line in written)
    assert all(isinstance(line["message"], str) and line["message"] for line in written)
    assert reject_triples(written) == EXPECTED_REJECTS
    assert figures(PROJECT, "IDR") == EXPECTED_IDR
    assert figures(PROJECT, "USD") == EXPECTED_USD
    assert len(totals()) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_command_reads_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = write_events(tmp_path / f"events.{fmt}", EVENTS, fmt)
    rejects = tmp_path / "rejects.jsonl"
    code, document = call_json("ingest", str(path), "--rejects", str(rejects), capsys=capsys)
    assert code == 0  # an ingest that rejected some events succeeded
    assert {k: v for k, v in document.items() if k in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert reject_triples(read_rejects(rejects)) == EXPECTED_REJECTS
    assert figures(PROJECT, "IDR") == EXPECTED_IDR


@pytest.mark.parametrize(
    "name, fmt, writer",
    [
        ("events.txt", "jsonl", write_jsonl),
        ("events.data", "csv", write_csv),
        ("events.bin", "parquet", write_parquet),
        ("events.jsonl", "csv", write_csv),
    ],
)
def test_format_option_overrides_the_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fmt: str, writer: Any
) -> None:
    path = writer(tmp_path / name, EVENTS)
    code, document = call_json("ingest", str(path), "--format", fmt, capsys=capsys)
    assert code == 0
    assert document["read"] == 14 and document["rejected"] == 4
    assert figures(PROJECT, "IDR") == EXPECTED_IDR


# --- JSON Lines ---------------------------------------------------------------


def test_jsonl_blank_lines_are_skipped_but_keep_their_numbers(tmp_path: Path) -> None:
    lines = [
        "",
        json.dumps(paid("p1")),  # 2
        "   ",
        "",
        json.dumps(paid("bad", "o-2", quantity=0)),  # 5
        "\t",
        json.dumps(completed("c1")),  # 7
        json.dumps(paid("p9", "o-9", currency="usd")),  # 8
        "",
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.jsonl"
    report = ingest_path(path, rejects=rejects)
    assert report.counts["read"] == 4
    assert report.counts["applied"] == 2
    expected = [(5, "bad", "invalid_amount"), (8, "p9", "invalid_currency")]
    assert reject_triples(report.rejects) == expected
    assert reject_triples(read_rejects(rejects)) == expected
    assert figures() == (1, 1000, 0, 1000, 1000, 0)


def test_jsonl_line_that_is_not_json_is_a_malformed_event(tmp_path: Path) -> None:
    """DESIGN: a bad event is set aside, the rest of its batch goes on."""
    path = tmp_path / "events.jsonl"
    path.write_text(
        json.dumps(paid("p1")) + "\n" + '{"event_id": "broken", "type": \n' + "[1, 2]\n"
    )
    report = ingest_path(path)
    assert report.counts["read"] == 3
    assert [(r["line"], r["reason"]) for r in sorted(report.rejects, key=lambda r: r["line"])] == [
        (2, "malformed"),
        (3, "malformed"),
    ]
    assert figures() == (1, 1000, 0, 1000, 0, 1000)


def test_jsonl_integer_ids_and_json_types(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            paid(1, 1001, 1),
            completed(2, "1001", "1"),
            paid(3, 1002, 1, quantity=2.0),
            paid(4, 1003, 1, unit_price_minor="20000"),
            paid(5, 1004, 1, discount_minor=True),
        ],
    )
    report = ingest_path(path)
    assert sorted((r["line"], str(r["event_id"]), r["reason"]) for r in report.rejects) == [
        (3, "3", "malformed"),
        (4, "4", "malformed"),
        (5, "5", "malformed"),
    ]
    assert figures() == (1, 1000, 0, 1000, 1000, 0)


def test_reject_names_an_integer_event_id_by_its_text(tmp_path: Path) -> None:
    """Ids are strings: a JSON integer id is read as its decimal text."""
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [paid(7, "o-1", quantity=0), paid(8, "o-2", quantity=1.5), completed(9, "o-3", type="x")],
    )
    rejects = tmp_path / "rejects.jsonl"
    report = ingest_path(path, rejects=rejects)
    assert sorted(r["event_id"] for r in report.rejects) == ["7", "8", "9"]
    assert sorted(r["event_id"] for r in read_rejects(rejects)) == ["7", "8", "9"]


# --- CSV ----------------------------------------------------------------------


def test_csv_columns_in_any_order_and_empty_cells_null(tmp_path: Path) -> None:
    fields = list(reversed(FIELDS))
    events = [
        paid("p1", discount_minor=None, buyer_id=None),
        paid("p1"),  # duplicate: an empty discount is 0, an empty buyer null
        refunded("r1", refund_minor=5_000, currency=None),
    ]
    path = write_csv(tmp_path / "events.csv", events, fields=fields)
    report = ingest_path(path)
    assert counts(report) == {
        "read": 3,
        "applied": 2,
        "duplicates": 1,
        "rejected": 0,
        "parked": 0,
        "donations_created": 1,
    }
    assert figures() == (1, 1000, 250, 750, 0, 750)


CSV_HEADER = ",".join(FIELDS)


def _csv_row(**cells: str) -> str:
    base = {
        "event_id": "p1",
        "type": "paid",
        "order_id": "o-1",
        "line_id": "1",
        "occurred_at": "2026-09-10T08:00:00Z",
        "merchant_id": "toko-tani",
        "product_id": "beras-5kg",
        "currency": "IDR",
        "quantity": "1",
        "unit_price_minor": "20000",
    }
    base.update(cells)
    return ",".join(base.get(name, "") for name in FIELDS)


@pytest.mark.parametrize(
    "cells, reason",
    [
        pytest.param({"quantity": "2.0"}, "malformed", id="quantity 2.0"),
        pytest.param({"quantity": "two"}, "malformed", id="quantity words"),
        pytest.param({"quantity": "1e3"}, "malformed", id="quantity exponent"),
        pytest.param({"quantity": ""}, "malformed", id="quantity empty"),
        pytest.param({"unit_price_minor": "20000.00"}, "malformed", id="price with decimals"),
        pytest.param({"discount_minor": "0.5"}, "malformed", id="discount fraction"),
        pytest.param({"currency": ""}, "malformed", id="currency empty"),
        pytest.param({"occurred_at": "2026-09-10T08:00:00"}, "malformed", id="no offset"),
        pytest.param({"quantity": "0"}, "invalid_amount", id="quantity 0"),
        pytest.param({"quantity": "1000001"}, "invalid_amount", id="quantity 1000001"),
        pytest.param({"unit_price_minor": "100000000000001"}, "invalid_amount", id="price"),
        pytest.param({"currency": "XYZ"}, "invalid_currency", id="currency"),
        pytest.param({"type": "shipped"}, "unknown_type", id="type"),
    ],
)
def test_csv_cells(tmp_path: Path, cells: dict[str, str], reason: str) -> None:
    path = tmp_path / "events.csv"
    good = _csv_row(event_id="ok", order_id="o-ok")
    path.write_text("\n".join([CSV_HEADER, good, _csv_row(**cells), good]) + "\n")
    report = ingest_path(path)
    assert reject_triples(report.rejects) == [(2, "p1", reason)]
    assert report.counts["duplicates"] == 1
    assert figures() == (1, 1000, 0, 1000, 0, 1000)


def test_csv_digits_are_amounts_and_ids_are_text(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    rows = [
        _csv_row(
            event_id="1", order_id="1001", line_id="1", quantity="2", unit_price_minor="10000"
        ),
        _csv_row(event_id="2", type="completed", order_id="1001", quantity="", unit_price_minor=""),
        _csv_row(
            event_id="3",
            type="refunded",
            order_id="1001",
            refund_minor="5000",
            quantity="",
            unit_price_minor="",
        ),
    ]
    path.write_text("\n".join([CSV_HEADER, *rows]) + "\n")
    report = ingest_path(path)
    assert report.rejects == []
    assert figures() == (1, 1000, 250, 750, 750, 0)


def test_csv_reject_lines_count_records_after_the_header(tmp_path: Path) -> None:
    events = [paid("p1"), paid("bad1", "o-2", quantity=0), completed("c1"), paid("bad2", "o-3")]
    events[3]["currency"] = "ABC"
    path = write_csv(tmp_path / "events.csv", events)
    rejects = tmp_path / "rejects.jsonl"
    report = ingest_path(path, rejects=rejects)
    expected = [(2, "bad1", "invalid_amount"), (4, "bad2", "invalid_currency")]
    assert reject_triples(report.rejects) == expected
    assert reject_triples(read_rejects(rejects)) == expected


def test_csv_quoted_cells(tmp_path: Path) -> None:
    events = [
        paid("p,1", 'order "one"', "line\n1", buyer_id="a, b"),
        completed("c1", 'order "one"', "line\n1"),
    ]
    path = write_csv(tmp_path / "events.csv", events)
    report = ingest_path(path)
    assert report.rejects == []
    assert report.counts["read"] == 2 and report.counts["applied"] == 2
    assert figures() == (1, 1000, 0, 1000, 1000, 0)


# --- Parquet -------------------------------------------------------------------


def test_parquet_nulls_and_row_numbers(tmp_path: Path) -> None:
    events = [
        paid("p1", discount_minor=None),
        paid("p1", discount_minor=0),  # duplicate
        refunded("r1", refund_minor=0),  # invalid_amount, row 3
        refunded("r2", refund_minor=5_000),
    ]
    path = write_parquet(tmp_path / "events.parquet", events)
    rejects = tmp_path / "rejects.jsonl"
    report = ingest_path(path, rejects=rejects)
    assert counts(report) == {
        "read": 4,
        "applied": 2,
        "duplicates": 1,
        "rejected": 1,
        "parked": 0,
        "donations_created": 1,
    }
    assert reject_triples(read_rejects(rejects)) == [(3, "r1", "invalid_amount")]
    assert figures() == (1, 1000, 250, 750, 0, 750)


# --- events parked in one file, judged in another ------------------------------


def test_parked_event_rejected_later_keeps_its_original_line(tmp_path: Path) -> None:
    """Lead's decision: the rejects line is the event's line in its own file."""
    first = write_jsonl(
        tmp_path / "first.jsonl",
        [paid("p0", "o-0"), completed("c-wait", "o-2"), refunded("r-over", refund_minor=20_001)],
        blank_before=[1, 2],
    )  # lines: 1 p0, 2 blank, 3 c-wait, 4 blank, 5 r-over
    report = ingest_path(first, rejects=tmp_path / "first-rejects.jsonl")
    assert report.counts["parked"] == 2 and report.rejects == []
    second = write_csv(tmp_path / "second.csv", [paid("p2", "o-2"), paid("p1")])
    rejects = tmp_path / "second-rejects.jsonl"
    report = ingest_path(second, rejects=rejects)
    assert counts(report) == {
        "read": 2,
        "applied": 3,
        "duplicates": 0,
        "rejected": 1,
        "parked": 0,
        "donations_created": 2,
    }
    assert reject_triples(read_rejects(rejects)) == [(5, "r-over", "refund_exceeds_paid")]


# --- unreadable files -------------------------------------------------------------


def _garbage() -> bytes:
    return bytes(range(256)) * 8 + b"\x00\xff\xfe\n" * 10


def _truncated_gzip(tmp_path: Path) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as stream:
        for n in range(2_000):
            stream.write((json.dumps(paid(f"gz{n}", f"o-gz{n}")) + "\n").encode())
    data = buffer.getvalue()
    return data[: len(data) // 2]


def _truncated_parquet(tmp_path: Path) -> bytes:
    path = write_parquet(
        tmp_path / "whole.parquet", [paid(f"pq{n}", f"o-pq{n}") for n in range(500)]
    )
    data = path.read_bytes()
    path.unlink()
    return data[: len(data) * 2 // 3]


UNREADABLE = {
    "binary jsonl": ("events.jsonl", (), lambda tmp: _garbage()),
    "binary csv": ("events.csv", (), lambda tmp: _garbage()),
    "truncated gzip": ("events.jsonl.gz", (), _truncated_gzip),
    "truncated gzip as jsonl": ("events.jsonl.gz", ("--format", "jsonl"), _truncated_gzip),
    "truncated parquet": ("events.parquet", (), _truncated_parquet),
    "jsonl named parquet": (
        "events.parquet",
        (),
        lambda tmp: (json.dumps(paid("p-x")) + "\n").encode(),
    ),
    "wrong csv header": (
        "events.csv",
        (),
        lambda tmp: b"id,kind,when,amount\nx1,paid,2026-09-10T08:00:00Z,5\n",
    ),
    "csv without header": (
        "events.csv",
        (),
        lambda tmp: (_csv_row(event_id="p-x") + "\n").encode(),
    ),
    "unknown extension": ("events.txt", (), lambda tmp: (json.dumps(paid("p-x")) + "\n").encode()),
    "no such file": ("missing.jsonl", (), None),
}


def _state() -> dict[str, Any]:
    from dermawan.donations.models import Event, IngestRun, OrderLine, ParkedEvent
    from dermawan.ledger.models import Posting, Transaction

    return {
        "totals": sorted(totals().items()),
        "runs": IngestRun.objects.count(),
        "events": Event.objects.count(),
        "lines": OrderLine.objects.count(),
        "parked": ParkedEvent.objects.count(),
        "transactions": Transaction.objects.count(),
        "postings": Posting.objects.count(),
    }


@pytest.fixture
def some_history(tmp_path: Path) -> dict[str, Any]:
    """A database with a run behind it: a donation, a completion, a parked event."""
    path = write_jsonl(
        tmp_path / "before.jsonl", [paid("h1", "o-h"), completed("h2", "o-h"), completed("h3")]
    )
    report = ingest_path(path)
    assert report.counts["parked"] == 1
    state = _state()
    assert state["runs"] >= 1 and state["events"] >= 1 and state["totals"]
    return state


def _make(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content(tmp_path))
    return path


@pytest.mark.parametrize("name, args, content", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_file_exits_2_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    some_history: dict[str, Any],
    name: str,
    args: tuple[str, ...],
    content: Any,
) -> None:
    path = _make(tmp_path, name, content)
    rejects = tmp_path / "rejects.jsonl"
    code, _ = call("ingest", str(path), *args, "--rejects", str(rejects), "--json", capsys=capsys)
    assert code == 2
    assert _state() == some_history
    assert not rejects.exists() or rejects.read_text().strip() == ""


@pytest.mark.parametrize(
    "key",
    [
        "binary jsonl",
        "binary csv",
        "truncated parquet",
        "wrong csv header",
        "csv without header",
        "no such file",
    ],
)
def test_ingest_file_raises_unreadable_source_naming_the_file(
    tmp_path: Path, some_history: dict[str, Any], key: str
) -> None:
    from dermawan.donations.sources import UnreadableSource

    name, _, content = UNREADABLE[key]
    path = _make(tmp_path, name, content)
    with pytest.raises(UnreadableSource) as info:
        ingest_path(path, rejects=tmp_path / "rejects.jsonl")
    assert name in str(info.value)
    assert _state() == some_history
