"""RFC 6962 Merkle tree hashing, and checking proofs exactly as RFC 9162 says.

Pure functions, no Django: a receipt checker, an auditor or a third-party
monitor needs nothing but this module (and ``signing`` for tree heads).

- leaf hash:  SHA-256(0x00 || leaf)
- node hash:  SHA-256(0x01 || left || right)
- MTH({})     = SHA-256() of nothing; MTH of one leaf is its leaf hash;
  MTH(D[n])   = node hash of MTH(D[0:k]) and MTH(D[k:n]), with k the largest
  power of two smaller than n.

The two prefixes keep a leaf from ever passing for an inner node (the
second-preimage attack RFC 6962 section 2.1 closes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not prove what it claims; the message says why."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaves, straight from the definition."""
    return mth_of_hashes([leaf_hash(leaf) for leaf in leaves])


def mth_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaf hashes."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = split_point(len(hashes))
    return node_hash(mth_of_hashes(hashes[:k]), mth_of_hashes(hashes[k:]))


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes long; a SHA-256 hash is {HASH_SIZE}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from leaf hash ``leaf`` (RFC 9162 2.1.3.2, 1-4)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash("the leaf hash", leaf)
    fn, sn = index, size - 1
    r = leaf
    for position, p in enumerate(proof):
        _check_hash(f"proof node {position}", p)
        if sn == 0:
            raise ProofError(f"the proof is too long: node {position} is past the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short: it stops below the root")
    return r


def check_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless ``proof`` shows leaf hash ``leaf`` at ``index`` under ``root``."""
    _check_hash("the root hash", root)
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(f"the proof does not lead to the root of the tree of size {size}")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    try:
        check_inclusion(index, size, leaf, proof, root)
    except ProofError:
        return False
    return True


def check_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless the tree of size ``first`` is a prefix of that of ``second``.

    RFC 9162 section 2.1.4.2 for 0 < first < second. Outside that range the
    answer needs no proof: an empty tree is a prefix of every tree, a tree is
    consistent with itself when the roots agree, and a log never shrinks; the
    proof must then be empty.
    """
    _check_hash("the first root hash", first_root)
    _check_hash("the second root hash", second_root)
    if not 0 <= first <= second:
        raise ProofError(f"tree size {first} cannot precede tree size {second}")
    if first == 0 or first == second:
        if proof:
            raise ProofError(f"sizes {first} and {second} need an empty proof")
        if first == second and first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    if not proof:  # 1
        raise ProofError("the consistency proof is empty")
    for position, c in enumerate(proof):
        _check_hash(f"proof node {position}", c)
    path = list(proof)
    if (first & (first - 1)) == 0:  # 2: first is a power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1  # 3
    while fn & 1:  # 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # 5
    for c in path[1:]:  # 6
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # 7
        raise ProofError("the consistency proof is too short")
    if fr != first_root:
        raise ProofError(f"the proof does not lead to the root of the tree of size {first}")
    if sr != second_root:
        raise ProofError(f"the proof does not lead to the root of the tree of size {second}")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    try:
        check_consistency(first, second, first_root, second_root, proof)
    except ProofError:
        return False
    return True
