"""Reversals (spec section 3): never more than the donation, exactly D after a
full refund or a cancel, no drift across partial refunds; and invalid
events are rejected for the spec's reason and leave no trace."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from dermawan.catalog.loader import load_catalog
from tests.properties.harness import (
    PROPERTY,
    assert_ledger_sound,
    assert_lines_match,
    engine_totals,
    fresh_books,
    ingest,
    rejected_reasons,
)
from tests.properties.model import lines_of, round_half_up, totals_of
from tests.properties.strategies import History, adversaries, histories, seeds

pytestmark = pytest.mark.django_db


@PROPERTY
@given(history=histories(max_orphans=0), data=st.data())
def test_reversal_follows_the_cumulative_refund_at_every_step(
    history: History, data: st.DataObject
) -> None:
    """Ingest the history in a few pieces; after each, every line is what the
    spec says of the events so far: round_half_up(D * R / net) for refunds, D
    once cancelled, never above D."""
    note(f"catalog pledges: {history.catalog['pledges']}")
    note(f"valid events: {history.events}")
    events = history.events
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=4), label="cuts"))
    with fresh_books():
        load_catalog(history.catalog)
        for end in [*cuts, len(events)]:
            so_far = events[:end]
            ingest([(so_far, max(1, len(so_far)))])  # the prefix again: its old part duplicates
            expected = lines_of(history.catalog, so_far)
            assert_lines_match(expected)
            for key, line in expected.items():
                assert line.reversed <= line.donation, key
                if line.cancelled or (line.net > 0 and line.refunded == line.net):
                    assert line.reversed == line.donation, key  # the model itself, too
        assert_ledger_sound(totals_of(history.catalog, events))


@PROPERTY
@given(history=histories(), data=st.data())
def test_invalid_events_are_rejected_for_their_reason_and_change_nothing(
    history: History, data: st.DataObject
) -> None:
    rng = data.draw(seeds(), label="adversary seed")
    bad = adversaries(rng, history, data.draw(st.integers(1, 8), label="how many invalid"))
    note(f"catalog pledges: {history.catalog['pledges']}")
    note(f"valid events: {history.all_events}")
    note(f"invalid events and the reasons expected: {[(b.event, b.reason) for b in bad]}")
    stream = (
        [b.event for b in bad if b.first]
        + history.all_events
        + [b.event for b in bad if not b.first]
    )
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=2), label="cuts"))
    bounds = [0, *cuts, len(stream)]
    calls = [stream[a:b] for a, b in pairwise(bounds)]
    sizes = [data.draw(st.integers(1, len(call) + 1), label="batch size") for call in calls]
    expected = Counter((str(b.event["event_id"]), b.reason) for b in bad)
    with fresh_books():
        load_catalog(history.catalog)
        reports = ingest(zip(calls, sizes, strict=True))
        assert rejected_reasons(reports) == expected
        assert sum(report.counts["rejected"] for report in reports) == len(bad)
        valid_totals = totals_of(history.catalog, history.all_events)
        assert engine_totals() == valid_totals
        assert_lines_match(history.lines())
        assert_ledger_sound(valid_totals)

        # A rejected event is not remembered: sent again, it is judged again.
        [again] = ingest([(stream, len(stream) + 1)])
        assert rejected_reasons([again]) == expected
        assert again.counts["duplicates"] == len(history.all_events)
        assert again.counts["applied"] == 0
        assert engine_totals() == valid_totals

        # ... so a broken paid, sent again repaired, is applied like any other.
        repaired = [b.repaired for b in bad if b.repaired is not None]
        unique = list({str(e["event_id"]): e for e in repaired}.values())
        [fixed] = ingest([(unique, 50_000)])
        assert fixed.rejects == []
        assert fixed.counts["applied"] == len(unique)
        everything = history.all_events + unique
        assert engine_totals() == totals_of(history.catalog, everything)
        assert_ledger_sound(totals_of(history.catalog, everything))


def test_round_half_up_is_the_specs() -> None:
    """The model's own rounding, against hand-worked values."""
    assert round_half_up(5, 10) == 1  # 0.5 rounds up
    assert round_half_up(4, 10) == 0
    assert round_half_up(15, 10) == 2  # 1.5 rounds up
    assert round_half_up(25, 10) == 3  # 2.5 rounds up, not to even
    assert round_half_up(10**28 + 1, 2 * 10**14) == 50_000_000_000_000  # no float anywhere
