"""The tree's shape: stored complete subtrees answer exactly what the RFC recursion does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency import tree
from dermawan.transparency.hashing import leaf_hash, mth_of_hashes
from tests.transparency.support import PURE, path, proof


def grown(hashes: list[bytes], batches: list[int]) -> dict[int, bytes]:
    """The nodes stored by appending ``hashes`` in batches of the given sizes:
    the leaves and the inner nodes of the stored levels, as the store keeps them."""
    nodes: dict[int, bytes] = {}
    size = 0
    for count in [*batches, len(hashes)]:
        batch = hashes[size : size + count]
        edge = tree.subtrees(0, size)
        tree.complete(nodes, edge)  # as the store reads its right edge
        frontier = [nodes[i] for i in edge]
        nodes.update(tree.grow(size, frontier, batch, tree.STORED_FROM_LEVEL))
        nodes.update((tree.node_id(0, size + i), digest) for i, digest in enumerate(batch))
        size += len(batch)
    return {node: digest for node, digest in nodes.items() if node % 2 == 0 or tree.is_stored(node)}


def answer(ranges: list[tree.Range], stored: dict[int, bytes]) -> list[bytes]:
    """Each range's hash from the stored nodes, the lower ones hashed from leaves."""
    nodes = dict(stored)
    tree.complete(nodes, tree.node_ids(ranges))
    return tree.hashes_of(ranges, nodes)


def root(nodes: dict[int, bytes], size: int) -> bytes:
    return answer([(0, size)], nodes)[0]


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


def test_an_append_keeps_the_nodes_of_the_stored_levels() -> None:
    for size in [0, 15, 16, 17, 100, 1000]:
        every = tree.grow(0, [], (leaf_hash(i.to_bytes(2, "big")) for i in range(size)))
        kept = tree.grow(0, [], (leaf_hash(i.to_bytes(2, "big")) for i in range(size)), 4)
        assert kept == [(i, digest) for i, digest in every if tree.level_of(i) >= 4]
        # one node per 8 leaves, give or take: the complete subtrees of levels 4 and up
        assert len(kept) == sum(size >> level for level in range(4, 11))


def test_a_node_knows_its_level_and_its_leaves() -> None:
    for level in range(8):
        for index in range(40):
            node = tree.node_id(level, index)
            assert tree.level_of(node) == level
            assert tree.leaves_under(node) == range(index << level, (index + 1) << level)
            assert tree.is_stored(node) == (level >= tree.STORED_FROM_LEVEL)


def test_a_lower_node_is_hashed_from_its_leaves_and_only_from_all_of_them() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(8)]
    leaves = {tree.node_id(0, i): digest for i, digest in enumerate(hashes)}
    wanted = [tree.node_id(3, 0), tree.node_id(1, 3), tree.node_id(2, 1)]
    nodes = dict(leaves)
    tree.complete(nodes, wanted)
    assert [nodes[i] for i in wanted] == [
        mth_of_hashes(hashes), mth_of_hashes(hashes[6:8]), mth_of_hashes(hashes[4:8])
    ]  # fmt: skip
    del leaves[tree.node_id(0, 5)]
    tree.complete(leaves, wanted)  # a leaf missing: its ancestors are left for the caller
    assert wanted[0] not in leaves and wanted[2] not in leaves and wanted[1] in leaves
    stored_level: dict[int, bytes] = {}
    tree.complete(stored_level, [tree.node_id(4, 0)])  # never made from leaves
    assert stored_level == {}


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
        assert answer(ranges, nodes) == path(index, hashes)
    for first in range(size + 1):
        ranges = tree.consistency_ranges(first, size)
        expected = proof(first, hashes) if 0 < first < size else []
        assert answer(ranges, nodes) == expected


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
    assert answer(tree.inclusion_ranges(index, size), nodes) == path(index, hashes)
    expected = proof(smaller, hashes) if 0 < smaller < size else []
    assert answer(tree.consistency_ranges(smaller, size), nodes) == expected


@pytest.mark.parametrize("size", [1, 2, 3, 1000, 2**20 + 1, 2**40 - 1, 2**62 + 12345])
def test_proofs_read_logarithmically_many_nodes(size: int) -> None:
    bound = 2 * size.bit_length() + 1
    assert len(tree.node_ids([(0, size)])) <= size.bit_length()
    for index in {0, size // 3, size // 2, size - 1}:
        assert len(tree.node_ids(tree.inclusion_ranges(index, size))) <= bound
    for first in {1, size // 3, size // 2, size - 1}:
        assert len(tree.node_ids(tree.consistency_ranges(first, size))) <= bound
