"""What the log's tests share: hypothesis settings, a per-example rollback,
the RFC's own recursive definitions of proofs (the oracle), and byte flips."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, settings

from dermawan.core import bulk
from dermawan.transparency.hashing import mth_of_hashes, split_point

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "0")) or None

# Pure properties are cheap; database ones append and read in a savepoint.
PURE = settings(max_examples=EXAMPLES or 200, deadline=None, derandomize=IN_CI)
DATABASE = settings(
    max_examples=EXAMPLES or 50,
    deadline=None,
    derandomize=IN_CI,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def fresh_log() -> Iterator[Any]:
    """An empty log in a savepoint rolled back at the end (the tables refuse DELETE)."""
    with transaction.atomic():
        yield bulk.raw_cursor()
        transaction.set_rollback(True)


# RFC 9162 sections 2.1.3.1 and 2.1.4.1, word for word, over leaf hashes.


def path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*path(m, hashes[:k]), mth_of_hashes(hashes[k:])]
    return [*path(m - k, hashes[k:]), mth_of_hashes(hashes[:k])]


def proof(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    return subproof(m, hashes, True)


def subproof(m: int, hashes: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if whole else [mth_of_hashes(hashes)]
    k = split_point(n)
    if m <= k:
        return [*subproof(m, hashes[:k], whole), mth_of_hashes(hashes[k:])]
    return [*subproof(m - k, hashes[k:], False), mth_of_hashes(hashes[:k])]


def flipped(data: bytes, position: int, bit: int = 0) -> bytes:
    """``data`` with one bit of byte ``position`` flipped."""
    changed = bytearray(data)
    changed[position] ^= 1 << bit
    return bytes(changed)
