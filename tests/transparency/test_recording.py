"""Donation effects reach the log in the batch's own transaction, and settlement's
paid-out lines through ``record_paid_out``."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from dermawan.core import bulk
from dermawan.donations.models import OrderLine
from dermawan.transparency import heads, leaves, recording, signing, store
from dermawan.transparency.hashing import leaf_hash, verify_inclusion
from dermawan.transparency.recording import PaidOutLine, record_paid_out
from tests.donations.builders import (
    PROJECT,
    cancelled,
    completed,
    ingest,
    load_default_catalog,
    paid,
    refunded,
)

pytestmark = pytest.mark.django_db


def logged() -> list[tuple[int, leaves.DonationLeaf, int, int | None]]:
    """(index, leaf, order line pk, event row id) of every leaf, in order."""
    cursor = bulk.raw_cursor()
    cursor.execute(
        "SELECT e.id, e.data, s.order_line_id, s.event_row_id FROM transparency_entry e "
        "JOIN transparency_leafsource s ON s.id = e.id ORDER BY e.id"
    )
    return [(i, leaves.decode(bytes(d)), line, event) for i, d, line, event in cursor.fetchall()]


def salt_of(line_pk: int) -> bytes | None:
    return recording.stored_salts(bulk.raw_cursor(), [line_pk]).get(line_pk)


def test_each_effect_appends_a_leaf_with_its_source() -> None:
    load_default_catalog()
    ingest(
        paid("p-1", "o-1", "1", buyer_id="b-1"),
        paid("p-2", "o-1", "2", buyer_id="b-1"),
        paid("p-3", "o-2", "1"),
        completed("c-1", "o-1", "1"),
        refunded("r-2", "o-1", "2", refund_minor=5_000),
        cancelled("x-3", "o-2", "1"),
        paid("p-4", "o-3", "1", merchant_id="toko-lain"),  # no pledge: no effect
        batch_size=4,
    )
    rows = logged()
    assert [(leaf.kind, leaf.event_id, leaf.amount_minor) for _, leaf, _, _ in rows] == [
        ("pledged", "p-1", 1_000),
        ("pledged", "p-2", 1_000),
        ("pledged", "p-3", 1_000),
        ("confirmed", "c-1", 1_000),
        ("reversed", "r-2", 250),
        ("reversed", "x-3", 1_000),
    ]
    line = OrderLine.objects.get(order_id="o-1", line_id="1")
    first = rows[0][1]
    assert (first.order_id, first.line_id, first.project_id, first.currency) == (
        "o-1",
        "1",
        PROJECT,
        "IDR",
    )
    assert first.pledge is not None and first.pledge.basis_points == 500
    assert rows[0][2] == line.pk
    # The event row id names the ledger transaction the leaf mirrors.
    cursor = bulk.raw_cursor()
    cursor.execute(
        "SELECT t.kind FROM ledger_transaction t WHERE t.event_row_id = "
        + ("%s" if bulk.vendor() == "postgresql" else "?"),
        (rows[3][3],),
    )
    assert cursor.fetchall() == [("confirmed",)]
    # The buyer shows only as a hash its salt opens; one salt per line, kept.
    salt = salt_of(line.pk)
    assert salt is not None and len(salt) == leaves.SALT_SIZE
    assert leaves.reveals(first, salt, "b-1") and not leaves.reveals(first, salt, "b-2")
    assert rows[3][1].buyer_hash == first.buyer_hash  # the same line, the same hash
    assert rows[1][1].buyer_hash != first.buyer_hash  # another line of the same buyer
    assert rows[2][1].buyer_hash is None and salt_of(rows[2][2]) is None
    assert b"b-1" not in b"".join(leaf.encode() for _, leaf, _, _ in rows)


def test_a_head_is_signed_after_a_batch_and_covers_its_leaves() -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1"), paid("p-2", "o-1", "2"), batch_size=1)
    cursor = bulk.raw_cursor()
    signed = heads.latest(cursor)
    assert signed is not None and signed.head.tree_size == 2
    key = recording.signing_key().public_key()
    assert signing.verify(key, signed.head, signed.signature)
    proof = store.inclusion_proof(cursor, 1, 2)
    entry = store.entries(cursor, 1, 2)[0][1]
    assert verify_inclusion(1, 2, leaf_hash(entry), proof.path, signed.head.root_hash)


def test_heads_wait_for_the_interval(settings: Any) -> None:
    settings.DERMAWAN_LOG_HEAD_INTERVAL_MS = 3_600_000
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1"), paid("p-2", "o-1", "2"), batch_size=1)
    cursor = bulk.raw_cursor()
    cursor.execute("SELECT tree_size FROM transparency_treehead ORDER BY id")
    assert cursor.fetchall() == [(1,)]  # the first batch: no head yet, so one is due
    assert store.size(cursor) == 2


def test_paid_out_lines_append_a_leaf_each_in_the_callers_transaction() -> None:
    load_default_catalog()
    ingest(
        paid("p-1", "o-1", "1", buyer_id="b-1"),
        paid("p-2", "o-1", "2"),
        completed("c-1", "o-1", "1"),
        completed("c-2", "o-1", "2"),
    )
    one, two = OrderLine.objects.filter(order_id="o-1").order_by("line_id")
    before = len(logged())
    with transaction.atomic():
        record_paid_out(
            bulk.raw_cursor(),
            [PaidOutLine(one.pk, 1_000, "IDR"), PaidOutLine(two.pk, 1_000, "IDR")],
            paid_at_us=1_800_000_000_000_000,
        )
    rows = logged()[before:]
    assert [(leaf.kind, leaf.amount_minor, leaf.event_id, line) for _, leaf, line, _ in rows] == [
        ("paid_out", 1_000, "", one.pk),
        ("paid_out", 1_000, "", two.pk),
    ]
    assert [event for _, _, _, event in rows] == [None, None]
    assert rows[0][1].occurred_at_us == 1_800_000_000_000_000
    salt = salt_of(one.pk)
    assert salt is not None and leaves.reveals(rows[0][1], salt, "b-1")


def test_paid_out_refuses_what_no_line_can_be_and_writes_nothing() -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1"), completed("c-1", "o-1", "1"))
    line = OrderLine.objects.get()
    before = len(logged())
    for bad, reason in (
        (PaidOutLine(line.pk + 1000, 1_000, "IDR"), "does not exist"),
        (PaidOutLine(line.pk, 1_000, "USD"), "is in IDR"),
        (PaidOutLine(line.pk, 1_001, "IDR"), "its donation is 1000"),
        (PaidOutLine(line.pk, 0, "IDR"), "paid out 0"),
    ):
        with pytest.raises(ValueError, match=reason), transaction.atomic():
            record_paid_out(bulk.raw_cursor(), [bad], paid_at_us=1)
    assert len(logged()) == before
