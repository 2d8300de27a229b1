"""RFC 6962 hashing and RFC 9162 proof checking, against the published answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency.hashing import (
    EMPTY_ROOT,
    ProofError,
    check_consistency,
    check_inclusion,
    leaf_hash,
    mth,
    mth_of_hashes,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from tests.transparency import vectors as v
from tests.transparency.support import PURE, flipped, path, proof

HASHES = [leaf_hash(leaf) for leaf in v.LEAVES]


# known answers -------------------------------------------------------------


def test_the_hasher_gives_the_reference_answers() -> None:
    assert EMPTY_ROOT == v.EMPTY_ROOT == mth([])
    assert leaf_hash(b"") == v.EMPTY_LEAF_HASH != EMPTY_ROOT
    assert leaf_hash(b"L123456") == v.L123456_HASH
    assert node_hash(b"N123", b"N456") == v.N123_N456_HASH


def test_a_leaf_never_passes_for_the_node_of_its_halves() -> None:
    left, right = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert node_hash(left, right) != leaf_hash(left + right)
    assert node_hash(left, right) != node_hash(right, left)


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_reference_trees(size: int) -> None:
    assert mth(v.LEAVES[:size]) == v.ROOTS[size]


@pytest.mark.parametrize(("index", "size", "audit_path"), v.INCLUSION)
def test_reference_inclusion_proofs(index: int, size: int, audit_path: list[bytes]) -> None:
    assert path(index, HASHES[:size]) == audit_path  # our oracle agrees with the reference
    assert root_from_inclusion_proof(index, size, HASHES[index], audit_path) == v.ROOTS[size]
    check_inclusion(index, size, HASHES[index], audit_path, v.ROOTS[size])


@pytest.mark.parametrize(("first", "second", "consistency"), v.CONSISTENCY)
def test_reference_consistency_proofs(first: int, second: int, consistency: list[bytes]) -> None:
    if first < second:
        assert proof(first, HASHES[:second]) == consistency
    check_consistency(first, second, v.ROOTS[first], v.ROOTS[second], consistency)


# corrupted reference proofs, in the manner of the reference tests -----------


def _inclusion_probes(
    index: int, size: int, audit_path: list[bytes]
) -> list[tuple[str, int, int, bytes, list[bytes], bytes]]:
    leaf, root = HASHES[index], v.ROOTS[size]
    probes = [
        ("index - 1", index - 1, size, leaf, audit_path, root),
        ("index + 1", index + 1, size, leaf, audit_path, root),
        ("index ^ 2", index ^ 2, size, leaf, audit_path, root),
        ("size * 2", index, size * 2, leaf, audit_path, root),
        ("size // 2", index, size // 2, leaf, audit_path, root),
        ("wrong leaf", index, size, leaf_hash(b"wrong"), audit_path, root),
        ("short leaf", index, size, b"WrongLeaf", audit_path, root),
        ("empty root", index, size, leaf, audit_path, v.EMPTY_ROOT),
        ("other root", index, size, leaf, audit_path, v.SOME_HASH),
        ("trailing root", index, size, leaf, [*audit_path, root], root),
        ("trailing garbage", index, size, leaf, [*audit_path, b""], root),
        ("preceding root", index, size, leaf, [root, *audit_path], root),
        ("preceding garbage", index, size, leaf, [b"", *audit_path], root),
    ]
    if audit_path:
        probes.append(("removed node", index, size, leaf, audit_path[:-1], root))
    if len(audit_path) > 1:
        inserted = [audit_path[0], v.SOME_HASH, *audit_path[1:]]
        probes.append(("inserted node", index, size, leaf, inserted, root))
    for i in range(len(audit_path)):
        changed = [*audit_path]
        changed[i] = flipped(changed[i], 0, 3)
        probes.append((f"proof[{i}] bit flipped", index, size, leaf, changed, root))
    return probes


@pytest.mark.parametrize(("index", "size", "audit_path"), v.INCLUSION)
def test_corrupted_inclusion_proofs_fail(index: int, size: int, audit_path: list[bytes]) -> None:
    passed = [
        desc
        for desc, i, n, leaf, p, root in _inclusion_probes(index, size, audit_path)
        if verify_inclusion(i, n, leaf, p, root)
    ]
    assert passed == []


@pytest.mark.parametrize(("first", "second", "consistency"), v.CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(
    first: int, second: int, consistency: list[bytes]
) -> None:
    r1, r2 = v.ROOTS[first], v.ROOTS[second]
    probes = [
        ("first - 1", first - 1, second, r1, r2, consistency),
        ("first + 1", first + 1, second, r1, r2, consistency),
        ("first ^ 2", first ^ 2, second, r1, r2, consistency),
        ("second * 2", first, second * 2, r1, r2, consistency),
        ("second // 2", first, second // 2, r1, r2, consistency),
        ("wrong first root", first, second, v.SOME_HASH, r2, consistency),
        ("wrong second root", first, second, r1, v.SOME_HASH, consistency),
        ("swapped roots", first, second, r2, r1, consistency),
        ("empty proof", first, second, r1, r2, []),
        ("truncated", first, second, r1, r2, consistency[:-1]),
        ("trailing root", first, second, r1, r2, [*consistency, r2]),
        ("preceding root", first, second, r1, r2, [r1, *consistency]),
        ("preceding proof[0]", first, second, r1, r2, [consistency[0], *consistency]),
    ]
    for i in range(len(consistency)):
        changed = [*consistency]
        changed[i] = flipped(changed[i], 0, 4)
        probes.append((f"proof[{i}] bit flipped", first, second, r1, r2, changed))
    passed = [desc for desc, m, n, a, b, p in probes if verify_consistency(m, n, a, b, p)]
    assert passed == []


# edges ----------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 4)])
def test_a_leaf_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="outside"):
        check_inclusion(index, size, v.SOME_HASH, [], v.SOME_HASH)


def test_a_one_leaf_tree_needs_no_proof() -> None:
    digest = leaf_hash(b"data")
    assert verify_inclusion(0, 1, digest, [], digest)
    assert not verify_inclusion(0, 1, digest, [], b"")
    assert not verify_inclusion(0, 1, b"", [], digest)


def test_sizes_that_need_no_consistency_proof() -> None:
    a, b = v.ROOTS[3], v.ROOTS[5]
    assert verify_consistency(0, 0, v.EMPTY_ROOT, v.EMPTY_ROOT, [])
    assert verify_consistency(0, 5, v.EMPTY_ROOT, b, [])
    assert verify_consistency(3, 3, a, a, [])
    assert not verify_consistency(3, 3, a, b, [])  # a fork: two roots for one size
    assert not verify_consistency(3, 3, a, a, [v.EMPTY_ROOT])
    assert not verify_consistency(0, 5, v.EMPTY_ROOT, b, [v.EMPTY_ROOT])
    assert not verify_consistency(5, 3, b, a, [])  # logs never shrink


def test_the_error_says_what_failed() -> None:
    index, size, audit_path = v.INCLUSION[1]
    with pytest.raises(ProofError, match="does not lead to the root of the tree of size 8"):
        check_inclusion(index, size, HASHES[1], audit_path, v.ROOTS[8])
    with pytest.raises(ProofError, match="too short"):
        check_inclusion(index, size, HASHES[0], audit_path[:1], v.ROOTS[8])


# every proof verifies; every flipped byte fails ------------------------------

trees = st.lists(st.binary(max_size=12), min_size=1, max_size=70)


@PURE
@given(leaves=trees, data=st.data())
def test_every_inclusion_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    root = mth_of_hashes(hashes)
    audit_path = path(index, hashes)
    assert verify_inclusion(index, len(leaves), leaf_hash(leaves[index]), audit_path, root)


@PURE
@given(leaves=trees, data=st.data())
def test_every_consistency_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    second = len(leaves)
    first = data.draw(st.integers(1, second), label="first")
    p = proof(first, hashes) if first < second else []
    assert verify_consistency(
        first, second, mth_of_hashes(hashes[:first]), mth_of_hashes(hashes), p
    )


solid_trees = st.lists(st.binary(min_size=1, max_size=12), min_size=1, max_size=70)


@PURE
@given(leaves=solid_trees, data=st.data())
def test_a_flipped_byte_anywhere_fails_inclusion(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    leaf, root, audit_path = leaves[index], mth_of_hashes(hashes), path(index, hashes)
    targets = ["leaf", "root", "proof"] if audit_path else ["leaf", "root"]
    target = data.draw(st.sampled_from(targets), label="target")
    bit = data.draw(st.integers(0, 7), label="bit")
    if target == "leaf":
        leaf = flipped(leaf, data.draw(st.integers(0, len(leaf) - 1)), bit)
    elif target == "root":
        root = flipped(root, data.draw(st.integers(0, 31)), bit)
    else:
        node = data.draw(st.integers(0, len(audit_path) - 1))
        audit_path[node] = flipped(audit_path[node], data.draw(st.integers(0, 31)), bit)
    assert not verify_inclusion(index, len(leaves), leaf_hash(leaf), audit_path, root)


@PURE
@given(leaves=st.lists(st.binary(max_size=12), min_size=2, max_size=70), data=st.data())
def test_a_flipped_byte_anywhere_fails_consistency(
    leaves: list[bytes], data: st.DataObject
) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    second = len(leaves)
    first = data.draw(st.integers(1, second - 1), label="first")
    parts = [mth_of_hashes(hashes[:first]), mth_of_hashes(hashes), *proof(first, hashes)]
    which = data.draw(st.integers(0, len(parts) - 1), label="which hash")
    parts[which] = flipped(
        parts[which], data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    )
    assert not verify_consistency(first, second, parts[0], parts[1], parts[2:])
