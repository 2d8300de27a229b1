"""Signed tree heads: the log as it stood, signed, kept, in tree order."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, connection, transaction

from dermawan.transparency import heads, signing, store
from dermawan.transparency.hashing import verify_consistency
from dermawan.transparency.signing import TreeHead
from tests.transparency import vectors as v
from tests.transparency.support import fresh_log

pytestmark = pytest.mark.django_db

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MINUTE = 60_000


def test_a_head_signs_the_log_as_it_stands() -> None:
    with fresh_log() as cursor:
        assert heads.latest(cursor) is None
        empty = heads.sign_current(cursor, KEY, now_ms=1_000)
        assert empty.head == TreeHead(0, 1_000, v.EMPTY_ROOT)
        store.append(cursor, v.LEAVES[:5])
        five = heads.sign_current(cursor, KEY, now_ms=2_000)
        store.append(cursor, v.LEAVES[5:])
        eight = heads.sign_current(cursor, KEY, now_ms=3_000)
        assert eight.head == TreeHead(8, 3_000, v.ROOTS[8])
        assert eight.key_id == signing.key_id(KEY.public_key())
        assert signing.verify(KEY.public_key(), eight.head, eight.signature)
        assert heads.latest(cursor) == eight
        assert heads.at_size(cursor, 5) == five
        assert heads.at_size(cursor, 6) is None
        # a monitor holding the head of size 5 checks the head of size 8 extends it
        consistency = store.consistency_proof(cursor, 5, 8)
        assert verify_consistency(5, 8, five.head.root_hash, eight.head.root_hash, consistency)


def test_heads_never_run_back_in_time() -> None:
    with fresh_log() as cursor:
        heads.sign_current(cursor, KEY, now_ms=5_000)
        with pytest.raises(ValueError, match="before the last tree head"):
            heads.sign_current(cursor, KEY, now_ms=4_999)


def test_when_a_new_head_is_due() -> None:
    with fresh_log() as cursor:
        assert heads.due(None, 0, now_ms=0)
        last = heads.sign_current(cursor, KEY, now_ms=MINUTE)
        assert not heads.due(last, 0, now_ms=10 * MINUTE)  # nothing new to sign
        assert not heads.due(last, 5, now_ms=MINUTE + 59_999)  # too soon
        assert heads.due(last, 5, now_ms=2 * MINUTE)
        assert heads.due(last, 5, now_ms=MINUTE, every_ms=0)  # after every batch


@pytest.mark.parametrize("change", ["UPDATE {} SET tree_size = 9", "DELETE FROM {}"])
def test_the_database_refuses_to_change_a_head(change: str) -> None:
    with fresh_log() as cursor:
        heads.sign_current(cursor, KEY, now_ms=1)
        refused = pytest.raises(DatabaseError, match="append-only")
        with refused, transaction.atomic(), connection.cursor() as django_cursor:
            django_cursor.execute(change.format("transparency_treehead"))
