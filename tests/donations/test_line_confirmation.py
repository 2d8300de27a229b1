"""An order line carries its confirmation: the ledger transaction, when, how much
(decision 0032), whichever batch confirms it; the migration fills older lines."""

from __future__ import annotations

import importlib

import pytest

from tests.donations.builders import completed, ingest, load_default_catalog, paid, refunded

pytestmark = pytest.mark.django_db

LATER = "2026-09-03T10:00:00+07:00"
NOTHING = (None, None, None)


def confirmations() -> dict[str, tuple[object, ...]]:
    """order id -> the line's confirmation columns, each checked against the ledger."""
    from dermawan.donations.models import OrderLine
    from dermawan.ledger.models import Posting, Transaction

    found = {}
    for line in OrderLine.objects.all():
        stored = (line.confirmed_txn_id, line.confirmed_at_us, line.confirmed_minor)
        txn = Transaction.objects.filter(order_line_id=line.pk, kind="confirmed").first()
        if txn is None:
            assert stored == NOTHING, line
        else:
            debit = Posting.objects.get(transaction=txn, amount_minor__gt=0).amount_minor
            assert stored == (txn.pk, txn.occurred_at_us, debit), line
        found[line.order_id] = stored
    return found


def history() -> None:
    load_default_catalog()
    report = ingest(
        paid("p1", "o-1"),
        completed("c1", "o-1", occurred_at=LATER),  # in the same batch as its paid
        paid("p2", "o-2"),
        refunded("r2", "o-2", refund_minor=5_000, occurred_at=LATER),
        paid("p3", "o-3"),
        paid("p4", "o-4"),
        refunded("r4", "o-4", refund_minor=20_000, occurred_at=LATER),  # all of it
        completed("c5", "o-5"),  # parked until its paid, below
        paid("p5", "o-5"),
    )
    assert report.rejects == []
    report = ingest(
        completed("c2", "o-2", occurred_at=LATER),  # after a partial refund
        completed("c4", "o-4", occurred_at=LATER),  # nothing left to confirm
        refunded("r1", "o-1", refund_minor=10_000, occurred_at=LATER),  # a claw-back
    )
    assert report.rejects == []


def test_a_confirmation_is_stored_on_its_line_in_the_same_batch_or_a_later_one() -> None:
    history()
    found = confirmations()
    # 5 % of 20,000; o-2 confirmed 1,000 less the 250 its refund reversed first.
    assert [found[o][2] for o in ("o-1", "o-2", "o-5")] == [1_000, 750, 1_000]
    assert found["o-3"] == NOTHING and found["o-4"] == NOTHING  # pending; nothing outstanding


def test_the_migration_fills_the_lines_confirmed_before_it() -> None:
    from dermawan.core import bulk
    from dermawan.donations.models import OrderLine

    migration = importlib.import_module("dermawan.donations.migrations.0005_line_confirmation")
    history()
    before = confirmations()
    OrderLine.objects.update(confirmed_txn_id=None, confirmed_at_us=None, confirmed_minor=None)
    bulk.raw_cursor().execute(migration.FILL)
    assert confirmations() == before
