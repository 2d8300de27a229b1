"""The simulated catalog: the spec's shape, valid, sized by N, and exercising every rule."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from dermawan.simulation.catalog import MAX_CHARITIES, MAX_MERCHANTS, sizes
from tests.simulation.helpers import Run, Summary
from tests.simulation.spec_check import (
    check_catalog,
    check_stream,
    instant,
    matching_pledge,
    read_events,
)

START = datetime.fromisoformat("2026-11-05T00:00:00+07:00")
END = datetime.fromisoformat("2026-11-12T00:00:00+07:00")


@pytest.fixture(scope="module")
def run(run_simulation: Run) -> tuple[Summary, dict[str, Any], list[dict[str, Any]]]:
    summary = run_simulation(events=200_000, seed=21)
    document = orjson.loads(Path(str(summary["catalog"])).read_bytes())
    return summary, document, read_events(Path(str(summary["events"])))


def test_catalog_is_valid_per_spec(
    run: tuple[Summary, dict[str, Any], list[dict[str, Any]]],
) -> None:
    summary, document, _ = run
    check_catalog(document)
    for section in ("charities", "projects", "merchants", "pledges"):
        assert summary[section] == len(document[section])


def test_catalog_is_sized_by_events() -> None:
    assert sizes(0) == (5, 20)
    assert sizes(1_000_000) == (5, 500)
    assert sizes(10_000_000) == (50, 5000)
    assert sizes(10**10) == (MAX_CHARITIES, MAX_MERCHANTS)


def test_small_runs_have_a_small_valid_catalog(run_simulation: Run) -> None:
    for events in (0, 10):
        document = orjson.loads(
            Path(str(run_simulation(events=events, seed=events)["catalog"])).read_bytes()
        )
        check_catalog(document)
        assert len(document["charities"]) == 5 and len(document["merchants"]) == 20
        assert 10 <= len(document["projects"]) <= 20


def test_pledges_cover_every_rule(
    run: tuple[Summary, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, document, _ = run
    pledges = document["pledges"]
    kinds = Counter(p["kind"] for p in pledges)
    assert kinds["percent"] > kinds["fixed"] > 0
    percents = [p["basis_points"] for p in pledges if p["kind"] == "percent"]
    assert min(percents) >= 100 and max(percents) <= 2000
    assert any("max_per_line_minor" in p and p["kind"] == "percent" for p in pledges)
    assert any("max_per_line_minor" in p and p["kind"] == "fixed" for p in pledges)
    assert {p["currency"] for p in pledges if p["kind"] == "fixed"} > {"IDR"}
    scopes = Counter((p["merchant_id"], p["product_id"]) for p in pledges)
    assert any(product is None for _, product in scopes)
    assert any(product is not None for _, product in scopes)
    assert max(scopes.values()) >= 2  # a pledge replaced by a later one
    ended = [p for p in pledges if p["valid_to"] is not None and instant(p["valid_to"]) <= END]
    assert any(instant(p["valid_to"]) <= START for p in ended)  # ended before the run
    assert any(START < instant(p["valid_to"]) < END for p in ended)  # ended during it
    assert any(START < instant(p["valid_from"]) < END for p in pledges)  # started during it
    merchants_with = {p["merchant_id"] for p in pledges}
    assert 0.8 * len(document["merchants"]) < len(merchants_with) < len(document["merchants"])
    assert {p["currency"] for p in document["projects"]} > {"IDR"}


def test_events_meet_the_catalog(run: tuple[Summary, dict[str, Any], list[dict[str, Any]]]) -> None:
    _, document, events = run
    report = check_stream(events)
    merchants = {m["id"] for m in document["merchants"]}
    by_merchant: dict[str, list[dict[str, Any]]] = {}
    for pledge in document["pledges"]:
        by_merchant.setdefault(pledge["merchant_id"], []).append(pledge)
    donations: Counter[str] = Counter()
    without = 0
    product_pledges = 0
    for paid in list(report.paid_lines.values())[::10]:
        assert paid["merchant_id"] in merchants
        pledge = matching_pledge(by_merchant.get(paid["merchant_id"], []), paid)
        if pledge is None:
            without += 1
            continue
        product_pledges += pledge["product_id"] is not None
        donations[paid["currency"]] += 1
    sample = sum(donations.values()) + without
    assert 0.02 * sample < without < 0.5 * sample  # some lines make no donation
    assert product_pledges > 0
    assert len(donations) >= 2  # donations in more than one currency


def test_catalog_is_pretty_and_stable(run_simulation: Run) -> None:
    first = Path(str(run_simulation(events=1000, seed=9)["catalog"])).read_bytes()
    assert first.startswith(b'{\n  "charities": [')
    assert first == Path(str(run_simulation(events=1000, seed=9)["catalog"])).read_bytes()
