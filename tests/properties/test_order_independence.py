"""Spec section 3: for the same set of valid events, the totals are the same
whatever their order, batching or duplication, and they are section 4's
figures of the spec model (tests/properties/model.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from dermawan.catalog.loader import load_catalog
from tests.properties.harness import (
    PROPERTY,
    assert_lines_match,
    assert_totals_consistent,
    engine_totals,
    fresh_books,
    ingest,
)
from tests.properties.model import totals_of
from tests.properties.strategies import History, arrivals, histories

pytestmark = pytest.mark.django_db


def _note(history: History) -> None:
    note(f"catalog pledges: {history.catalog['pledges']}")
    note(f"valid events (canonical order): {history.events}")
    note(f"orphans (never paid): {history.orphans}")


@PROPERTY
@given(history=histories(), batch_size=st.integers(1, 64))
def test_in_time_order_every_valid_event_applies_and_totals_follow_the_spec(
    history: History, batch_size: int
) -> None:
    _note(history)
    events = history.all_events
    expected_lines = history.lines()
    with fresh_books():
        load_catalog(history.catalog)
        [report] = ingest([(events, batch_size)])
        assert report.rejects == []
        assert {k: report.counts[k] for k in ("read", "applied", "duplicates", "rejected")} == {
            "read": len(events),
            "applied": len(history.events),
            "duplicates": 0,
            "rejected": 0,
        }
        assert report.counts["parked"] == len(history.orphans)
        assert report.counts["donations_created"] == sum(
            1 for line in expected_lines.values() if line.donation > 0
        )
        totals = engine_totals()
        assert totals == totals_of(history.catalog, events)
        assert_totals_consistent(totals)
        assert_lines_match(expected_lines)


@PROPERTY
@given(history=histories(), data=st.data())
def test_totals_do_not_depend_on_order_batching_or_duplication(
    history: History, data: st.DataObject
) -> None:
    _note(history)
    events = history.all_events
    arrival = data.draw(arrivals(events), label="arrival")
    with fresh_books():
        load_catalog(history.catalog)
        ingest([(events, len(events))])
        in_order = engine_totals()
    with fresh_books():
        load_catalog(history.catalog)
        reports = ingest(arrival)
        shuffled = engine_totals()
        # Only a refund that arrives after its line's cancel may be rejected
        # (the cancel has reversed the whole donation already).
        cancelled = {key for key, line in history.lines().items() if line.cancelled}
        refunds = {
            str(e["event_id"]): (str(e["order_id"]), e["line_id"])
            for e in events
            if e["type"] == "refunded"
        }
        for report in reports:
            for reject in report.rejects:
                assert reject["reason"] == "conflict", reject
                assert refunds.get(str(reject["event_id"])) in cancelled, reject
        assert reports[-1].counts["parked"] == len(history.orphans)
        assert_lines_match(history.lines(), refunds_exact=False)
    assert shuffled == in_order, "totals changed with arrival order, batching or duplication"
    assert shuffled == totals_of(history.catalog, events), "totals differ from the spec model"


@PROPERTY
@given(history=histories(max_lines=6), data=st.data())
def test_resending_everything_changes_nothing(history: History, data: st.DataObject) -> None:
    _note(history)
    events = history.all_events
    again = data.draw(arrivals(events), label="second arrival")
    with fresh_books():
        load_catalog(history.catalog)
        ingest([(events, len(events))])
        before = engine_totals()
        reports = ingest(again)
        assert engine_totals() == before
        for report in reports:
            assert report.rejects == []
            assert report.counts["applied"] == 0
            assert report.counts["duplicates"] == report.counts["read"]
