"""Signed tree heads: sign the log as it stands, keep every head, read them back.

A head is signed in the transaction that commits the leaves it covers (after
a batch) or on a timer (a worker's idle tick); ``due`` says when a new one is
worth signing. Heads never shrink the tree nor run back in time, so a monitor
that holds one head can ask for a consistency proof to any later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dermawan.core import bulk
from dermawan.transparency import signing, store
from dermawan.transparency.signing import TreeHead

# While the log grows, a new head at most this often (0: after every batch).
INTERVAL_MS = 60_000


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    signature: bytes
    key_id: str


COLUMNS = ("tree_size", "timestamp_ms", "root_hash", "signature", "key_id")


def from_row(row: tuple[Any, ...]) -> SignedTreeHead:
    size, timestamp_ms, root_hash, signature, key_id = row
    return SignedTreeHead(TreeHead(size, timestamp_ms, bytes(root_hash)), bytes(signature), key_id)


def latest(cursor: Any) -> SignedTreeHead | None:
    cursor.execute(
        f"SELECT {', '.join(COLUMNS)} FROM transparency_treehead ORDER BY id DESC LIMIT 1"
    )
    row = cursor.fetchone()
    return None if row is None else from_row(row)


def size_and_latest(cursor: Any) -> tuple[int, SignedTreeHead | None]:
    """The log's size and its latest head, in one statement (one wait in a batch)."""
    cursor.execute(
        "SELECT (SELECT max(id) FROM transparency_entry), "
        + ", ".join(f"last.{c}" for c in COLUMNS)
        + " FROM (SELECT 1 AS one) AS log LEFT JOIN"
        f" (SELECT {', '.join(COLUMNS)} FROM transparency_treehead ORDER BY id DESC LIMIT 1)"
        " AS last ON log.one = 1"
    )
    last_id, *head = cursor.fetchone()
    size = 0 if last_id is None else last_id + 1
    return size, None if head[0] is None else from_row(tuple(head))


def at_size(cursor: Any, tree_size: int) -> SignedTreeHead | None:
    """The latest head signed for ``tree_size``, if any."""
    rows = bulk.select_in(
        cursor,
        f"SELECT {', '.join(COLUMNS)}, id FROM transparency_treehead WHERE",
        "tree_size",
        [tree_size],
    )
    return from_row(max(rows, key=lambda row: row[-1])[:-1]) if rows else None


def due(
    last: SignedTreeHead | None, tree_size: int, now_ms: int, every_ms: int = INTERVAL_MS
) -> bool:
    """Whether to sign now: no head yet, or the log grew and the last head is old enough."""
    if last is None:
        return True
    if tree_size == last.head.tree_size:
        return False
    return now_ms - last.head.timestamp_ms >= every_ms


def sign_current(cursor: Any, key: Ed25519PrivateKey, now_ms: int) -> SignedTreeHead:
    """Sign the log as this transaction sees it, and keep the head.

    Holds the append lock, so heads are in tree order even with concurrent writers.
    """
    store.lock(cursor)
    last = latest(cursor)
    size = store.size(cursor)
    if last is not None:
        if now_ms < last.head.timestamp_ms:
            raise ValueError(
                f"time {now_ms} is before the last tree head's {last.head.timestamp_ms}"
            )
        if size < last.head.tree_size:
            raise ValueError(f"the log has {size} leaves, fewer than its last head's")
    head = TreeHead(size, now_ms, store.root(cursor, size))
    signed = SignedTreeHead(head, signing.sign(key, head), signing.key_id(key.public_key()))
    bulk.insert_rows(
        cursor,
        "transparency_treehead",
        COLUMNS,
        [(size, now_ms, head.root_hash, signed.signature, signed.key_id)],
    )
    return signed
