"""Recomputing the whole tree from the stored entries, and comparing.

Reads every entry in order, a chunk at a time, checks it is a canonical
leaf, recomputes every node the way an append would, and compares those the
store keeps (16 leaves or more, tree.STORED_FROM_LEVEL) with the stored
nodes; then checks every signed tree head: its signature, and
that its root is the recomputed root of its size. Changing an entry, a node
or a head in the database, in any combination, shows here, since nobody
without the signing key can make a head that covers the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dermawan.transparency import heads, leaves, signing, store, tree
from dermawan.transparency.hashing import leaf_hash

MAX_PROBLEMS = 100


@dataclass
class AuditReport:
    tree_size: int = 0
    heads_checked: int = 0
    problems: list[str] = field(default_factory=list)
    problems_left_out: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.problems_left_out += 1


def _heads(cursor: Any) -> list[heads.SignedTreeHead]:
    cursor.execute(
        f"SELECT {', '.join(heads.COLUMNS)} FROM transparency_treehead ORDER BY tree_size, id"
    )
    return [heads.from_row(row) for row in cursor.fetchall()]


def _check_head(
    report: AuditReport, signed: heads.SignedTreeHead, key: Ed25519PublicKey | None, root: bytes
) -> None:
    head = signed.head
    report.heads_checked += 1
    where = f"tree head of size {head.tree_size} at {head.timestamp_ms} ms"
    if head.root_hash != root:
        report.problem(f"{where}: its root is not the root of the stored entries")
    if key is not None:
        if signed.key_id != signing.key_id(key):
            report.problem(f"{where}: signed by key {signed.key_id}, not the log's key")
        elif not signing.verify(key, head, signed.signature):
            report.problem(f"{where}: the signature does not verify")


def audit(
    cursor: Any,
    key: Ed25519PublicKey | None,
    chunk: int = 10_000,
    progress: Callable[[int], None] | None = None,
) -> AuditReport:
    """Recompute the log; ``key`` checks head signatures (None: roots only)."""
    report = AuditReport()
    pending = _heads(cursor)
    pending.reverse()  # pop() takes the smallest size
    size = 0
    frontier: dict[int, bytes] = {}
    while True:
        rows = store.entries(cursor, size, size + chunk)
        while pending and pending[-1].head.tree_size == size:
            root = tree.fold([frontier[i] for i in tree.subtrees(0, size)])
            _check_head(report, pending.pop(), key, root)
        if not rows:
            break
        hashes = []
        for expected, (index, data) in enumerate(rows, start=size):
            if index != expected:
                report.problem(f"leaf {expected} is missing")
                return report
            try:
                leaves.decode(data)
            except leaves.LeafError as error:
                report.problem(f"leaf {index} is not a canonical donation leaf: {error}")
            hashes.append(leaf_hash(data))
        new = tree.grow(size, [frontier[i] for i in tree.subtrees(0, size)], hashes)
        kept = [(node, digest) for node, digest in new if tree.is_stored(node)]
        stored = store.stored_nodes(cursor, [node for node, _ in kept])
        for node, digest in kept:
            if stored.get(node) != digest:
                state = "missing" if node not in stored else "different from the recomputed one"
                report.problem(f"tree node {node} is {state}")
        known = {**frontier, **dict(new)}
        known.update((tree.node_id(0, size + i), digest) for i, digest in enumerate(hashes))
        for step in range(size + 1, size + len(rows) + 1):
            while pending and pending[-1].head.tree_size == step:
                root = tree.fold([known[i] for i in tree.subtrees(0, step)])
                _check_head(report, pending.pop(), key, root)
        size += len(rows)
        frontier = {i: known[i] for i in tree.subtrees(0, size)}
        if progress is not None:
            progress(size)
    report.tree_size = size
    if store.size(cursor) != size:
        report.problem(f"leaves {size} to {store.size(cursor) - 1} are missing")
    for signed in pending:
        report.problem(f"tree head of size {signed.head.tree_size} is beyond the log's {size}")
    cursor.execute("SELECT count(*) FROM transparency_node")
    count = cursor.fetchone()[0]
    # The complete subtrees of level l in a log of n leaves: n >> l.
    expected = sum(size >> level for level in range(tree.STORED_FROM_LEVEL, size.bit_length()))
    if count != expected:
        report.problem(
            f"{count} inner tree nodes stored; a log of {size} leaves has exactly {expected}"
        )
    return report
