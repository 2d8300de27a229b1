"""The tree's shape: stored complete subtrees answer exactly what the RFC recursion does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency import tree
from dermawan.transparency.hashing import leaf_hash, mth_of_hashes
from tests.transparency.support import PURE, path, proof


def grown(hashes: list[bytes], batches: list[int]) -> dict[int, bytes]:
    """The nodes stored by appending ``hashes`` in batches of the given sizes."""
    nodes: dict[int, bytes] = {}
    size = 0
    for count in [*batches, len(hashes)]:
        batch = hashes[size : size + count]
        frontier = [nodes[i] for i in tree.subtrees(0, size)]
        nodes.update(tree.grow(size, frontier, batch))
        nodes.update((tree.node_id(0, size + i), digest) for i, digest in enumerate(batch))
        size += len(batch)
    return nodes


def root(nodes: dict[int, bytes], size: int) -> bytes:
    return tree.hashes_of([(0, size)], nodes)[0]


def test_node_ids_number_the_tree_in_order() -> None:
    # level 0: 0 2 4 6 ...; level 1: 1 5 9 ...; level 2: 3 11 ...
    assert [tree.node_id(0, i) for i in range(4)] == [0, 2, 4, 6]
    assert [tree.node_id(1, i) for i in range(3)] == [1, 5, 9]
    assert [tree.node_id(2, i) for i in range(2)] == [3, 11]
    ids = {tree.node_id(level, i) for level in range(8) for i in range(300)}
    assert len(ids) == 8 * 300  # one id per node


def test_a_range_is_its_complete_subtrees() -> None:
    assert tree.subtrees(0, 0) == []
    assert tree.subtrees(0, 7) == [tree.node_id(2, 0), tree.node_id(1, 2), tree.node_id(0, 6)]
    assert tree.subtrees(8, 13) == [tree.node_id(2, 2), tree.node_id(0, 12)]
    with pytest.raises(ValueError, match="not a range"):
        tree.subtrees(3, 7)


def test_an_append_closes_every_inner_subtree_once() -> None:
    for size in range(40):
        nodes = tree.grow(0, [], (leaf_hash(bytes([i])) for i in range(size)))
        assert len(nodes) == len({i for i, _ in nodes}) == size - size.bit_count()
        assert all(i & 1 for i, _ in nodes)  # inner nodes have odd ids


def test_the_frontier_must_fit_the_size() -> None:
    with pytest.raises(ValueError, match="frontier"):
        tree.grow(3, [leaf_hash(b"")], [])


@pytest.mark.parametrize("size", range(1, 34))
def test_every_root_and_proof_of_small_trees(size: int) -> None:
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(size)]
    nodes = grown(hashes, [1, 2, 3])
    assert root(nodes, size) == mth_of_hashes(hashes)
    for index in range(size):
        ranges = tree.inclusion_ranges(index, size)
        assert tree.hashes_of(ranges, nodes) == path(index, hashes)
    for first in range(size + 1):
        ranges = tree.consistency_ranges(first, size)
        expected = proof(first, hashes) if 0 < first < size else []
        assert tree.hashes_of(ranges, nodes) == expected


@PURE
@given(
    size=st.integers(1, 3000),
    batches=st.lists(st.integers(1, 700), max_size=6),
    data=st.data(),
)
def test_roots_and_proofs_of_any_tree(size: int, batches: list[int], data: st.DataObject) -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    nodes = grown(hashes, batches)
    smaller = data.draw(st.integers(0, size), label="an earlier size")
    index = data.draw(st.integers(0, size - 1), label="leaf index")
    assert root(nodes, smaller) == mth_of_hashes(hashes[:smaller])
    assert tree.hashes_of(tree.inclusion_ranges(index, size), nodes) == path(index, hashes)
    expected = proof(smaller, hashes) if 0 < smaller < size else []
    assert tree.hashes_of(tree.consistency_ranges(smaller, size), nodes) == expected


@pytest.mark.parametrize("size", [1, 2, 3, 1000, 2**20 + 1, 2**40 - 1, 2**62 + 12345])
def test_proofs_read_logarithmically_many_nodes(size: int) -> None:
    bound = 2 * size.bit_length() + 1
    assert len(tree.node_ids([(0, size)])) <= size.bit_length()
    for index in {0, size // 3, size // 2, size - 1}:
        assert len(tree.node_ids(tree.inclusion_ranges(index, size))) <= bound
    for first in {1, size // 3, size // 2, size - 1}:
        assert len(tree.node_ids(tree.consistency_ranges(first, size))) <= bound
