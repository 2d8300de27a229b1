"""The books after any ingest: every transaction balances, every stored
balance is the sum of its postings, ``check_ledger`` says so, and the
balances per account kind are the section 4 totals seen from the ledger."""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from dermawan.catalog.loader import load_catalog
from tests.properties.harness import (
    PROPERTY,
    assert_ledger_sound,
    assert_totals_consistent,
    engine_totals,
    fresh_books,
    ingest,
)
from tests.properties.model import totals_of
from tests.properties.strategies import History, adversaries, arrivals, histories, seeds

pytestmark = pytest.mark.django_db


@PROPERTY
@given(history=histories(), data=st.data())
def test_the_ledger_balances_after_every_ingest(history: History, data: st.DataObject) -> None:
    """Valid events in any arrival, with invalid ones mixed in anywhere."""
    rng = data.draw(seeds(), label="adversary seed")
    bad = [adversary.event for adversary in adversaries(rng, history, rng.randint(0, 4))]
    note(f"catalog pledges: {history.catalog['pledges']}")
    note(f"valid events: {history.events}; invalid events: {bad}")
    arrival = data.draw(arrivals(history.all_events + bad), label="arrival")
    with fresh_books():
        load_catalog(history.catalog)
        assert_ledger_sound([])
        for call, size in arrival:
            ingest([(call, size)])
            totals = engine_totals()
            assert_totals_consistent(totals)
            assert_ledger_sound(totals)


@PROPERTY
@given(history=histories(max_orphans=0))
def test_each_donation_moves_through_the_three_accounts(history: History) -> None:
    """Pledged, then confirmed or reversed: per currency the merchants owe the
    net pledged, the projects hold what is pending, the charities are owed
    what is confirmed (claw-backs included)."""
    note(f"catalog pledges: {history.catalog['pledges']}")
    note(f"valid events: {history.events}")
    with fresh_books():
        load_catalog(history.catalog)
        ingest([(history.events, 50_000)])
        expected = totals_of(history.catalog, history.events)
        assert engine_totals() == expected
        assert_ledger_sound(expected)
