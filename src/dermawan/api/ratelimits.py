"""Rate limits per key (and per address for anonymous callers): token buckets.

Buckets live in each server process; ``dermawan serve`` tells the processes
how many of them there are (DERMAWAN_SERVE_WORKERS), and each takes its
share of the rate, so the limit holds for the whole server without a shared
store on the hot path. Over the limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass

from dermawan.api.problems import Problem

# (requests per second, burst) by actor kind, for the whole server.
DEFAULTS: dict[str, tuple[float, int]] = {
    "marketplace": (2_000.0, 4_000),
    "admin": (50.0, 100),
    "merchant": (20.0, 40),
    "charity": (20.0, 40),
    "anonymous": (50.0, 100),
}
_MAX_BUCKETS = 100_000


@dataclass
class _Bucket:
    tokens: float
    at: float


_buckets: dict[str, _Bucket] = {}
_lock = threading.Lock()


def workers() -> int:
    try:
        return max(1, int(os.environ.get("DERMAWAN_SERVE_WORKERS", "1")))
    except ValueError:
        return 1


def take(who: str, rate: float, burst: int, now: float | None = None) -> None:
    """Spend one token of ``who``'s bucket, or raise a 429 problem."""
    share = workers()
    rate, capacity = rate / share, max(1.0, burst / share)
    current = time.monotonic() if now is None else now
    with _lock:
        bucket = _buckets.get(who)
        if bucket is None:
            if len(_buckets) >= _MAX_BUCKETS:
                _buckets.clear()
            bucket = _buckets[who] = _Bucket(capacity, current)
        else:
            bucket.tokens = min(capacity, bucket.tokens + (current - bucket.at) * rate)
            bucket.at = current
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return
        wait = (1 - bucket.tokens) / rate if rate > 0 else 3600.0
    seconds = max(1, math.ceil(wait))
    raise Problem(
        "rate-limited",
        f"over {rate * share:g} requests per second; retry in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def reset() -> None:
    with _lock:
        _buckets.clear()
