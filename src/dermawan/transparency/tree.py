"""The shape of the log's tree: which complete subtrees make up any answer.

A complete subtree is a node (level, index) covering leaves
[index * 2**level, (index + 1) * 2**level). The store keeps the hash of
every one of ``STORED_FROM_LEVEL`` or above (16 leaves or more) from the
moment its last leaf is appended, and the leaves themselves; a lower node
is hashed from its at most 8 leaves when an answer needs it
(``complete``). Nothing stored ever changes. Any range the RFC 6962
recursion asks for, [start, end) with start aligned to a power of two at
least end - start, is a handful of complete subtrees (one per set bit of
its length), and its Merkle Tree Hash is their right fold. So a root, an
inclusion proof and a consistency proof are each a list of ranges, read
together in one query of O(log n) node ids and a few leaves. Pure Python,
no database.

Node ids use in-order ("flat tree") numbering: leaf i is 2i and a parent sits
between its children, (index << (level + 1)) + 2**level - 1. One integer key
per node, and an append writes ids near the end of the key space.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from dermawan.transparency.hashing import EMPTY_ROOT, NODE_PREFIX, node_hash, split_point

Range = tuple[int, int]  # leaves [start, end)

# The lowest level of the nodes the store keeps. Storing every level costs an
# append one node row per leaf; from level 4 up, one per 8 leaves, and a
# proof reads at most 16 leaves more (decision 0042).
STORED_FROM_LEVEL = 4


def node_id(level: int, index: int) -> int:
    return (index << (level + 1)) + (1 << level) - 1


def level_of(node: int) -> int:
    """A node's level: the trailing one bits of its id."""
    return (node ^ (node + 1)).bit_length() - 1


def is_stored(node: int) -> bool:
    """Whether the store keeps this inner node's hash (else it hashes its leaves)."""
    return level_of(node) >= STORED_FROM_LEVEL


def leaves_under(node: int) -> range:
    """The indexes of the leaves a node covers."""
    level = level_of(node)
    index = node >> (level + 1)
    return range(index << level, (index + 1) << level)


def complete(nodes: dict[int, bytes], ids: Iterable[int]) -> None:
    """Add to ``nodes`` the hashes of ``ids`` below the stored levels, each
    from its leaves' hashes (node ids 2i in ``nodes``); one whose leaves are
    not all there is left out, for the caller to report."""
    for node in ids:
        if node in nodes or is_stored(node):
            continue
        try:
            hashes = [nodes[2 * leaf] for leaf in leaves_under(node)]
        except KeyError:
            continue
        while len(hashes) > 1:  # a complete subtree: pair by pair, level by level
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        nodes[node] = hashes[0]


def subtrees(start: int, end: int) -> list[int]:
    """Ids of the complete subtrees that make up [start, end), largest first."""
    ids = []
    for level in reversed(range((end - start).bit_length())):
        if (end - start) >> level & 1:
            if start & ((1 << level) - 1):
                raise ValueError(f"[{start}, {end}) is not a range of the RFC 6962 recursion")
            ids.append(node_id(level, start >> level))
            start += 1 << level
    return ids


def fold(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a range from its subtrees' hashes, largest first."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) of RFC 9162 2.1.3.1, as ranges, deepest first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(first, D[second]) of RFC 9162 2.1.4.1, as ranges, deepest first.

    Empty when no proof is needed (first == 0 or first == second).
    """
    if not 0 <= first <= second:
        raise ValueError(f"tree size {first} cannot precede tree size {second}")
    if first in (0, second):
        return []
    ranges: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def node_ids(ranges: Iterable[Range]) -> list[int]:
    """Every node id the ranges need, once each."""
    return sorted({i for start, end in ranges for i in subtrees(start, end)})


def hashes_of(ranges: Iterable[Range], nodes: Mapping[int, bytes]) -> list[bytes]:
    """Each range's Merkle Tree Hash from the stored ``nodes``."""
    return [fold([nodes[i] for i in subtrees(start, end)]) for start, end in ranges]


def grow(
    size: int,
    frontier: Sequence[bytes],
    leaf_hashes: Iterable[bytes],
    from_level: int = 1,
) -> list[tuple[int, bytes]]:
    """The inner nodes that appending ``leaf_hashes`` to a tree of ``size`` completes.

    ``frontier`` holds the hashes of ``subtrees(0, size)``: the tree's right
    edge, all an append needs. Returns (node id, hash) for every complete
    subtree of ``from_level`` or above (``STORED_FROM_LEVEL``: those the
    store keeps) that the new leaves close, in the order they close; the
    leaves themselves are nodes ``2 * index``.
    """
    if len(frontier) != size.bit_count():
        raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier nodes")
    stack = list(frontier)
    nodes: list[tuple[int, bytes]] = []
    append, sha256 = nodes.append, hashlib.sha256  # the hot loop of every append
    index = size
    for digest in leaf_hashes:
        stack.append(digest)
        level, carry = 0, index
        while carry & 1:  # each trailing one of the index completes a subtree
            right = stack.pop()
            merged = sha256(NODE_PREFIX + stack.pop() + right).digest()  # node_hash
            stack.append(merged)
            level += 1
            carry >>= 1
            if level >= from_level:
                append((((index >> level) << (level + 1)) + (1 << level) - 1, merged))  # node_id
        index += 1
    return nodes
