"""Rate limits per key (and per address for anonymous callers).

Two stores, one rule (a token bucket of ``rate`` per second and ``burst``):

- **Shared** (``DERMAWAN_REDIS_URL`` set): one bucket per caller in Redis for
  every process on every machine, kept by a Lua script (GCRA: one number per
  caller, the time its bucket is next full) run atomically on the Redis
  server's clock, so servers with skewed clocks still agree.
- **Per process** (no Redis): each server process keeps its buckets in memory
  and takes its share of the rate (``dermawan serve`` sets
  DERMAWAN_SERVE_WORKERS), so one machine needs no other service.

If Redis stops answering, requests go on under the per-process limit (an
outage of the limiter must not become an outage of donations); the error is
logged once a minute. Over the limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from dermawan.api.problems import Problem

# (requests per second, burst) by actor kind, for the whole platform.
DEFAULTS: dict[str, tuple[float, int]] = {
    "marketplace": (2_000.0, 4_000),
    "admin": (50.0, 100),
    "merchant": (20.0, 40),
    "charity": (20.0, 40),
    "anonymous": (50.0, 100),
}
_MAX_BUCKETS = 100_000
log = logging.getLogger(__name__)


@dataclass
class _Bucket:
    tokens: float
    at: float


class LocalBuckets:
    """Token buckets in this process, each holding its share of the rate."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def wait(self, who: str, rate: float, burst: int, now: float | None = None) -> float:
        """Spend a token and answer 0, or answer the seconds until one is there."""
        share = workers()
        rate, capacity = rate / share, max(1.0, burst / share)
        current = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(who)
            if bucket is None:
                if len(self._buckets) >= _MAX_BUCKETS:
                    self._buckets.clear()
                bucket = self._buckets[who] = _Bucket(capacity, current)
            else:
                bucket.tokens = min(capacity, bucket.tokens + (current - bucket.at) * rate)
                bucket.at = current
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate if rate > 0 else 3600.0

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


# GCRA on the server's clock: KEYS[1] holds the caller's "theoretical arrival
# time" in microseconds; ARGV = interval between requests, burst window (µs).
# Answers 0 (allowed) or the microseconds to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - window - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil((next_tat - now) / 1000) + 1)
return 0
"""


class SharedBuckets:
    """One bucket per caller for the whole platform, in Redis."""

    def __init__(self, url: str, prefix: str = "dermawan:") -> None:
        import redis

        self.prefix = prefix + "rate:"
        self.client: Any = redis.Redis.from_url(url, socket_timeout=0.25)
        self._script = self.client.register_script(_GCRA)

    def wait(self, who: str, rate: float, burst: int, now: float | None = None) -> float:
        if rate <= 0:
            return 3600.0
        interval = 1_000_000 / rate
        waited = self._script(keys=[self.prefix + who], args=[interval, interval * burst])
        return int(waited) / 1_000_000


def workers() -> int:
    try:
        return max(1, int(os.environ.get("DERMAWAN_SERVE_WORKERS", "1")))
    except ValueError:
        return 1


_local = LocalBuckets()
_shared: SharedBuckets | None = None
_shared_config = ("", "")
_last_outage_log = 0.0


def _shared_store() -> SharedBuckets | None:
    """The Redis store, if DERMAWAN_REDIS_URL names one (DERMAWAN_REDIS_PREFIX keeps
    several deployments on one Redis apart)."""
    global _shared, _shared_config
    config = (os.environ.get("DERMAWAN_REDIS_URL", ""), os.environ.get("DERMAWAN_REDIS_PREFIX", ""))
    if config != _shared_config:
        url, prefix = config
        _shared = SharedBuckets(url, prefix or "dermawan:") if url else None
        _shared_config = config
    return _shared


def take(who: str, rate: float, burst: int, now: float | None = None) -> None:
    """Spend one token of ``who``'s bucket, or raise a 429 problem."""
    wait = _wait(who, rate, burst, now)
    if wait <= 0:
        return
    seconds = max(1, math.ceil(wait))
    raise Problem(
        "rate-limited",
        f"over {rate:g} requests per second; retry in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def _wait(who: str, rate: float, burst: int, now: float | None) -> float:
    global _last_outage_log
    shared = _shared_store() if now is None else None
    if shared is not None:
        try:
            return shared.wait(who, rate, burst)
        except Exception as error:  # any Redis failure: fall back, never fail the request
            if time.monotonic() - _last_outage_log > 60:
                _last_outage_log = time.monotonic()
                log.warning("rate limits: Redis unavailable (%s); limiting per process", error)
    return _local.wait(who, rate, burst, now)


def reset() -> None:
    _local.reset()
