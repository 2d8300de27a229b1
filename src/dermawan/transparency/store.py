"""The log in the database: append a batch, answer roots and proofs.

An append writes, in the caller's database transaction, the batch's entries
and the hash of every complete subtree of 16 leaves or more that the batch
closes (tree.STORED_FROM_LEVEL), each set in bulk; it reads only the tree's
right edge, the O(log n) frontier nodes. A root, an inclusion proof or a
consistency proof is one read of the O(log n) nodes tree.py names, never a
rebuild.

A leaf's own hash (level 0) is not stored twice: it is SHA-256(0x00 || entry),
computed from the entry when a proof needs it; a node below level 4 is
hashed from its at most 8 entries the same way. That keeps an append to
about one row per leaf (its entry, and one inner node per 8 leaves) rather
than two (decision 0042).

Appends are serialised: on PostgreSQL by a transaction-level advisory lock,
on SQLite by the write lock the IMMEDIATE transaction already holds. The lock
lasts until the caller commits, so take it late in a batch.

Every function takes the driver's own cursor (dermawan.core.bulk.raw_cursor).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from django.db import connection

from dermawan.core import bulk
from dermawan.transparency import tree
from dermawan.transparency.hashing import LEAF_PREFIX

# PostgreSQL types of an (id, bytes) row, for binary COPY.
BYTES_ROW = ("int8", "bytea")

# pg_advisory_xact_lock key: "dlog" in ASCII.
APPEND_LOCK = 0x646C6F67


class LogCorrupted(RuntimeError):
    """A node the tree needs is missing from the database."""


class Appended(NamedTuple):
    first_index: int  # the index of the batch's first leaf
    tree_size: int  # the log's size once the batch is in


class InclusionProof(NamedTuple):
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]


def size(cursor: Any) -> int:
    """The number of leaves in the log."""
    cursor.execute("SELECT max(id) FROM transparency_entry")
    last = cursor.fetchone()[0]
    return 0 if last is None else last + 1


def lock(cursor: Any) -> None:
    """Take the log's append lock until the caller's transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("append to the log inside the caller's transaction.atomic()")
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT pg_advisory_xact_lock({APPEND_LOCK})")


# The right edge of the log as it is (PostgreSQL): the nodes of
# tree.subtrees(0, n) for the log's size n, found from n in SQL, so the read
# needs no earlier answer and shares its round trip. The complete subtree of
# level l on the edge covers [s, s + 2^l) with s = n with its bits up to l
# cleared, and node_id(l, s >> l) = (n >> (l + 1) << (l + 2)) + 2^l - 1.
# Those of the stored levels are read; the ones below cover the last n mod 16
# leaves, read to hash them (tree.complete).
_FRONTIER_SQL = (
    "WITH log AS (SELECT coalesce(max(id) + 1, 0) AS n FROM transparency_entry),"
    " edge AS (SELECT ((n >> (l + 1)) << (l + 2)) + (1::bigint << l) - 1 AS id"
    f" FROM log, generate_series({tree.STORED_FROM_LEVEL}, 62) AS l WHERE (n >> l) & 1 = 1)"
    " SELECT node.id, node.hash, 0 FROM edge JOIN transparency_node AS node"
    " ON node.id = edge.id"
    " UNION ALL SELECT entry.id, entry.data, 1 FROM log JOIN transparency_entry AS entry"
    f" ON entry.id >= (n >> {tree.STORED_FROM_LEVEL}) << {tree.STORED_FROM_LEVEL}"
)


def send_frontier(cursor: Any) -> Callable[[], dict[int, bytes]] | None:
    """PostgreSQL: send the read of the log's right edge now (call it with the
    lock held); the returned function fetches its hashes, as ``append`` takes
    them. SQLite: None (``append`` reads it; a read there costs no round trip)."""
    if connection.vendor != "postgresql":
        return None
    own = bulk.driver_cursor(cursor.connection)
    own.execute(_FRONTIER_SQL, prepare=True)
    return lambda: _edge(_hashes(own.fetchall()))


def _edge(found: dict[int, bytes]) -> dict[int, bytes]:
    """The right edge's hashes from its stored nodes and the leaves after them."""
    # The stored nodes cover the log up to its last multiple of 16; the leaves, the rest.
    size = sum(1 << tree.level_of(node) for node in found if node & 1)
    size += sum(1 for node in found if not node & 1)
    edge = tree.subtrees(0, size)
    tree.complete(found, edge)
    return {node: found[node] for node in edge}


def _read(cursor: Any, ids: Sequence[int]) -> dict[int, bytes]:
    """The hashes of nodes ``ids`` in one statement: the stored nodes as they
    are, the others from their leaves' entries (tree.complete)."""
    inner = [i for i in ids if tree.is_stored(i)]
    leaves = sorted({leaf for i in ids if not tree.is_stored(i) for leaf in tree.leaves_under(i)})
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT id, hash, 0 FROM transparency_node WHERE id = ANY(%s) UNION ALL "
            "SELECT id, data, 1 FROM transparency_entry WHERE id = ANY(%s)",
            (inner, leaves),
        )
    else:  # a proof names a few dozen nodes: far below SQLite's parameter limit
        inner_marks, leaf_marks = ", ".join("?" * len(inner)), ", ".join("?" * len(leaves))
        cursor.execute(
            f"SELECT id, hash, 0 FROM transparency_node WHERE id IN ({inner_marks}) UNION ALL "
            f"SELECT id, data, 1 FROM transparency_entry WHERE id IN ({leaf_marks})",
            (*inner, *leaves),
        )
    found = _hashes(cursor.fetchall())
    tree.complete(found, ids)
    return {node: found[node] for node in ids if node in found}


