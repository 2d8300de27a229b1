"""The engine tells, per event of a batch, what became of it (for the HTTP API)."""

from __future__ import annotations

import pytest

from dermawan.donations.engine import APPLIED, DUPLICATE, PARKED, REJECTED, Engine
from dermawan.donations.events import read_event
from dermawan.donations.models import IngestRun
from tests.donations.builders import completed, load_default_catalog, paid, refunded

pytestmark = pytest.mark.django_db


def apply(*records: dict[str, object]):  # type: ignore[no-untyped-def]
    run = IngestRun.objects.create(source="test")
    events = [read_event(record, number) for number, record in enumerate(records, start=1)]
    return Engine(run.pk).apply(events)


def test_each_event_gets_its_status_in_order() -> None:
    load_default_catalog()
    outcome = apply(
        completed("c1", "o-1"),  # parked, then applied when its paid arrives below
        paid("p1", "o-1"),
        paid("p1", "o-1"),  # the same event again
        refunded("r1", "o-1", refund_minor=999_999),  # more than the net
        completed("c2", "o-2"),  # waits: no paid for o-2
    )
    assert outcome.statuses == [APPLIED, APPLIED, DUPLICATE, REJECTED, PARKED]
    assert [(r.index, r.reason) for r in outcome.rejected] == [(3, "refund_exceeds_paid")]


def test_a_parked_event_rejected_when_its_paid_arrives_is_rejected() -> None:
    load_default_catalog()
    outcome = apply(refunded("r1", "o-1", refund_minor=50_000), paid("p1", "o-1"))
    assert outcome.statuses == [REJECTED, APPLIED]
    assert outcome.rejected[0].index == 0
