"""Subjects ``<prefix>.<partition>.<merchant>``: a stable hash of the merchant.

Every event of one order line must land in one partition: a partition is
applied by one worker at a time, in order, so two workers can never race on
one line. CRC-32 is the hash because any marketplace producer, in any
language, can compute the same partition (``java.util.zip.CRC32``, Go's
``hash/crc32``, zlib).
"""

from __future__ import annotations

import zlib
from urllib.parse import quote

DEFAULT_PARTITIONS = 8
MAX_PARTITIONS = 1024
# The subject token of a message whose merchant is unknown (an unreadable
# payload): ``quote`` never makes a lone "%", so no merchant maps to it.
UNKNOWN_MERCHANT = "%"


def partition_of(merchant_id: str, partitions: int) -> int:
    """The partition of a merchant: CRC-32 of its UTF-8 id, modulo the count."""
    return zlib.crc32(merchant_id.encode()) % partitions


def fallback_partition(order_id: str, partitions: int) -> int:
    """Where an event goes when its merchant cannot be known (see publisher.py)."""
    return zlib.crc32(order_id.encode()) % partitions


def merchant_token(merchant_id: str | None) -> str:
    """The merchant as one subject token: no dots, spaces or wildcards."""
    if not merchant_id:
        return UNKNOWN_MERCHANT
    return quote(merchant_id, safe="").replace(".", "%2E").replace("~", "%7E")


def subject_prefix(subjects: str) -> str:
    """``orders.>`` -> ``orders``: the stream's subjects must end in ``.>``."""
    if not subjects.endswith(".>") or len(subjects) < 3 or "*" in subjects:
        raise ValueError(f"subjects {subjects!r} must look like 'PREFIX.>' (e.g. 'orders.>')")
    return subjects[:-2]


def subject(prefix: str, partition: int, merchant_id: str | None) -> str:
    return f"{prefix}.{partition}.{merchant_token(merchant_id)}"


def partition_filter(prefix: str, partition: int) -> str:
    """The filter subject of one partition's consumer."""
    return f"{prefix}.{partition}.>"


def parse_partitions(spec: str, partitions: int) -> list[int]:
    """``"0-3,6"`` -> ``[0, 1, 2, 3, 6]``, each within ``0..partitions-1``."""
    chosen: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"partitions {spec!r}: {part!r} is not N or N-M") from None
        if not 0 <= first <= last < partitions:
            raise ValueError(f"partitions {spec!r}: {part!r} is outside 0..{partitions - 1}")
        chosen.update(range(first, last + 1))
    if not chosen:
        raise ValueError(f"partitions {spec!r} names none")
    return sorted(chosen)
