"""A donation leaf: one canonical encoding, decoded strictly, with the buyer hidden."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency import leaves
from dermawan.transparency.leaves import DonationLeaf, LeafError, PledgeTerms
from tests.transparency.support import PURE, flipped

SALT = bytes(range(32))
TERMS = PledgeTerms(
    pledge_id="pledge-7",
    basis_points=500,
    amount_minor=None,
    currency=None,
    max_per_line_minor=10_000,
    valid_from_us=1_793_000_000_000_000,
    valid_to_us=None,
)
LEAF = DonationLeaf(
    kind="pledged",
    occurred_at_us=1_794_500_000_123_456,
    amount_minor=2_500,
    currency="IDR",
    event_id="evt-000123",
    order_id="ord-9",
    line_id="1",
    project_id="proj-meals",
    charity_id="char-1",
    pledge=TERMS,
    buyer_hash=leaves.buyer_hash(SALT, "buyer-42@example.com"),
)

ids = st.text(max_size=20)
times = st.integers(-(2**63), 2**63 - 1)
amounts = st.integers(0, 2**64 - 1)
currencies = st.sampled_from(["IDR", "CNY", "USD", "SGD"])
terms = st.builds(
    PledgeTerms,
    pledge_id=ids,
    basis_points=st.none() | st.integers(0, 2**32 - 1),
    amount_minor=st.none() | amounts,
    currency=st.none() | currencies,
    max_per_line_minor=st.none() | amounts,
    valid_from_us=times,
    valid_to_us=st.none() | times,
)
donation_leaves = st.builds(
    DonationLeaf,
    kind=st.sampled_from(leaves.KINDS),
    occurred_at_us=times,
    amount_minor=amounts,
    currency=currencies,
    event_id=ids,
    order_id=st.none(),
    line_id=st.none(),
    project_id=st.none() | ids,
    charity_id=ids,
    pledge=st.none() | terms,
    buyer_hash=st.none() | st.binary(min_size=32, max_size=32),
).flatmap(
    lambda leaf: st.one_of(
        st.just(leaf),
        st.tuples(ids, ids).map(lambda line: replace(leaf, order_id=line[0], line_id=line[1])),
    )
)


def test_a_leaf_round_trips() -> None:
    data = LEAF.encode()
    assert data[:2] == b"\x01\x01"  # version 1, pledged
    assert leaves.decode(data) == LEAF


def test_the_buyer_is_only_a_commitment_they_can_open() -> None:
    data = LEAF.encode()
    assert b"buyer-42" not in data
    assert leaves.reveals(leaves.decode(data), SALT, "buyer-42@example.com")
    assert not leaves.reveals(LEAF, SALT, "buyer-43@example.com")
    assert not leaves.reveals(LEAF, bytes(32), "buyer-42@example.com")
    assert not leaves.reveals(replace(LEAF, buyer_hash=None), SALT, "buyer-42@example.com")
    # fresh salts: the same buyer's lines cannot be linked in the public log
    assert leaves.buyer_hash(leaves.new_salt(), "b") != leaves.buyer_hash(leaves.new_salt(), "b")
    with pytest.raises(LeafError, match="too short"):
        leaves.buyer_hash(b"short", "b")


@pytest.mark.parametrize(
    ("leaf", "reason"),
    [
        (replace(LEAF, kind="refunded"), "effect kind"),
        (replace(LEAF, currency="idr"), "currency"),
        (replace(LEAF, currency="RUPIAH"), "currency"),
        (replace(LEAF, amount_minor=-1), "amount_minor -1 is out of range"),
        (replace(LEAF, occurred_at_us=2**63), "occurred_at_us"),
        (replace(LEAF, line_id=None), "both its order id and its line id"),
        (replace(LEAF, buyer_hash=b"short"), "buyer hash"),
        (replace(LEAF, event_id="x" * 70_000), "at most 65535"),
        (replace(LEAF, pledge=replace(TERMS, basis_points=2**32)), "basis_points"),
    ],
)
def test_a_leaf_that_cannot_be_encoded_is_refused(leaf: DonationLeaf, reason: str) -> None:
    with pytest.raises(LeafError, match=reason):
        leaf.encode()


GOOD = LEAF.encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "ends early"),
        (GOOD[:-1], "ends early"),
        (GOOD + b"\x00", "1 bytes follow the leaf"),
        (b"\x02" + GOOD[1:], "version 2"),
        (GOOD[:1] + b"\x05" + GOOD[2:], "kind 5"),
        (GOOD[:1] + b"\x00" + GOOD[2:], "kind 0"),
        (GOOD[:18] + b"id" + GOOD[20:], "currency"),
        (GOOD[:-33] + b"\x02" + GOOD[-32:], "presence byte 2"),
    ],
)
def test_other_bytes_are_not_a_leaf(data: bytes, reason: str) -> None:
    with pytest.raises(LeafError, match=reason):
        leaves.decode(data)


def test_text_must_be_utf8() -> None:
    data = replace(LEAF, event_id="ab").encode()
    broken = data.replace(b"\x00\x02ab", b"\x00\x02\xff\xfe", 1)
    with pytest.raises(LeafError, match="not UTF-8"):
        leaves.decode(broken)


@PURE
@given(leaf=donation_leaves)
def test_every_leaf_round_trips(leaf: DonationLeaf) -> None:
    assert leaves.decode(leaf.encode()) == leaf


@PURE
@given(leaf=donation_leaves, data=st.data())
def test_decoding_accepts_only_canonical_bytes(leaf: DonationLeaf, data: st.DataObject) -> None:
    """A changed byte is refused, or it is the one encoding of another leaf."""
    encoded = leaf.encode()
    changed = flipped(
        encoded,
        data.draw(st.integers(0, len(encoded) - 1), label="byte"),
        data.draw(st.integers(0, 7), label="bit"),
    )
    try:
        other = leaves.decode(changed)
    except LeafError:
        return
    assert other != leaf
    assert other.encode() == changed
