"""Checking a receipt offline: a whole receipt verifies, and any flipped bit of a leaf,
a proof node, the root or the signature makes it fail, naming why."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency import leaves, signing
from dermawan.transparency.documents import b64, head_document
from dermawan.transparency.hashing import leaf_hash, mth_of_hashes
from dermawan.transparency.heads import SignedTreeHead
from dermawan.transparency.signing import TreeHead
from dermawan.transparency.verification import ReceiptFormatError, check_receipt
from tests.transparency.support import PURE, flipped, path

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SALT = bytes(range(100, 132))


def leaf(number: int, kind: str = "pledged", amount: int = 1_000) -> bytes:
    return leaves.DonationLeaf(
        kind=kind,
        occurred_at_us=1_794_500_000_000_000 + number,
        amount_minor=amount,
        currency="IDR",
        event_id=f"evt-{number}",
        order_id="o-1",
        line_id="1",
        project_id="proj-1",
        charity_id="char-1",
        pledge=None,
        buyer_hash=leaves.buyer_hash(SALT, "b-1"),
    ).encode()


def receipt() -> dict[str, Any]:
    """A receipt line whose two leaves sit at 3 and 5 of a tree of 7 leaves."""
    data = [leaf(i) for i in range(7)]
    data[3], data[5] = leaf(3), leaf(5, "confirmed")
    hashes = [leaf_hash(d) for d in data]
    head = TreeHead(7, 1_794_500_000_000, mth_of_hashes(hashes))
    signed = SignedTreeHead(head, signing.sign(KEY, head), signing.key_id(KEY.public_key()))
    return {
        "order_id": "o-1",
        "line_id": "1",
        "project_id": "proj-1",
        "charity_id": "char-1",
        "currency": "IDR",
        "buyer_id": "b-1",
        "donation_minor": 1_000,
        "reversed_minor": 0,
        "log": {
            "format": "dermawan-log-v1",
            "tree_head": head_document(signed),
            "buyer_salt": b64(SALT),
            "entries": [
                {
                    "leaf_index": i,
                    "kind": leaves.decode(data[i]).kind,
                    "leaf": b64(data[i]),
                    "audit_path": [b64(h) for h in path(i, hashes)],
                }
                for i in (3, 5)
            ],
        },
    }


def test_a_receipt_verifies_and_says_what_it_proved() -> None:
    result = check_receipt({"lines": [receipt()]}, KEY.public_key())
    assert result.ok, result.document()
    proven = result.lines[0].proven
    assert proven[0].startswith("the log's key signed a tree head of size 7")
    assert any("leaf 5 is in the log's tree of size 7: confirmed 1000 IDR" in p for p in proven)
    assert "the leaves' buyer hash opens to buyer b-1 with this salt" in proven
    assert result.document()["not_proven"]


def places(document: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Every base64 field a forger could touch: (container, key)."""
    log = document["log"]
    found: list[tuple[Any, Any]] = [
        (log["tree_head"], "root_hash"),
        (log["tree_head"], "signature"),
    ]
    for entry in log["entries"]:
        found.append((entry, "leaf"))
        found += [(entry["audit_path"], n) for n in range(len(entry["audit_path"]))]
    return found


@PURE
@given(data=st.data())
def test_any_flipped_bit_fails(data: st.DataObject) -> None:
    document = copy.deepcopy(receipt())
    container, name = data.draw(st.sampled_from(places(document)), label="field")
    raw = base64.b64decode(container[name])
    position = data.draw(st.integers(0, len(raw) - 1), label="byte")
    container[name] = b64(flipped(raw, position, data.draw(st.integers(0, 7), label="bit")))
    result = check_receipt(document, KEY.public_key())
    assert not result.ok
    assert result.lines[0].problems


def test_claims_the_leaves_do_not_back_fail() -> None:
    for name, value, says in (
        ("donation_minor", 1_001, "its pledged leaves add up to 1000"),
        ("project_id", "proj-2", "has project_id 'proj-1'; the receipt says 'proj-2'"),
        ("buyer_id", "b-2", "does not open to buyer b-2"),
    ):
        document = receipt()
        document[name] = value
        result = check_receipt(document, KEY.public_key())
        assert not result.ok and says in " ".join(result.lines[0].problems), name


def test_another_key_a_missing_head_or_proof_fail() -> None:
    other = Ed25519PrivateKey.generate().public_key()
    assert "names key" in check_receipt(receipt(), other).lines[0].problems[0]
    document = receipt()
    document["log"]["entries"][1]["audit_path"] = None
    assert (
        "no inclusion proof yet" in check_receipt(document, KEY.public_key()).lines[0].problems[0]
    )
    document["log"]["tree_head"] = None
    assert "no signed tree head" in check_receipt(document, KEY.public_key()).lines[0].problems[0]


def test_effects_waiting_for_the_log_are_said_not_taken_for_a_mismatch() -> None:
    document = receipt()
    document["log"]["entries"] = document["log"]["entries"][:1]  # the next one waits
    document["log"]["entries_waiting"] = 1
    document["reversed_minor"] = 250  # its reversal is the effect still waiting
    problems = check_receipt(document, KEY.public_key()).lines[0].problems
    assert problems == [
        "1 of its effects are committed and not yet in the log; fetch the receipt again in a moment"
    ]


@pytest.mark.parametrize(
    "document", [[], {"lines": []}, {"something": 1}, {"lines": [{"log": None}]}]
)
def test_what_is_not_a_receipt_is_refused(document: Any) -> None:
    with pytest.raises(ReceiptFormatError):
        check_receipt(document, KEY.public_key())
