"""The simulated event files: exact, deterministic, valid and realistic."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from dermawan.simulation.catalog import build_catalog
from dermawan.simulation.events import HORIZON, Stats, generate
from dermawan.simulation.run import parse_start
from tests.simulation.helpers import Run
from tests.simulation.spec_check import check_event, check_stream, instant, read_events

START = "2026-11-05T00:00:00+07:00"


def _files(summary: dict[str, str | int | float]) -> tuple[bytes, bytes]:
    return Path(str(summary["catalog"])).read_bytes(), Path(str(summary["events"])).read_bytes()


@pytest.mark.parametrize("file_format", ["jsonl", "csv", "parquet"])
def test_same_arguments_give_byte_identical_files(run_simulation: Run, file_format: str) -> None:
    first = run_simulation(events=6000, seed=42, file_format=file_format)
    second = run_simulation(events=6000, seed=42, file_format=file_format)
    assert first["events"] != second["events"]  # two directories...
    assert _files(first) == _files(second)  # ...with the same bytes


def test_different_seeds_give_different_files(run_simulation: Run) -> None:
    one = _files(run_simulation(events=3000, seed=1))
    two = _files(run_simulation(events=3000, seed=2))
    assert one[0] != two[0] and one[1] != two[1]


def test_different_windows_give_different_times(run_simulation: Run) -> None:
    late = run_simulation(events=500, seed=1, start="2026-12-01T00:00:00Z", days=2)
    events = read_events(Path(str(late["events"])))
    moments = [instant(e["occurred_at"]) for e in events]
    assert min(moments) >= datetime.fromisoformat("2026-12-01T00:00:00+00:00")
    assert max(moments) <= datetime.fromisoformat("2026-12-03T00:00:00+00:00")


@pytest.mark.parametrize("events", [0, 1, 2, 17, 1000, 12_345])
def test_exactly_n_records(run_simulation: Run, events: int) -> None:
    summary = run_simulation(events=events, seed=3)
    path = Path(str(summary["events"]))
    assert summary["events_written"] == events
    assert len(path.read_bytes().splitlines()) == events
    assert len(read_events(path)) == events
    check_stream(read_events(path))  # even tiny runs leave no line without its paid


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_exactly_n_records_in_other_formats(run_simulation: Run, file_format: str) -> None:
    for events in (0, 1, 2345):
        summary = run_simulation(events=events, seed=3, file_format=file_format)
        assert len(read_events(Path(str(summary["events"])))) == events


@pytest.fixture(scope="module")
def big_run(run_simulation: Run) -> tuple[dict[str, str | int | float], list[dict[str, object]]]:
    summary = run_simulation(events=40_000, seed=11, start=START, days=7)
    return summary, read_events(Path(str(summary["events"])))


def test_every_record_is_valid_and_every_line_consistent(
    big_run: tuple[dict[str, str | int | float], list[dict[str, object]]],
) -> None:
    summary, events = big_run
    start = datetime.fromisoformat(START)
    end = datetime.fromisoformat("2026-11-12T00:00:00+07:00")
    report = check_stream(events, window=(start, end))
    assert report.records == 40_000
    assert report.lines == summary["lines"]
    assert report.duplicates == summary["duplicates"]


def test_mix_is_realistic(
    big_run: tuple[dict[str, str | int | float], list[dict[str, object]]],
) -> None:
    _, events = big_run
    report = check_stream(events)
    lines = report.lines
    # ~1% exact duplicates, ~2% arriving before their paid.
    assert 0.005 < report.duplicates / report.records < 0.02
    assert 0.01 < report.out_of_order / report.records < 0.04
    assert 0.65 < report.outcomes["completed"] / lines < 0.85
    assert 0.04 < report.outcomes["cancelled"] / lines < 0.12
    assert 0.03 < report.outcomes["refunded"] / lines < 0.12
    assert 0.005 < report.outcomes["fully_refunded"] / lines < 0.05
    assert report.multi_line_orders > 0.05 * lines
    assert report.currencies["IDR"] > 0.8 * lines
    assert len(report.currencies) >= 3  # some lines in other currencies
    assert (
        report.offsets["Z"] > 0.1 * report.records
        and report.offsets["+07:00"] > 0.1 * report.records
    )
    paid = list(report.paid_lines.values())
    assert sum(1 for e in paid if e.get("discount_minor")) > 0.05 * lines
    assert sum(1 for e in paid if e.get("campaign_id") == "harbolnas-1111") > 0.05 * lines
    assert sum(1 for e in paid if e.get("livestream_id")) > 0.01 * lines
    assert min(int(str(e["quantity"])) for e in paid) >= 1
    assert sum(1 for e in paid if int(str(e["quantity"])) <= 5) > 0.9 * lines


def test_later_events_of_a_line_keep_their_time_order(
    big_run: tuple[dict[str, str | int | float], list[dict[str, object]]],
) -> None:
    _, events = big_run
    last: dict[tuple[object, object], datetime] = {}
    seen: set[object] = set()
    for event in events:
        if event["type"] == "paid" or event["event_id"] in seen:
            continue
        seen.add(event["event_id"])
        key = (event["order_id"], event["line_id"])
        moment = instant(event["occurred_at"])
        assert key not in last or last[key] <= moment
        last[key] = moment


def test_file_is_mostly_chronological(
    big_run: tuple[dict[str, str | int | float], list[dict[str, object]]],
) -> None:
    _, events = big_run
    moments = [instant(e["occurred_at"]) for e in events]
    backwards = sum(1 for a, b in itertools.pairwise(moments) if b < a)
    assert backwards < 0.05 * len(events)


def test_pending_lines_are_bounded_whatever_n() -> None:
    start = parse_start(START)
    for events in (20_000, 300_000):
        stats = Stats()
        catalog = build_catalog(events, 1, start, 7 * 86400)
        for _ in generate(catalog.shops, events, 1, start, 7 * 86400, stats=stats):
            pass
        assert stats.events == events
        assert stats.peak_pending_lines <= 2 * HORIZON


def test_invalid_rate_mixes_in_rejectable_events(run_simulation: Run) -> None:
    summary = run_simulation(events=20_000, seed=8, invalid_rate=0.05)
    path = Path(str(summary["events"]))
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(records) == 20_000
    valid, invalid = [], []
    for record in records:
        try:
            check_event(record)
        except (AssertionError, KeyError, TypeError, ValueError):
            invalid.append(record)
        else:
            valid.append(record)
    paid = {(e["order_id"], e["line_id"]): e for e in valid if e["type"] == "paid"}

    def net(event: dict[str, object]) -> int:
        head = paid[(event["order_id"], event["line_id"])]
        return int(str(head["quantity"])) * int(str(head["unit_price_minor"])) - int(
            str(head.get("discount_minor") or 0)
        )

    exceeding = [e for e in valid if e["type"] == "refunded" and int(e["refund_minor"]) > net(e)]
    assert len(invalid) + len(exceeding) == summary["invalid"]
    assert 0.03 < int(summary["invalid"]) / 20_000 < 0.07
    assert invalid and exceeding
    reasons = {str(e.get("type")) for e in invalid}
    assert reasons - {"paid", "refunded"}  # unknown types among them
    check_stream([e for e in valid if e not in exceeding])


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_formats_hold_the_same_events(run_simulation: Run, file_format: str) -> None:
    jsonl = run_simulation(events=20_000, seed=5)
    other = run_simulation(events=20_000, seed=5, file_format=file_format)
    assert Path(str(jsonl["catalog"])).read_bytes() == Path(str(other["catalog"])).read_bytes()
    assert read_events(Path(str(other["events"]))) == read_events(Path(str(jsonl["events"])))


def test_parquet_row_groups_and_types(run_simulation: Run) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    summary = run_simulation(events=250_000, seed=2, file_format="parquet")
    parquet = pq.ParquetFile(str(summary["events"]))
    assert parquet.metadata.num_rows == 250_000
    assert [parquet.metadata.row_group(i).num_rows for i in range(3)] == [
        100_000,
        100_000,
        50_000,
    ]
    schema = parquet.schema_arrow
    assert schema.field("quantity").type == pa.int64() and schema.field("quantity").nullable
    assert schema.field("event_id").type == pa.string()