def _hashes(rows: Iterable[tuple[int, Any, int]]) -> dict[int, bytes]:
    """Node hashes by node id from rows of (id, hash or entry, is a leaf)."""
    sha256 = hashlib.sha256
    return {
        (index << 1) if is_leaf else index: (
            sha256(LEAF_PREFIX + value).digest() if is_leaf else bytes(value)
        )
        for index, value, is_leaf in rows
    }


def _nodes(
    cursor: Any, ids: Sequence[int], tree_size: int, found: dict[int, bytes] | None = None
) -> dict[int, bytes]:
    """The hashes of ``ids``, all of which the tree of ``tree_size`` has
    (``found``: read already)."""
    if found is None:
        found = _read(cursor, ids)
    if any(i not in found for i in ids) or (not ids and tree_size > 0):
        # Only now is the log's size worth a query: asked beyond it, or corrupted?
        current = size(cursor)
        if tree_size > current:
            raise ValueError(f"tree size {tree_size} is not one the log has had (it has {current})")
        missing = [i for i in ids if i not in found]
        if missing:
            raise LogCorrupted(f"the log is missing tree nodes {missing[:10]}")
    return found


def insert(
    cursor: Any,
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Insert the log's rows in bulk: on PostgreSQL a large batch by binary ``COPY``.

    The log's rows are mostly hashes and leaf bytes; text ``COPY`` would
    hex-escape every one of them, and measured twice as slow here.
    ``types`` are PostgreSQL type names, one per column.
    """
    bulk.insert_rows(cursor, table, columns, rows, types)


def append(
    cursor: Any,
    leaves: Sequence[bytes],
    *,
    locked_size: int | None = None,
    frontier: dict[int, bytes] | None = None,
    hashes: Sequence[bytes] | None = None,
) -> Appended:
    """Append ``leaves`` (encoded entries, leaves.py) in the caller's transaction.

    ``locked_size``: the caller holds the lock and read the log's size under
    it; ``frontier``: and its right edge (``send_frontier``); ``hashes``: the
    leaves' hashes (``leaf_hashes``), made before the lock was taken.
    """
    if locked_size is None:
        lock(cursor)
        first = size(cursor)
    else:
        first = locked_size
    if not leaves:
        return Appended(first, first)
    edge = tree.subtrees(0, first)
    frontier = _nodes(cursor, edge, first, frontier)
    if hashes is None:
        hashes = leaf_hashes(leaves)
    nodes = tree.grow(first, [frontier[i] for i in edge], hashes, tree.STORED_FROM_LEVEL)
    insert(cursor, "transparency_entry", ("id", "data"), BYTES_ROW, enumerate(leaves, first))
    insert(cursor, "transparency_node", ("id", "hash"), BYTES_ROW, nodes)
    return Appended(first, first + len(leaves))


def leaf_hashes(leaves: Sequence[bytes]) -> list[bytes]:
    """Each leaf's hash (hashing.leaf_hash, inlined for a batch)."""
    sha256 = hashlib.sha256
    return [sha256(LEAF_PREFIX + leaf).digest() for leaf in leaves]


def root(cursor: Any, tree_size: int) -> bytes:
    """The root hash of the log when it had ``tree_size`` leaves."""
    if tree_size < 0:
        raise ValueError(f"tree size {tree_size} is negative")
    ids = tree.subtrees(0, tree_size)
    nodes = _nodes(cursor, ids, tree_size)
    return tree.fold([nodes[i] for i in ids])


def inclusion_proof(cursor: Any, index: int, tree_size: int) -> InclusionProof:
    """The audit path of leaf ``index`` in the tree of ``tree_size`` leaves."""
    ranges = tree.inclusion_ranges(index, tree_size)
    leaf = tree.node_id(0, index)
    nodes = _nodes(cursor, sorted({leaf, *tree.node_ids(ranges)}), tree_size)
    return InclusionProof(index, tree_size, nodes[leaf], tree.hashes_of(ranges, nodes))


def consistency_proof(cursor: Any, first: int, second: int) -> list[bytes]:
    """The proof that the tree of ``first`` leaves is a prefix of that of ``second``."""
    ranges = tree.consistency_ranges(first, second)
    nodes = _nodes(cursor, tree.node_ids(ranges), second)
    return tree.hashes_of(ranges, nodes)


def entries(cursor: Any, start: int, end: int) -> list[tuple[int, bytes]]:
    """The entries with index in [start, end), in order."""
    mark = bulk.marks()
    cursor.execute(
        f"SELECT id, data FROM transparency_entry WHERE id >= {mark} AND id < {mark} ORDER BY id",
        (start, end),
    )
    return [(index, bytes(data)) for index, data in cursor.fetchall()]


def all_entries(cursor: Any, chunk: int = 10_000) -> Iterator[tuple[int, bytes]]:
    """Every entry in order, read ``chunk`` at a time (for audits)."""
    start = 0
    while rows := entries(cursor, start, start + chunk):
        yield from rows
        start += chunk


def stored_nodes(cursor: Any, ids: Sequence[int]) -> dict[int, bytes]:
    """The stored hashes of nodes ``ids`` (for audits; missing ones left out)."""
    rows = bulk.select_in(cursor, "SELECT id, hash FROM transparency_node WHERE", "id", ids)
    return {row[0]: bytes(row[1]) for row in rows}
