"""The audit recomputes the tree from the entries and finds any change to the record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from dermawan.transparency import heads, store
from dermawan.transparency.audit import audit
from dermawan.transparency.leaves import DonationLeaf
from tests.transparency.support import fresh_log

pytestmark = pytest.mark.django_db

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(32))


def donation(number: int) -> bytes:
    return DonationLeaf(
        kind="pledged",
        occurred_at_us=1_794_500_000_000_000 + number,
        amount_minor=100 + number,
        currency="IDR",
        event_id=f"evt-{number}",
        order_id=f"ord-{number}",
        line_id="1",
        project_id="proj-1",
        charity_id="char-1",
        pledge=None,
        buyer_hash=None,
    ).encode()


def logged(cursor: Any, count: int = 57) -> None:
    """A log of ``count`` donations in batches, with a head after each batch."""
    for batch, start in enumerate(range(0, count, 10)):
        store.append(cursor, [donation(i) for i in range(start, min(count, start + 10))])
        heads.sign_current(cursor, KEY, now_ms=1_000 * (batch + 1))


@contextmanager
def tampering() -> Iterator[Any]:
    """A cursor that may change the log: its triggers dropped until the rollback."""
    with connection.cursor() as cursor:
        for table in ("transparency_entry", "transparency_node", "transparency_treehead"):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        yield cursor


def test_an_untouched_log_passes() -> None:
    with fresh_log() as cursor:
        logged(cursor)
        seen: list[int] = []
        report = audit(cursor, KEY.public_key(), chunk=8, progress=seen.append)
        assert report.ok, report.problems
        assert report.tree_size == 57
        assert report.heads_checked == 6
        assert seen[-1] == 57


def test_an_empty_log_passes() -> None:
    with fresh_log() as cursor:
        heads.sign_current(cursor, KEY, now_ms=1)
        report = audit(cursor, KEY.public_key())
        assert report.ok and report.heads_checked == 1 and report.tree_size == 0


def test_a_changed_entry_is_found() -> None:
    with fresh_log() as cursor:
        logged(cursor)
        with tampering() as sql:
            sql.execute("UPDATE transparency_entry SET data = %s WHERE id = 13", [donation(99)])
        problems = audit(cursor, KEY.public_key(), chunk=8).problems
        # leaf 13's lowest stored ancestor is node 15 (level 4, index 0), then 31
        assert "tree node 15 is different from the recomputed one" in problems
        assert "tree node 31 is different from the recomputed one" in problems
        assert any("its root is not the root" in p for p in problems)


def test_an_entry_rewritten_with_its_nodes_still_fails_the_signed_heads() -> None:
    with fresh_log() as cursor:
        logged(cursor, count=20)
        # forge the whole tree for a changed entry 3: only the signatures stand in the way
        forged = [donation(i) if i != 3 else donation(99) for i in range(20)]
        with tampering() as sql:
            sql.execute("DELETE FROM transparency_entry")
            sql.execute("DELETE FROM transparency_node")
        store.append(cursor, forged)
        problems = audit(cursor, KEY.public_key()).problems
        assert problems and all("its root is not the root" in p for p in problems)


def test_a_changed_node_or_a_garbage_entry_is_found() -> None:
    with fresh_log() as cursor:
        logged(cursor)
        with tampering() as sql:
            sql.execute("UPDATE transparency_node SET hash = %s WHERE id = 47", [bytes(32)])
            sql.execute("UPDATE transparency_entry SET data = %s WHERE id = 40", [b"junk"])
        problems = audit(cursor, KEY.public_key()).problems
        assert "tree node 47 is different from the recomputed one" in problems
        assert any(p.startswith("leaf 40 is not a canonical donation leaf") for p in problems)


def test_a_missing_entry_is_found() -> None:
    with fresh_log() as cursor:
        logged(cursor)
        with tampering() as sql:
            sql.execute("DELETE FROM transparency_entry WHERE id = 30")
        assert "leaf 30 is missing" in audit(cursor, KEY.public_key()).problems
        with tampering() as sql:
            sql.execute("DELETE FROM transparency_entry WHERE id >= 10 AND id < 20")
        # a whole chunk gone: the audit stops at the gap and says what is missing
        problems = audit(cursor, KEY.public_key(), chunk=10).problems
        assert "leaves 10 to 56 are missing" in problems


def test_a_head_from_another_key_or_a_forged_signature_is_found() -> None:
    with fresh_log() as cursor:
        logged(cursor, count=5)
        heads.sign_current(cursor, OTHER_KEY, now_ms=9_000)
        with tampering() as sql:
            sql.execute(
                "UPDATE transparency_treehead SET signature = %s WHERE timestamp_ms = 1000",
                [bytes(64)],
            )
        problems = audit(cursor, KEY.public_key()).problems
        assert "tree head of size 5 at 9000 ms: signed by key " in " ".join(problems)
        assert "tree head of size 5 at 1000 ms: the signature does not verify" in problems
